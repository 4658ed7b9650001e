"""Jobs run inline without Redis and on rq with it; failures are kept for the admin."""

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
