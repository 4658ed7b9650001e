"""Learning records reach a real LRS (ralph, file-system backend) as xAPI statements:
verbs, actor, scores and ids as sent, kept once on a retry, in order per learner, and
retried later when the LRS is down or hangs."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode adds no test folder to the path
from xapi_fixtures import configure, lrs, ralph  # noqa: E402,F401  (fixtures)
from xapi_ralph import SilentServer, free_port  # noqa: E402

from lms_core import db  # noqa: E402
from lms_core.testing import lms_command  # noqa: E402
from lms_core.models import Event  # noqa: E402

ADL = "http://adlnet.gov/expapi/verbs/"
pytestmark = pytest.mark.lms_config(SCORM_XAPI_RETRY_INTERVALS=(1, 1), SCORM_XAPI_READ_TIMEOUT=2.0)


def _rows(user_id=None):
    from lms_scorm_xapi.xapi.models import Statement

    query = db.select(Statement).order_by(Statement.order_key)
    if user_id is not None:
        query = query.where(Statement.user_id == user_id)
    db.session.expire_all()
    return db.session.execute(query).scalars().all()


def _a_learner_takes_a_course(factory, run_jobs, learner=None, course=None):
    """Enrols, reads the lesson, passes the quiz: the course is completed (and the
    senders' jobs have run: with Redis they wait on rq until a worker takes them)."""
    from lms_core.services.progress import complete_lesson

    course = course or factory.course(title="Chemistry")
    lesson = factory.lesson(course, title="Atoms")
    quiz = factory.quiz(course, title="Atoms quiz")
    learner = learner or factory.user()
    factory.enrol(learner, course)
    complete_lesson(learner, lesson)
    factory.attempt(learner, quiz, correct=True)
    run_jobs()
    return learner, course, lesson, quiz


def test_a_learners_course_reaches_the_lrs_as_statements_in_order(app, factory, lrs, run_jobs):
    from lms_scorm_xapi.xapi.statements import pseudonym, statement_id

    learner, course, lesson, quiz = _a_learner_takes_a_course(factory, run_jobs)

    stored = lrs.statements()
    assert [(s["verb"]["id"], s["object"]["definition"]["type"].rsplit("/", 1)[1]) for s in stored] == [
        (ADL + "registered", "course"),
        (ADL + "completed", "lesson"),
        (ADL + "attempted", "assessment"),
        (ADL + "passed", "assessment"),
        (ADL + "completed", "course"),
    ]
    # the learner is a pseudonymous account on this LMS, never their e-mail or name
    for s in stored:
        assert s["actor"]["account"] == {"homePage": "http://localhost", "name": pseudonym(learner.id)}
        assert "mbox" not in s["actor"]
        assert learner.email not in str(s) and learner.name not in str(s)
    assert len(pseudonym(learner.id)) == 32 and pseudonym(learner.id) != pseudonym(learner.id + 1)
    # objects are the LMS's activities, with the course as parent
    assert stored[1]["object"]["id"] == f"http://localhost/xapi/activities/lesson/{lesson.id}"
    assert stored[1]["object"]["definition"]["name"] == {"en-US": "Atoms"}
    assert stored[1]["context"]["contextActivities"]["parent"][0]["id"].endswith(f"/course/{course.id}")
    # quiz results with the score
    attempted, passed = stored[2], stored[3]
    assert attempted["result"]["score"] == {"raw": 1.0, "min": 0.0, "max": 1.0, "scaled": 1.0}
    assert attempted["result"]["success"] is True and attempted["result"]["completion"] is True
    assert passed["result"]["score"]["scaled"] == 1.0
    # ids derived from the event and the verb, the same the LMS logged as sent
    events = {e.hook: e.id for e in db.session.execute(db.select(Event)).scalars()}
    assert stored[0]["id"] == statement_id(events["on_enrolled"], "registered")
    assert stored[4]["id"] == statement_id(events["on_course_completed"], "completed")
    assert str(uuid.UUID(stored[0]["id"])) == stored[0]["id"]
    rows = _rows(learner.id)
    assert [r.id for r in rows] == [s["id"] for s in stored]
    assert {r.status for r in rows} == {"sent"} and all(r.last_status == 204 for r in rows)
    # and the LRS's API gives them back
    status, body = lrs.get(stored[3]["id"])
    assert status == 200, body
    assert body["id"] == stored[3]["id"] and body["verb"]["id"] == ADL + "passed"


def test_a_failed_quiz_is_attempted_with_its_score_and_no_pass(app, factory, lrs, run_jobs):
    course = factory.course()
    quiz = factory.quiz(
        course,
        questions=[
            {"kind": "single", "text": "One", "choices": [("right", True), ("wrong", False)]},
            {"kind": "single", "text": "Two", "points": 3, "choices": [("right", True), ("wrong", False)]},
        ],
    )
    learner = factory.user()
    factory.enrol(learner, course)
    q1, q2 = quiz.questions
    answers = {
        str(q1.id): next(c.id for c in q1.choices if c.correct),
        str(q2.id): next(c.id for c in q2.choices if not c.correct),
    }
    factory.attempt(learner, quiz, answers=answers)
    run_jobs()
    verbs = [s["verb"]["id"] for s in lrs.statements()]
    assert verbs == [ADL + "registered", ADL + "attempted"]
    result = lrs.statements()[1]["result"]
    assert result["score"] == {"raw": 1.0, "min": 0.0, "max": 4.0, "scaled": 0.25}
    assert result["success"] is False


def test_a_redelivered_event_and_a_resent_statement_are_kept_once(app, factory, lrs, run_jobs):
    from lms_scorm_xapi import plugin
    from lms_scorm_xapi.xapi import jobs
    from lms_core.payloads import CourseInfo, EnrollmentInfo, EventInfo, UserInfo
    from lms_core.models import Course, Enrollment, User

    learner, course, _, _ = _a_learner_takes_a_course(factory, run_jobs)
    before = lrs.statements()
    # the event log delivers on_enrolled again (at least once): no second statement
    event = db.session.execute(db.select(Event).where(Event.hook == "on_enrolled")).scalar_one()
    enrollment = db.session.execute(db.select(Enrollment)).scalar_one()
    plugin.on_enrolled(
        UserInfo.of(db.session.get(User, learner.id)),
        CourseInfo.of(db.session.get(Course, course.id)),
        EnrollmentInfo.of(enrollment),
        EventInfo(event.id, event.hook, event.created_at),
    )
    assert len(_rows()) == 5
    # every statement sent again with its id (a lost answer, a replay): the LRS keeps one
    run_jobs()
    assert jobs.replay(event.created_at - timedelta(seconds=1)) == 5
    assert jobs.send_all() == {"sent": 5, "failed": 0}
    assert lrs.statements() == before
    assert all(r.status == "sent" and r.last_status == 204 for r in _rows())


def test_a_statement_the_lrs_has_differently_is_a_409_and_counts_as_sent(app, factory, lrs, run_jobs):
    from lms_scorm_xapi.xapi import jobs

    learner, *_ = _a_learner_takes_a_course(factory, run_jobs)
    original = lrs.statements()
    configure(lrs.endpoint, actor="mbox")  # the same ids now carry another actor
    jobs.replay(_rows()[0].created_at)
    jobs.send_all()
    rows = _rows()
    assert all(r.status == "sent" and r.last_status == 409 and r.duplicate for r in rows)
    assert lrs.statements() == original  # the LRS did not change what it had


def test_email_addresses_are_sent_when_the_deployment_chooses_them(app, factory, lrs, run_jobs):
    configure(lrs.endpoint, actor="mbox")
    learner = factory.user(email="ada@example.org")
    factory.enrol(learner, factory.course())
    run_jobs()
    (statement,) = lrs.statements()
    assert statement["actor"]["mbox"] == "mailto:ada@example.org"
    assert "account" not in statement["actor"]


@pytest.mark.lms_config(SCORM_XAPI_RETRY_INTERVALS=(3, 3))
def test_the_lrs_down_then_back_gets_everything_in_order_by_the_retry(app, factory, lrs, run_jobs):
    from lms_scorm_xapi.xapi import jobs

    configure(f"http://127.0.0.1:{free_port()}/xAPI/")  # nothing listens there
    learner, *_ = _a_learner_takes_a_course(factory, run_jobs)
    rows = _rows(learner.id)
    assert len(rows) == 5
    # the first failed and waits for its retry; the later ones were not even tried (order)
    assert rows[0].status == "failed" and rows[0].attempts == 1 and "could not be reached" in rows[0].last_error
    assert [r.status for r in rows[1:]] == ["pending"] * 4 and all(r.attempts == 0 for r in rows[1:])
    assert rows[0].next_try_at > rows[0].created_at
    assert lrs.statements() == []

    configure(lrs.endpoint)  # the LRS is back
    other = factory.user()
    factory.enrol(other, factory.course())  # another learner is not held back by the first
    run_jobs()
    assert [s["actor"]["account"]["name"] for s in lrs.statements()] == [_pseudonym(other.id)]
    time.sleep(3.2)
    # the back-off is over: the periodic task sends them, oldest first
    assert jobs.send_due() == 1
    run_jobs()
    mine = [s for s in lrs.statements() if s["actor"]["account"]["name"] == _pseudonym(learner.id)]
    assert [s["id"] for s in mine] == [r.id for r in rows]
    rows = _rows(learner.id)
    assert {r.status for r in rows} == {"sent"}
    assert rows[0].retried == 1 and rows[1].retried == 0


def _pseudonym(user_id):
    from lms_scorm_xapi.xapi.statements import pseudonym

    return pseudonym(user_id)


def test_a_hung_lrs_times_out_and_is_retried(app, factory, lrs, run_jobs):
    from lms_scorm_xapi.xapi import jobs

    with SilentServer() as hung:
        configure(hung.endpoint)
        learner = factory.user()
        started = time.monotonic()
        factory.enrol(learner, factory.course())
        run_jobs()
        took = time.monotonic() - started
    (row,) = _rows(learner.id)
    assert row.status == "failed" and "did not answer within" in row.last_error
    assert took < 10  # the 2 s read timeout, not forever
    configure(lrs.endpoint)
    time.sleep(1.1)
    jobs.send_due()
    run_jobs()
    assert [s["id"] for s in lrs.statements()] == [row.id]


def test_after_the_last_retry_a_statement_is_given_up_and_holds_the_learners_later_ones(app, factory, lrs, run_jobs):
    from lms_scorm_xapi.xapi import jobs

    configure(f"http://127.0.0.1:{free_port()}/xAPI/")
    learner = factory.user()
    course = factory.course()
    factory.enrol(learner, course)
    run_jobs()
    for _ in range(2):  # the two intervals of this test's back-off
        time.sleep(1.1)
        jobs.send_due()
        run_jobs()
    lesson = factory.lesson(course)
    from lms_core.services.progress import complete_lesson

    configure(lrs.endpoint)
    complete_lesson(learner, lesson)
    run_jobs()
    rows = _rows(learner.id)
    assert [r.status for r in rows] == ["given_up", "pending", "pending"]  # the lesson, the course
    assert rows[0].attempts == 3
    assert lrs.statements() == []  # the later one waits behind the given-up one
    assert jobs.retry(statement_ids=[rows[0].id]) == 1  # the admin's "Try again"
    run_jobs()
    assert [s["id"] for s in lrs.statements()] == [r.id for r in rows]


def test_statements_are_kept_without_an_lrs_and_replay_gives_them_to_a_new_one(app, factory, ralph, run_jobs):
    from lms_scorm_xapi.xapi import settings

    ralph.clear()
    assert not settings.enabled()
    learner, *_ = _a_learner_takes_a_course(factory, run_jobs)
    assert {r.status for r in _rows()} == {"skipped"}
    runner = app.test_cli_runner()
    refused = runner.invoke(lms_command, ["scorm-xapi", "replay", "--since", "2000-01-01"])
    assert refused.exit_code != 0 and "no LRS is configured" in refused.output

    configure(ralph.endpoint)
    bad = runner.invoke(lms_command, ["scorm-xapi", "replay", "--since", "last tuesday"])
    assert bad.exit_code == 2 and "is not a date" in bad.output
    later = runner.invoke(lms_command, ["scorm-xapi", "replay", "--since", "2999-01-01"])
    assert later.exit_code == 0 and "0 statements" in later.output and ralph.statements() == []

    result = runner.invoke(lms_command, ["scorm-xapi", "replay", "--since", "2000-01-01"])
    assert result.exit_code == 0, result.output
    assert "5 statements" in result.output and "sent: 5" in result.output
    assert [s["id"] for s in ralph.statements()] == [r.id for r in _rows()]


@pytest.mark.lms_config(SCORM_XAPI_BATCH=2)
def test_several_senders_of_one_learner_send_each_statement_once_in_order(app, factory, lrs, run_jobs):
    """Workers racing for one learner: the learner's slot lets one of them send; after a
    batch (2 here) the sender hands the rest over to a job of its own."""
    import threading

    from lms_scorm_xapi.xapi import jobs
    from lms_scorm_xapi.xapi.models import PENDING, Statement

    configure("")  # recorded, not sent
    learner, *_ = _a_learner_takes_a_course(factory, run_jobs)
    db.session.execute(db.update(Statement).values(status=PENDING))
    db.session.commit()
    configure(lrs.endpoint)

    def sender():
        with app.app_context():
            jobs.send_learner(learner.id)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    jobs.send_learner(learner.id)  # whatever a lost race left
    run_jobs()  # the hand-overs, with Redis
    assert [s["id"] for s in lrs.statements()] == [r.id for r in _rows()]
    assert all(r.attempts == 1 for r in _rows())


def test_with_redis_down_the_event_log_delivers_the_event_again_and_it_is_sent_once(app, factory, lrs, run_jobs):
    """The hook could not enqueue its job (Redis down): it fails, so the event log keeps
    the delivery and tries it again; the statement it had written is found, not doubled."""
    from lms_core.models import EventDelivery

    learner = factory.user()
    course = factory.course()
    url, connection = app.config.get("REDIS_URL"), app.extensions.pop("lms_redis", None)
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    try:
        factory.enrol(learner, course)
    finally:
        app.config["REDIS_URL"] = url
        app.extensions.pop("lms_redis", None)
        if connection is not None:
            app.extensions["lms_redis"] = connection
    (delivery,) = (
        db.session.execute(db.select(EventDelivery).where(EventDelivery.target == "scorm_xapi")).scalars().all()
    )
    assert delivery.delivered_at is None and delivery.attempts == 1 and "Connection" in delivery.last_error
    (row,) = _rows(learner.id)
    assert row.status == "pending" and lrs.statements() == []

    result = app.test_cli_runner().invoke(lms_command, ["events", "replay", "--failed", "--plugin", "scorm_xapi"])
    assert result.exit_code == 0, result.output
    run_jobs()
    assert [s["id"] for s in lrs.statements()] == [row.id]
    assert len(_rows(learner.id)) == 1
    db.session.expire_all()
    assert db.session.get(EventDelivery, (delivery.event_id, delivery.target)).delivered_at is not None


@pytest.mark.lms_config(LMS_PLUGINS="scorm_xapi,assignments")
def test_an_assignment_handed_in_and_graded_is_submitted_then_scored(app, factory, lrs, run_jobs):
    from datetime import datetime, timezone

    from lms_assignments import authoring, grading, submissions

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Essays")
    student = factory.user()
    factory.enrol(student, course)
    assignment = authoring.create_assignment(
        teacher,
        course,
        {
            "title": "Essay on atoms",
            "description": "Write.",
            "due_at": datetime.now(timezone.utc) + timedelta(days=7),
            "max_points": 10,
        },
    )
    submission = submissions.save(student, assignment, text="My answer", submit=True)
    grading.grade_submission(teacher, submission, score=7)
    grading.release(submission)
    run_jobs()
    about_it = [s for s in lrs.statements() if s["object"]["id"].endswith(f"/assignment/{assignment.id}")]
    assert [s["verb"]["id"] for s in about_it] == ["http://activitystrea.ms/schema/1.0/submit", ADL + "scored"]
    assert about_it[0]["object"]["definition"]["name"] == {"en-US": "Essay on atoms"}
    scored = about_it[1]["result"]
    assert scored["score"] == {"raw": 7.0, "min": 0.0, "max": 10.0, "scaled": 0.7}
    assert scored["success"] is (7 >= assignment.pass_points)
    assert about_it[1]["context"]["contextActivities"]["parent"][0]["id"].endswith(f"/course/{course.id}")
