"""The worker ``lms worker`` runs by default (``lms_core.jobs.worker_class``)."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from rq import SimpleWorker
from rq.worker import BaseWorker, WorkerStatus

log = logging.getLogger("lms.jobs")

# A job's registry entry lapses 60 s after its timeout (rq gives the last beats less and
# less time); an in-process job still running this long after it is ended with its worker.
OVERRUN_SECONDS = 30


class InProcessWorker(SimpleWorker):
    """rq's ``SimpleWorker`` (each job runs in the worker's own process) with the
    heartbeats of its forking ``Worker``.

    A work horse forked per job starts each job cold: a new database connection,
    every SQL statement compiled again, templates and catalogues loaded again. The
    events' jobs are small (a row or two), so that was most of their cost: a
    trivial job took 41.6 ms through a forked horse and 8.7 ms in process, and the
    workers of bench/events.py fell minutes behind. Here the connections and
    caches stay warm from job to job.

    While a job runs, a thread renews the worker's, the job's and its execution's
    heartbeats every ``job_monitoring_interval`` seconds, for that + 60 seconds, as
    the forking worker's monitor does: a worker killed in the middle of a job leaves
    it abandoned 65 s later (``recover_abandoned_jobs`` retries it), not after the
    job's whole timeout. A job's timeout is enforced with SIGALRM in this process."""

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return BaseWorker.get_heartbeat_ttl(self, job, working_time)

    def execute_job(self, job, queue):
        execution = self.prepare_execution(job)
        done = threading.Event()

        def beat():
            started = time.monotonic()
            while not done.wait(self.job_monitoring_interval):
                if job.timeout not in (None, -1) and time.monotonic() - started > job.timeout + OVERRUN_SECONDS:
                    # SIGALRM did not end it (caught by the job, or stuck outside
                    # Python): end the process before its registry entry lapses and
                    # the job is retried elsewhere while it still runs, as rq's
                    # forking worker kills its horse. The supervisor starts the
                    # worker again; the job is recovered as abandoned.
                    log.error("job %s ran %s s past its timeout: killing this worker", job.id, OVERRUN_SECONDS)
                    os.kill(os.getpid(), signal.SIGKILL)
                try:
                    self.maintain_heartbeats(job, execution)
                except Exception:  # noqa: BLE001 - Redis away: the next beat tries again
                    log.warning("could not renew the heartbeat of job %s", job.id, exc_info=True)

        thread = threading.Thread(target=beat, name=f"heartbeat-{job.id}", daemon=True)
        thread.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            done.set()
            thread.join(timeout=10)
        self.set_state(WorkerStatus.IDLE)
