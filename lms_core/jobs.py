"""Background jobs: rq when ``REDIS_URL`` is set, in-process otherwise.

``enqueue(func, *args, **kwargs)`` takes an importable function (module level) and
JSON-friendly arguments. The function runs inside an application context. With rq a
failing job is retried with back-off (``LMS_JOB_RETRY_INTERVALS``); every failure is
recorded in ``job_failures`` and shown on the admin jobs page.
"""

from __future__ import annotations

import logging
import traceback
from importlib import import_module

from flask import current_app

from lms_core.extensions import redis_connection as extensions_redis_connection

log = logging.getLogger("lms.jobs")

QUEUE_NAME = "lms"
_worker_app = None  # the app a worker process builds once; forked work horses inherit it


def function_path(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


# Kept here too: callers have imported it from this module since the start.
redis_connection = extensions_redis_connection


def queue(app=None):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_connection(app))


def enqueue(func, *args, **kwargs):
    """Run ``func(*args, **kwargs)`` as a job. Returns the rq job, or ``None`` inline."""
    app = current_app._get_current_object()
    path = function_path(func)
    if app.config.get("REDIS_URL"):
        from rq import Retry

        intervals = list(app.config["LMS_JOB_RETRY_INTERVALS"])
        return queue(app).enqueue(
            run_job,
            path,
            args,
            kwargs,
            retry=Retry(max=len(intervals), interval=intervals),
            description=path,
        )
    try:
        run_job(path, args, kwargs, inline=True)
    except Exception:
        pass  # recorded by run_job; inline work never breaks the caller
    return None


def run_job(path: str, args, kwargs, inline: bool = False):
    """The entry point of every job: resolves the function, runs it with an app context
    and records a failure before letting rq retry it."""
    from flask import has_app_context

    # Always a context of its own, so the job's database session is its own too.
    app = current_app._get_current_object() if has_app_context() else (_worker_app or _build_worker_app())
    with app.app_context():
        return _run(path, args, kwargs, inline)


def _build_worker_app():
    global _worker_app
    from lms_core.app import create_app

    _worker_app = create_app()
    return _worker_app


def _run(path, args, kwargs, inline):
    from lms_core.extensions import db

    try:
        return resolve(path)(*args, **kwargs)
    except Exception as exc:
        db.session.rollback()
        record_failure(path, exc, inline)
        raise
    finally:
        db.session.remove()


def record_failure(path: str, exc: BaseException, inline: bool) -> None:
    from rq import get_current_job

    from lms_core.extensions import db
    from lms_core.models import JobFailure

    job = None if inline else get_current_job()
    retries_left = getattr(job, "retries_left", None) or 0
    total = len(current_app.config["LMS_JOB_RETRY_INTERVALS"]) + 1
    attempt = total - retries_left if job else 1
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("job %s failed (attempt %s): %s", path, attempt, exc)
    try:
        with db.engine.begin() as conn:
            conn.execute(
                db.insert(JobFailure).values(
                    job_id=job.id if job else "inline",
                    function=path,
                    attempt=attempt,
                    final=retries_left == 0,
                    message=f"{type(exc).__name__}: {exc}"[:2000],
                    traceback=tb[-20000:],
                )
            )
    except Exception:  # the failure record must never hide the failure itself
        log.exception("could not record the failure of job %s", path)


# How often a worker checks on the job it runs and renews its heartbeat; rq gives a
# job this + 60 seconds without a heartbeat before it counts as abandoned.
JOB_MONITORING_INTERVAL = 5


def worker_class(fork: bool = False):
    """The rq worker class ``lms worker`` runs: ``lms_core.workers.InProcessWorker``, or
    rq's own ``Worker`` (a work horse forked per job) with ``fork``."""
    if fork:
        from rq import Worker

        return Worker
    from lms_core.workers import InProcessWorker

    return InProcessWorker


