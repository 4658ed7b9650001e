"""Zoom, against a local server answering like Zoom's OAuth and Meetings API: the
exact requests the plugin sends, the token kept and refreshed, an outage or refused
credentials leaving the lecture "not created yet" with a retry, registrants giving
each learner their own link, and signed webhooks handled once."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

from lms_core import db
from lms_core.testing import login

SECRET = "hook-secret-token"


def test_scheduling_creates_a_recurring_zoom_meeting_with_the_documented_request(live, zoom_server, at):
    course, teacher, _ = live.course()
    start = at(days=2).replace(hour=9, minute=0)
    session = live.schedule(
        course,
        teacher,
        start,
        provider="zoom",
        timezone="Europe/Moscow",
        repeat="weekly",
        weekdays=[start.weekday()],
        ends="count",
        count=3,
        waiting_room="1",
        passcode="abc123",
    )
    token_call, create = zoom_server.server.requests[:2]
    assert token_call.method == "POST" and token_call.path == "/oauth/token"
    assert token_call.query == {"grant_type": "account_credentials", "account_id": "acct-42"}
    assert create.method == "POST" and create.path == "/v2/users/me/meetings"
    assert create.headers["authorization"] == "Bearer zoom-token-1"
    body = create.json()
    assert body["type"] == 8 and body["timezone"] == "Europe/Moscow" and body["duration"] == 60
    from zoneinfo import ZoneInfo

    assert body["start_time"] == start.astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%dT%H:%M:%S")
    assert body["recurrence"] == {
        "type": 2,
        "repeat_interval": 1,
        "end_times": 3,
        "weekly_days": str((start.weekday() + 1) % 7 + 1),
    }
    assert body["settings"]["waiting_room"] is True and body["settings"]["approval_type"] == 0
    assert body["password"] == "abc123"
    assert session.state == "ready" and session.meeting_id == str(next(iter(zoom_server.meetings)))
    assert [o.provider_occurrence_id for o in session.occurrences] == [
        o["occurrence_id"] for o in zoom_server.meetings[int(session.meeting_id)]["occurrences"]
    ]


def test_the_token_is_kept_until_shortly_before_it_expires(live, zoom_server, at):
    from lms_zoom.models import ProviderToken

    course, teacher, _ = live.course()
    live.schedule(course, teacher, at(days=1), provider="zoom")
    live.schedule(course, teacher, at(days=2), provider="zoom")
    assert len(zoom_server.server.calls("POST", "/oauth/token")) == 1
    row = db.session.get(ProviderToken, "zoom")
    row.expires_at = row.expires_at.replace(year=2000)  # about to expire
    db.session.commit()
    live.schedule(course, teacher, at(days=3), provider="zoom")
    assert len(zoom_server.server.calls("POST", "/oauth/token")) == 2
    assert zoom_server.server.calls("POST", "/meetings")[-1].headers["authorization"] == "Bearer zoom-token-2"


def test_zoom_down_leaves_the_lecture_not_created_with_the_error_and_a_retry(
    live, zoom_server, client, at, notifications, run_jobs
):
    course, teacher, (anna,) = live.course()
    zoom_server.server.down = True
    session = live.schedule(course, teacher, at(days=1), provider="zoom")
    assert session.state == "pending" and session.meeting_id is None
    assert "503" in session.last_error
    assert notifications("zoom.session_scheduled") == []
    login(client, teacher)
    page = client.get(f"/zoom/sessions/{session.id}").get_data(as_text=True)
    assert 'id="not-created"' in page and "503" in page and 'id="retry"' in page
    client.post("/logout")
    login(client, anna)  # learners do not see a lecture without its meeting
    assert "Loops" not in client.get(f"/zoom/courses/{course.id}/").get_data(as_text=True)
    client.post("/logout")

    zoom_server.server.down = False
    login(client, teacher)
    client.post(f"/zoom/sessions/{session.id}/retry")
    run_jobs()
    session = live.fresh(session)
    assert session.state == "ready" and session.last_error is None and len(zoom_server.meetings) == 1
    assert len(notifications("zoom.session_scheduled", anna)) == 1


def test_refused_credentials_are_shown_and_nothing_is_created(live, zoom_server, at):
    course, teacher, _ = live.course()
    zoom_server.refuse = True
    session = live.schedule(course, teacher, at(days=1), provider="zoom")
    assert session.state == "pending" and "invalid_client" in session.last_error
    assert zoom_server.meetings == {}


def test_cancelling_deletes_the_meeting_at_zoom(live, zoom_server, client, at, run_jobs):
    course, teacher, _ = live.course()
    session = live.schedule(course, teacher, at(days=1), provider="zoom")
    login(client, teacher)
    zoom_server.server.down = True  # Zoom is down when the teacher cancels
    client.post(f"/zoom/sessions/{session.id}/cancel")
    run_jobs()
    session = live.fresh(session)
    assert session.state == "cancelling" and session.last_error and len(zoom_server.meetings) == 1
    zoom_server.server.down = False
    client.post(f"/zoom/sessions/{session.id}/retry")
    run_jobs()
    assert live.fresh(session).state == "cancelled" and zoom_server.meetings == {}
    deletes = zoom_server.server.calls("DELETE", f"/v2/meetings/{session.meeting_id}")
    assert deletes[-1].query == {"schedule_for_reminder": "false"}


def test_editing_a_zoom_lecture_patches_the_meeting(live, zoom_server, client, at, run_jobs):
    course, teacher, _ = live.course()
    session = live.schedule(course, teacher, at(days=1), provider="zoom")
    login(client, teacher)
    client.post(
        f"/zoom/sessions/{session.id}/edit", data=live.form(at(days=1), provider="zoom", duration="90", title="Longer")
    )
    run_jobs()
    patch = zoom_server.server.calls("PATCH")[-1]
    assert patch.path == f"/v2/meetings/{session.meeting_id}"
    assert patch.json()["duration"] == 90 and patch.json()["topic"] == "Longer"
    assert live.fresh(session).needs_sync is False


def _join_link(client, session_id):
    page = client.get(f"/zoom/sessions/{session_id}").get_data(as_text=True)
    return page.split('class="button zoom-join" href="')[1].split('"')[0]


def test_each_learner_joins_with_a_personal_registrant_link(live, zoom_server, client, factory, at):
    from lms_zoom.models import Registrant

    course, teacher, (anna, boris) = live.course(learners=2)
    session = live.schedule(course, teacher, at(minutes=5), provider="zoom")
    login(client, anna)
    answer = client.get(_join_link(client, session.id))
    registrant = db.session.execute(db.select(Registrant).where(Registrant.user_id == anna.id)).scalar_one()
    assert answer.status_code == 302 and answer.location == registrant.join_url
    sent = zoom_server.server.calls("POST", "/registrants")[-1].json()
    assert sent["email"] == anna.email and sent["first_name"] == "Learner"
    client.get(_join_link(client, session.id))  # a second join reuses the registration
    assert len(zoom_server.server.calls("POST", "/registrants")) == 1
    other = factory.app.test_client()
    login(other, boris)
    other_answer = other.get(_join_link(other, session.id))
    assert other_answer.location != answer.location and "tk=reg-2" in other_answer.location
    host = factory.app.test_client()
    login(host, teacher)
    assert host.get(_join_link(host, session.id)).location.startswith("https://zoom.example/s/")


def _signed(client, body: dict, timestamp=None, secret=SECRET):
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{raw.decode()}".encode(), hashlib.sha256).hexdigest()
    return client.post(
        "/zoom/webhooks/zoom",
        data=raw,
        content_type="application/json",
        headers={"x-zm-request-timestamp": timestamp, "x-zm-signature": signature},
    )


def test_the_url_validation_challenge_is_answered(client, zoom_server):
    answer = _signed(
        client, {"event": "endpoint.url_validation", "event_ts": 1, "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}
    )
    assert answer.status_code == 200
    assert answer.json == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest(),
    }


def test_bad_signatures_and_stale_timestamps_are_refused(client, zoom_server):
    from lms_zoom.models import WebhookDelivery

    body = {"event": "meeting.ended", "event_ts": 1, "payload": {"object": {"id": "1"}}}
    assert _signed(client, body, secret="wrong").status_code == 401
    assert _signed(client, body, secret="wrong").json["error"]["code"] == "bad_signature"
    stale = _signed(client, body, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401 and stale.json["error"]["code"] == "stale_timestamp"
    assert client.post("/zoom/webhooks/zoom", data=b"{}", content_type="application/json").status_code == 401
    assert db.session.execute(db.select(WebhookDelivery)).first() is None


def _participant(event, session, registrant_id, when, key):
    participant = {
        "user_id": "16778240",
        "user_name": "Learner 1",
        "id": "iFxeBPYun6SAiWUzBcEkX",
        "participant_uuid": "pu-1",
        "registrant_id": registrant_id,
        "email": "x@example.org",
    }
    participant[key] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "event": event,
        "event_ts": int(when.timestamp() * 1000),
        "payload": {
            "account_id": "acct-42",
            "object": {
                "id": session.meeting_id,
                "uuid": "4444AAA==",
                "host_id": "host-1",
                "topic": session.title,
                "type": 2,
                "duration": 60,
                "participant": participant,
            },
        },
    }


def test_participant_webhooks_give_exact_minutes_once_even_when_redelivered(live, zoom_server, client, at, run_jobs):
    from lms_zoom import attendance

    course, teacher, (anna, twin) = live.course(learners=2)
    twin.name = anna.name  # the same display name: attendance must still go to the right person
    db.session.commit()
    session = live.schedule(course, teacher, at(minutes=5), provider="zoom")
    login(client, anna)
    client.get(_join_link(client, session.id))
    registrant_id = zoom_server.meetings[int(session.meeting_id)]["registrants"][0]["registrant_id"]
    start = session.occurrences[0].starts_at
    joined = _participant(
        "meeting.participant_joined", session, registrant_id, start + timedelta(minutes=2), "join_time"
    )
    left = _participant("meeting.participant_left", session, registrant_id, start + timedelta(minutes=47), "leave_time")
    for body in (joined, left, joined, left):  # Zoom redelivers when it is unsure we got it
        assert _signed(client, body).status_code == 200
    run_jobs()
    occurrence = live.fresh(session).occurrences[0]
    rows = {r.user.id: r for r in attendance.occurrence_rows(occurrence, [anna, twin])}
    assert rows[anna.id].measured == 45 and rows[anna.id].joins == 1
    assert rows[twin.id].measured == 0
    assert _signed(client, left).json == {"status": "duplicate"}


def test_a_webhook_stored_while_the_queue_was_down_is_handled_by_the_repair_task(
    live, zoom_server, client, at, run_jobs, monkeypatch
):
    from lms_zoom import attendance, jobs

    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(minutes=5), provider="zoom")
    login(client, anna)
    client.get(_join_link(client, session.id))
    registrant_id = zoom_server.meetings[int(session.meeting_id)]["registrants"][0]["registrant_id"]
    start = session.occurrences[0].starts_at
    joined = _participant("meeting.participant_joined", session, registrant_id, start, "join_time")
    left = _participant("meeting.participant_left", session, registrant_id, start + timedelta(minutes=30), "leave_time")
    monkeypatch.setattr("lms_zoom.webhooks.enqueue", lambda *args, **kwargs: None)  # the queue loses them
    for body in (joined, left):
        assert _signed(client, body).status_code == 200
    monkeypatch.undo()
    run_jobs()
    assert attendance.occurrence_rows(live.fresh(session).occurrences[0], [anna])[0].measured == 0

    assert jobs.repair(now=start + timedelta(hours=2))["webhooks"] == 2
    run_jobs()

    assert attendance.occurrence_rows(live.fresh(session).occurrences[0], [anna])[0].measured == 30


def test_a_recording_reported_by_zoom_is_shown_to_learners_and_can_be_removed(
    live, zoom_server, client, factory, at, run_jobs
):
    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(minutes=5), provider="zoom")
    start = session.occurrences[0].starts_at
    body = {
        "event": "recording.completed",
        "event_ts": 1700000000000,
        "payload": {
            "account_id": "acct-42",
            "object": {
                "id": int(session.meeting_id),
                "uuid": "rec-uuid==",
                "host_id": "host-1",
                "topic": session.title,
                "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "duration": 58,
                "share_url": "https://zoom.example/rec/share/abc",
                "recording_files": [
                    {
                        "id": "f1",
                        "file_type": "MP4",
                        "recording_type": "shared_screen_with_speaker_view",
                        "recording_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "recording_end": (start + timedelta(minutes=58)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "play_url": "https://zoom.example/rec/play/abc",
                        "status": "completed",
                    }
                ],
            },
        },
    }
    assert _signed(client, body).status_code == 200
    run_jobs()
    login(client, anna)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "zoom-recordings" in page and "58" in page
    stranger = factory.user()
    outsider = factory.app.test_client()
    login(outsider, stranger)
    assert "zoom-recordings" not in outsider.get(f"/courses/{course.slug}").get_data(as_text=True)
    teacher_client = factory.app.test_client()
    login(teacher_client, teacher)
    from lms_zoom.models import Recording

    recording = db.session.execute(db.select(Recording)).scalar_one()
    assert outsider.get(f"/zoom/recordings/{recording.id}").status_code == 404
    assert client.get(f"/zoom/recordings/{recording.id}").location == "https://zoom.example/rec/share/abc"
    teacher_client.post(f"/zoom/recordings/{recording.id}/remove")
    body["event_ts"] += 1  # a second notice of the same recording does not bring it back
    _signed(client, body)
    run_jobs()
    assert "zoom-recordings" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_a_lecture_cancelled_while_its_meeting_is_being_created_leaves_nothing_at_zoom(
    live, zoom_server, monkeypatch, at
):
    from lms_zoom.models import LiveSession
    from lms_zoom.providers.zoom import ZoomProvider

    real_create = ZoomProvider.create

    def create_while_the_teacher_cancels(self, session):
        created = real_create(self, session)
        with db.engine.begin() as connection:  # the teacher's request, at that very moment
            connection.execute(db.update(LiveSession).where(LiveSession.id == session.id).values(state="cancelling"))
        return created

    monkeypatch.setattr(ZoomProvider, "create", create_while_the_teacher_cancels)
    course, teacher, _ = live.course()
    session = live.schedule(course, teacher, at(days=1), provider="zoom")
    assert session.meeting_id is None and zoom_server.meetings == {}
    assert len(zoom_server.server.calls("DELETE", "/v2/meetings/")) == 1
