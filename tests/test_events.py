"""The durable event log: an event is written with its change, delivered at least once
to each plugin, in order per user, retried with back-off, given up visibly, replayed on
demand, and pruned after its retention."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DBAPIError

from lms_core import NotificationChannel, events, hookimpl
from lms_core.cli import main
from lms_core.delivery import prune, redeliver_due, waiting_by_plugin
from lms_core.event_codec import PayloadError, decode, encode
from lms_core.extensions import db
from lms_core.models import Event, EventDelivery, Notification, User, utcnow
from lms_core.payloads import CourseInfo, EventInfo, NotificationInfo, UserInfo
from lms_core.services import enrolment, platform
from lms_core.services.notifications import notify
from tests.plugin_helpers import register_plugin

pytestmark = pytest.mark.lms_config(LMS_PLUGINS="")
LATER = timedelta(seconds=31)  # past LMS_EVENT_DISPATCH_GRACE: untried deliveries are due


def deliveries(target=None):
    query = db.select(EventDelivery).order_by(EventDelivery.event_id)
    if target:
        query = query.where(EventDelivery.target == target)
    db.session.expire_all()
    return db.session.execute(query).scalars().all()


def flaky(fail_times: int, received: list, hook="on_enrolled"):
    """A plugin whose handler raises the first ``fail_times`` calls."""
    calls = {"n": 0}

    def handler(user, course, enrollment, event):
        calls["n"] += 1
        if calls["n"] <= fail_times:
            raise ConnectionError("the roster service is down")
        received.append((user, course, enrollment, event))

    handler.__name__ = hook
    return hookimpl(handler)


def dead_redis_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


def insert_behind_the_orms_back(user_id: int, title: str) -> None:
    """A write the ORM does not know of (nothing new or dirty in the session)."""
    db.session.execute(
        db.text(
            "INSERT INTO notifications (user_id, kind, title, body, params, created_at)"
            " VALUES (:u, 'test', :t, '', '{}', :at)"
        ),
        {"u": user_id, "t": title, "at": utcnow()},
    )


def fail_a_statement_and_go_on() -> None:
    """A plugin that goes on after a failed statement, without rolling back (on
    PostgreSQL its transaction is aborted)."""
    try:
        db.session.execute(db.text("SELECT no_such_column FROM users"))
    except DBAPIError:
        pass


def test_an_event_is_written_with_its_change_and_marked_delivered(app, factory):
    received = []

    @hookimpl
    def on_enrolled(user, course, enrollment, event):
        received.append(event)

    register_plugin(app, "roster", on_enrolled)
    student, course = factory.user(), factory.course()

    enrollment = enrolment.enroll(student, course)

    [event] = received
    assert isinstance(event, EventInfo) and event.name == "on_enrolled"
    row = db.session.get(Event, event.id)
    assert row.hook == "on_enrolled" and row.user_key == str(student.id)
    assert decode(row.payload)["enrollment"].id == enrollment.id
    [delivery] = deliveries("roster")
    assert delivery.event_id == event.id and delivery.delivered_at is not None and delivery.attempts == 1


def test_work_that_is_rolled_back_leaves_no_event(app, factory):
    received = []
    register_plugin(app, "roster", flaky(0, received))
    student, course = factory.user(), factory.course()

    def database_goes_away(session, flush_context):
        # the commit's own flush, after the event rows were written: the commit fails
        raise ConnectionError("the database went away")

    events.emit("on_enrolled", user=UserInfo.of(student), course=CourseInfo.of(course), enrollment=None)
    db.session.add(Notification(user_id=student.id, kind="test", title="part of the same change"))
    sa_event.listen(db.session, "after_flush", database_goes_away)
    try:
        with pytest.raises(ConnectionError):
            events.commit()
    finally:
        sa_event.remove(db.session, "after_flush", database_goes_away)
    db.session.rollback()
    events.commit()  # the next commit must not carry the lost event

    assert db.session.execute(db.select(Event).where(Event.hook == "on_enrolled")).first() is None
    assert received == []


@pytest.mark.parametrize("how", ["orm", "text", "session-connection", "emitted-event"])
def test_what_a_handler_leaves_uncommitted_is_never_committed_with_the_delivered_marks(app, factory, how):
    """The delivered marks are written after the handlers: a handler's uncommitted change,
    by any route, is rolled back, never committed with them (and on PostgreSQL the
    rollback is a real one even though reads end with COMMIT, lms_core.connections)."""
    calls = []

    @hookimpl
    def on_enrolled(user, course, enrollment, event):
        calls.append(event)
        if len(calls) > 1:
            return
        if how == "orm":
            db.session.add(Notification(user_id=user.id, kind="test", title="left uncommitted"))
        elif how == "text":
            insert_behind_the_orms_back(user.id, "left uncommitted")
        elif how == "session-connection":
            db.session.connection().execute(
                db.insert(Notification.__table__).values(
                    user_id=user.id, kind="test", title="left uncommitted", body="", params={}, created_at=utcnow()
                )
            )
        else:
            events.emit("on_enrolled", user=user, course=course, enrollment=None)

    register_plugin(app, "roster", on_enrolled)
    student, course = factory.user(), factory.course()
    enrolment.enroll(student, course)

    db.session.rollback()
    assert db.session.execute(db.select(Notification.id).where(Notification.title == "left uncommitted")).all() == []
    assert db.session.execute(db.select(Event.hook).where(Event.hook == "on_enrolled")).scalars().all() == [
        "on_enrolled"
    ]
    [delivery] = deliveries("roster")
    assert delivery.delivered_at is not None and len(calls) == 1


@pytest.mark.parametrize("how", ["text", "caught-error", "caught-flush-error"])
def test_what_one_handler_leaves_uncommitted_never_reaches_the_next_handlers_commit(app, factory, how):
    order = []

    @hookimpl
    def on_enrolled(user, course, enrollment, event):  # "careless": called first (pluggy: last registered)
        order.append("careless")
        if how == "text":
            insert_behind_the_orms_back(user.id, "left uncommitted")
        elif how == "caught-error":
            fail_a_statement_and_go_on()
        else:  # the ORM rolls back and leaves the transaction inactive, nothing new or dirty
            db.session.add(User(email=student.email, name="Twin", password_hash="x"))
            try:
                db.session.flush()
            except DBAPIError:
                pass

    def committing(user, course, enrollment, event):
        order.append("committing")
        db.session.add(Notification(user_id=user.id, kind="test", title="committed"))
        db.session.commit()

    committing.__name__ = "on_enrolled"
    register_plugin(app, "committing", hookimpl(committing))
    register_plugin(app, "careless", on_enrolled)
    student, course = factory.user(), factory.course()
    enrolment.enroll(student, course)

    assert order == ["careless", "committing"]
    db.session.rollback()
    titles = db.session.execute(db.select(Notification.title).where(Notification.kind == "test")).scalars().all()
    assert titles == ["committed"]
    assert {d.target: d.delivered_at is not None for d in deliveries() if d.target in order} == {
        "careless": True,
        "committing": True,
    }


def test_a_handler_that_caught_a_database_error_still_gets_its_event_marked(app, factory):
    """On PostgreSQL an error leaves the transaction aborted: the marks must not be written
    in it (they would fail, and the request with them)."""

    @hookimpl
    def on_enrolled(user, course, enrollment, event):
        fail_a_statement_and_go_on()

    register_plugin(app, "roster", on_enrolled)
    student, course = factory.user(), factory.course()
    enrolment.enroll(student, course)

    [delivery] = deliveries("roster")
    assert delivery.delivered_at is not None and delivery.last_error is None


def test_a_plugin_that_raised_gets_the_same_event_again_with_back_off_until_it_succeeds(app, factory):
    received = []
    register_plugin(app, "roster", flaky(2, received))
    student, course = factory.user(), factory.course()
    enrolment.enroll(student, course)
    [first] = deliveries("roster")
    assert (first.attempts, first.delivered_at, first.given_up) == (1, None, False)
    assert "the roster service is down" in first.last_error
    failed_at = first.next_try_at - timedelta(seconds=10)  # first pause: LMS_EVENT_RETRY_INTERVALS[0]

    assert redeliver_due(now=failed_at + timedelta(seconds=5))["delivered"] == 0  # not due yet
    assert redeliver_due(now=failed_at + timedelta(seconds=11))["failed"] == 1  # second failure
    assert deliveries("roster")[0].attempts == 2
    assert redeliver_due(now=failed_at + timedelta(seconds=40))["delivered"] == 0  # the next pause is 60 s
    assert redeliver_due(now=failed_at + timedelta(seconds=75))["delivered"] == 1

    [(user, course_info, enrollment, event)] = received
    # the snapshots came back from JSON equal, the event id is the one written first
    assert user == UserInfo.of(student) and course_info == CourseInfo.of(course)
    assert event.id == first.event_id
    assert deliveries("roster")[0].delivered_at is not None


def test_a_delivery_never_tried_because_the_process_died_is_delivered_by_the_periodic_task(app, factory):
    received = []
    register_plugin(app, "roster", flaky(0, received))
    student, course = factory.user(), factory.course()

    # the change commits, then the process dies before dispatching: a plain commit
    events.emit("on_enrolled", user=UserInfo.of(student), course=CourseInfo.of(course), enrollment=None)
    db.session.commit()
    db.session.info.clear()
    assert received == [] and deliveries("roster")[0].attempts == 0

    assert redeliver_due()["delivered"] == 0  # within the grace the request may still be dispatching
    assert redeliver_due(now=utcnow() + LATER)["delivered"] == 1
    assert [user.id for user, *_ in received] == [student.id]


def test_a_delivery_is_given_up_after_the_last_try_and_the_admin_tries_again(app, client, factory, login):
    app.config["LMS_EVENT_RETRY_INTERVALS"] = (10,)
    received = []
    register_plugin(app, "roster", flaky(2, received))
    student, course = factory.user(), factory.course()
    enrolment.enroll(student, course)
    assert redeliver_due(now=utcnow() + timedelta(seconds=11))["given_up"] == 1
    assert deliveries("roster")[0].given_up
    assert redeliver_due(now=utcnow() + timedelta(days=1))["delivered"] == 0  # given up: no more tries

    login(client, factory.user(role="admin"))
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "1 given up" in page and "the roster service is down" in page
    assert waiting_by_plugin()["roster"]["given_up"] == 1

    response = client.post("/admin/plugins/roster/events/retry")

    assert response.status_code == 303
    assert len(received) == 1 and deliveries("roster")[0].delivered_at is not None
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "Events delivered to roster: 1; still failing: 0." in page and "given up" not in page


def test_a_plugin_never_gets_a_users_later_event_before_an_earlier_one(app, factory):
    received = []

    @hookimpl
    def on_enrolled(user, course, enrollment, event):
        if course.title == "Poison" and not received_poison_ok:
            raise ValueError("cannot handle this course yet")
        received.append((user.id, course.title))

    received_poison_ok = False
    register_plugin(app, "roster", on_enrolled)
    ann, bob = factory.user(), factory.user()
    poison, later = factory.course(title="Poison"), factory.course(title="Later")

    enrolment.enroll(ann, poison)  # fails for roster
    enrolment.enroll(ann, later)  # must wait behind it
    enrolment.enroll(bob, later)  # another learner is not held up

    assert received == [(bob.id, "Later")]
    assert redeliver_due(now=utcnow() + LATER)["delivered"] == 0  # Ann's first still fails; her second waits
    received_poison_ok = True
    redeliver_due(now=utcnow() + timedelta(minutes=5))
    redeliver_due(now=utcnow() + timedelta(minutes=5))

    assert received == [(bob.id, "Later"), (ann.id, "Poison"), (ann.id, "Later")]


def test_a_hook_that_enqueues_a_job_while_redis_is_down_fails_its_delivery_and_runs_later(app, factory, run_jobs):
    from tests import jobs_fixtures

    @hookimpl
    def on_enrolled(user, course, enrollment, event):
        from lms_core import enqueue

        enqueue(jobs_fixtures.write_note, user.id, f"welcome {event.id}")

    register_plugin(app, "welcome", on_enrolled)
    student, course = factory.user(), factory.course()
    working_redis = app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = dead_redis_url()
    app.extensions.pop("lms_redis", None)
    try:
        enrolment.enroll(student, course)  # the enrolment succeeds all the same
    finally:
        app.config["REDIS_URL"] = working_redis
        app.extensions.pop("lms_redis", None)
    [delivery] = deliveries("welcome")
    assert delivery.delivered_at is None and "ConnectionError" in delivery.last_error
    assert enrolment.find(student.id, course.id).status == "active"

    assert redeliver_due(now=utcnow() + LATER)["delivered"] == 1  # Redis is back
    run_jobs()
    titles = [n.title for n in db.session.execute(db.select(jobs_fixtures.Notification)).scalars()]
    assert titles == [f"welcome {delivery.event_id}"]


class Pager(NotificationChannel):
    name = "pager"
    sent: list = []

    def deliver(self, notification, user):
        Pager.sent.append((notification.title, user.id))


def test_a_notification_channel_delivery_survives_redis_being_down(app, factory, run_jobs):
    Pager.sent = []

    @hookimpl
    def lms_notification_channels():
        return [Pager()]

    register_plugin(app, "pager", lms_notification_channels)
    student = factory.user()
    working_redis = app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = dead_redis_url()
    app.extensions.pop("lms_redis", None)
    try:
        notify(student, "news", "The timetable changed")
    finally:
        app.config["REDIS_URL"] = working_redis
        app.extensions.pop("lms_redis", None)
    run_jobs()
    assert Pager.sent == []
    [delivery] = deliveries("pager/pager")
    assert delivery.delivered_at is None and delivery.attempts == 1

    redeliver_due(now=utcnow() + LATER)
    run_jobs()

    assert Pager.sent == [("The timetable changed", student.id)]


def test_a_disabled_plugin_misses_events_and_what_waited_for_it_comes_when_it_is_enabled(app, factory):
    received = []
    register_plugin(app, "roster", flaky(1, received))
    ann, bob = factory.user(), factory.user()
    course = factory.course()
    enrolment.enroll(ann, course)  # fails: waits for a retry
    platform.set_plugin_enabled("roster", False)
    enrolment.enroll(bob, course)  # while disabled: roster gets no delivery of it
    assert redeliver_due(now=utcnow() + LATER)["delivered"] == 0
    assert [d.user_key for d in deliveries("roster")] == [str(ann.id)]

    platform.set_plugin_enabled("roster", True)
    assert redeliver_due(now=utcnow() + timedelta(seconds=1))["delivered"] == 1

    assert [user.id for user, *_ in received] == [ann.id]


def test_lms_events_replay_delivers_again_and_gives_a_late_plugin_the_past(app, factory):
    received = []
    register_plugin(app, "roster", flaky(0, received))
    student, course = factory.user(), factory.course()
    start = utcnow() - timedelta(seconds=1)
    enrolment.enroll(student, course)
    [delivery] = deliveries("roster")
    runner = app.test_cli_runner()

    again = runner.invoke(main, ["events", "replay", "--event", delivery.event_id])
    assert again.exit_code == 0, again.output
    assert "delivered: 1" in again.output
    assert [e.id for *_, e in received] == [delivery.event_id] * 2  # the same event.id both times

    late = []
    register_plugin(app, "latecomer", flaky(0, late))  # installed after the enrolment
    since = start.strftime("%Y-%m-%d %H:%M:%S")
    result = runner.invoke(main, ["events", "replay", "--plugin", "latecomer", "--since", since])
    assert result.exit_code == 0, result.output
    assert [user.id for user, *_ in late] == [student.id]

    unknown = runner.invoke(main, ["events", "replay", "--event", "01NOSUCHEVENT0000000000000"])
    assert unknown.exit_code != 0 and "no such event" in unknown.output
    assert runner.invoke(main, ["events", "status"]).output == "every event is delivered\n"


def test_events_older_than_the_retention_are_pruned_with_their_deliveries(app, factory):
    register_plugin(app, "roster", flaky(0, []))
    student = factory.user()
    enrolment.enroll(student, factory.course())
    [old] = deliveries("roster")

    assert prune(now=utcnow() + timedelta(days=29)) == 0
    removed = prune(now=utcnow() + timedelta(days=31))

    assert removed >= 1
    assert db.session.get(Event, old.event_id) is None and deliveries("roster") == []


def test_payloads_come_back_from_json_as_the_same_values():
    from lms_assignments.payloads import SubmissionInfo

    when = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    payload = {
        "user": UserInfo(7, "ann@example.org", "Ann", "student", "ru", None),
        "notification": NotificationInfo(3, 7, "news", "Hi", "", None, when, {"days": 2, "tags": ["a"]}),
        "submission": SubmissionInfo(5, 2, 7, 1, "submitted", when, 0, ("essay.pdf",), (), True),
        "amount": Decimal("12.50"),
        "count": 3,
        "ratio": 0.25,
        "label": "x",
        "nothing": None,
    }

    assert decode(encode(payload)) == payload
    assert type(decode(encode(payload))["submission"].file_names) is tuple

    with pytest.raises(PayloadError, match="cannot travel in an event"):
        encode({"user": object()})
