"""Jobs run inline without Redis and on rq with it; failures are kept for the admin."""

import signal

import pytest

from lms_core.extensions import db
from lms_core.jobs import enqueue
from lms_core.models import JobFailure, Notification
from tests import jobs_fixtures


def test_a_job_runs_with_the_app_and_its_effect_is_visible(app, factory, run_jobs):
    student = factory.user()
    job = enqueue(jobs_fixtures.write_note, student.id, "from a job")
    if app.config.get("REDIS_URL"):
        assert job is not None and not db.session.execute(db.select(Notification)).first()
        run_jobs()
    else:
        assert job is None  # ran inline already
    titles = db.session.execute(db.select(Notification.title)).scalars().all()
    assert titles == ["from a job"]


def test_a_failing_job_is_recorded_and_never_breaks_the_caller(app, run_jobs):
    enqueue(jobs_fixtures.always_fails, "boom")
    run_jobs()
    failure = db.session.execute(db.select(JobFailure)).scalars().first()
    assert failure is not None
    assert failure.function == "tests.jobs_fixtures.always_fails" and "boom" in failure.message


def test_with_redis_a_failing_job_is_retried_with_back_off(app, run_jobs):
    if not app.config.get("REDIS_URL"):
        pytest.skip("retries need rq (REDIS_URL)")
    from rq.registry import ScheduledJobRegistry

    from lms_core import jobs

    job = enqueue(jobs_fixtures.always_fails, "flaky")
    run_jobs()
    job.refresh()
    assert job.retries_left == len(app.config["LMS_JOB_RETRY_INTERVALS"]) - 1
    assert job.id in ScheduledJobRegistry(queue=jobs.queue(app))  # waiting for its back-off
    failure = db.session.execute(db.select(JobFailure)).scalar_one()
    assert failure.attempt == 1 and failure.final is False


def test_a_job_taken_by_a_worker_that_died_before_starting_it_is_queued_again(app, factory, run_jobs):
    if not app.config.get("REDIS_URL"):
        pytest.skip("needs rq (REDIS_URL)")
    from rq.executions import Execution

    from lms_core import jobs

    student = factory.user()
    run_jobs()  # whatever the sign-up's events queued
    stranded = enqueue(jobs_fixtures.write_note, student.id, "stranded")
    running = enqueue(jobs_fixtures.write_note, student.id, "running")
    q = jobs.queue(app)
    # what a worker does to take a job (rq's BLMOVE), then dies for the first one; the
    # second one it registered as started before dying
    for _ in range(2):
        q.connection.lmove(q.key, q.intermediate_queue.key, "LEFT", "RIGHT")
    assert q.get_job_ids() == [] and q.intermediate_queue.get_job_ids() == [stranded.id, running.id]
    with q.connection.pipeline() as pipeline:
        execution = Execution.create(running, ttl=60, pipeline=pipeline)
        pipeline.execute()

    assert jobs.requeue_stranded_jobs(app, after=0) == 0  # first seen: a live worker may be about to start it
    assert jobs.requeue_stranded_jobs(app, after=3600) == 0  # not long enough ago
    assert jobs.requeue_stranded_jobs(app, after=0) == 1
    assert q.get_job_ids() == [stranded.id]
    assert q.intermediate_queue.get_job_ids() == [running.id]  # the started one is left to rq's own cleanup
    # back in the list while already queued again (rq's own cleanup did it): dropped, not doubled
    q.connection.rpush(q.intermediate_queue.key, stranded.id)
    assert [jobs.requeue_stranded_jobs(app, after=0) for _ in range(3)] == [0, 0, 0]
    assert q.get_job_ids() == [stranded.id] and q.intermediate_queue.get_job_ids() == [running.id]

    q.connection.lrem(q.intermediate_queue.key, 1, running.id)
    with q.connection.pipeline() as pipeline:
        execution.delete(running, pipeline=pipeline)
        pipeline.execute()
    q.remove(running)
    run_jobs()
    titles = db.session.execute(db.select(Notification.title).where(Notification.kind == "test")).scalars().all()
    assert titles == ["stranded"]  # ran once; the one dropped was never queued again


def test_the_in_process_worker_renews_a_running_jobs_heartbeat(app, factory, run_jobs):
    """`lms worker` runs jobs in its own process; a thread renews the job's heartbeat
    meanwhile, so a worker killed mid-job leaves it abandoned within interval + 60 s
    (rq's SimpleWorker alone gives it its whole timeout + 60 s, renewed never)."""
    if not app.config.get("REDIS_URL"):
        pytest.skip("needs rq (REDIS_URL)")
    from lms_core import jobs

    student = factory.user()
    run_jobs()
    enqueue(jobs_fixtures.heartbeat_probe, student.id, 4)
    worker = jobs.worker_class()([jobs.queue(app)], connection=jobs.redis_connection(app), job_monitoring_interval=1)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.work(burst=True, with_scheduler=False)
    finally:
        for number, handler in handlers.items():  # rq's worker installs its own
            signal.signal(number, handler)
    [left] = db.session.execute(db.select(Notification.title).where(Notification.kind == "test")).scalars().all()
    # renewed every second for 1 + 60 s: over 58 s left at 4 s even with a beat late by
    # a second (never renewed: 57 s; rq's SimpleWorker alone: 236 s)
    assert 58 < float(left) <= 61.5, left