def recover_abandoned_jobs(app=None) -> int:
    """Periodic (``core.jobs.recover``): jobs whose worker died mid-job (SIGKILL, a lost
    machine) stay "started" for ever unless somebody looks. rq's own cleanup retries each
    one that has retries left and fails the others; workers run it only every ten
    minutes, this runs it at the redelivery interval. Jobs a worker took off the queue
    and died before starting are queued again (``requeue_stranded_jobs``). Returns how
    many were abandoned."""
    from rq.registry import StartedJobRegistry

    registry = StartedJobRegistry(queue=queue(app))
    abandoned = len(registry.get_expired_job_ids())
    if abandoned:
        log.warning("recovering %s abandoned job(s)", abandoned)
        registry.cleanup()
    requeue_stranded_jobs(app)
    promote_overdue_retries(app)
    return abandoned


# A live worker moves the job it took into the started registry within milliseconds.
STRANDED_SECONDS = 30


def requeue_stranded_jobs(app=None, after: float = STRANDED_SECONDS) -> int:
    """A worker takes a job by moving it from the queue to rq's intermediate list, then
    registers it as started; killed between the two, it leaves the job in that list,
    which rq's workers look at only at their maintenance (every ten minutes, and a job
    must be seen there twice a minute apart). A job seen in the list on an earlier run
    at least ``after`` seconds ago, not started and still "queued", never ran: it goes
    back to the front of the queue, in one atomic step (``_REQUEUE``), so two runs of
    this at once queue it once. Returns how many were queued again."""
    import time

    q = queue(app)
    connection = q.connection
    intermediate = q.intermediate_queue
    seen_key = f"{intermediate.key}:lms_seen"  # job id -> when this first saw it there
    taken = intermediate.get_job_ids()
    seen = {key.decode(): float(value) for key, value in connection.hgetall(seen_key).items()}
    gone = [job_id for job_id in seen if job_id not in taken]
    if gone:
        connection.hdel(seen_key, *gone)
    if not taken:
        return 0
    started = set(q.started_job_registry.get_job_ids(cleanup=False))
    now = time.time()
    requeue = connection.register_script(_REQUEUE)
    requeued = 0
    for job_id in taken:
        if job_id in started:
            continue
        first = seen.get(job_id)
        if first is None:
            connection.hsetnx(seen_key, job_id, now)  # a live worker may be about to start it
            continue
        if now - first < after:
            continue
        requeued += requeue(keys=[intermediate.key, q.key, q.job_class.key_for(job_id)], args=[job_id])
        connection.hdel(seen_key, job_id)
        connection.delete(intermediate.get_first_seen_key(job_id))
    if requeued:
        log.warning("queued again %s job(s) taken by a worker that died before starting them", requeued)
    return requeued


# KEYS: the intermediate list, the queue, the job's hash; ARGV: the job id. Out of the
# list; back at the queue's front (where workers take from) only if this took it out,
# it is still "queued" (a worker starting it changes that in the same step as it takes
# it out of the list) and not in the queue already (rq's own cleanup may have put it).
_REQUEUE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[3], 'status') ~= 'queued' then return 0 end
if redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[1])
return 1
"""


OVERDUE_SECONDS = 15  # a live worker's scheduler moves due retries within a second or two


def promote_overdue_retries(app=None) -> int:
    """Retries (rq's scheduled jobs) are moved to the queue by the scheduler of one worker,
    the one holding rq's scheduler lock; when that worker dies the others take the lock
    only at their next maintenance, minutes later. Retries overdue by more than
    ``OVERDUE_SECONDS`` are queued here instead, as rq's scheduler would."""
    import time

    from rq.registry import ScheduledJobRegistry

    q = queue(app)
    registry = ScheduledJobRegistry(queue=q)
    job_ids = registry.get_jobs_to_schedule(time.time() - OVERDUE_SECONDS)
    if not job_ids:
        return 0
    log.warning("queueing %s overdue retried job(s)", len(job_ids))
    jobs = q.job_class.fetch_many(job_ids, connection=q.connection)
    with q.connection.pipeline() as pipeline:
        for job_id, job in zip(job_ids, jobs):
            if job is not None:
                q._enqueue_job(job, pipeline=pipeline, at_front=job.should_enqueue_at_front())
            registry.remove(job_id, pipeline=pipeline)
        pipeline.execute()
    return len(job_ids)
