"""BigBlueButton, against a local server that checks every call's checksum as
BigBlueButton does: the secret checked at scheduling, the meeting created when people
join (teacher as moderator, learners as viewers, each with their LMS user id), the
analytics callback giving attendance by account, and recordings from getRecordings."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import jwt

from lms_core.testing import login


def _join_link(client, session_id):
    page = client.get(f"/zoom/sessions/{session_id}").get_data(as_text=True)
    return page.split('class="button zoom-join" href="')[1].split('"')[0]


def test_a_wrong_secret_leaves_the_lecture_not_created(live, bbb_server, app, at):
    app.config["ZOOM_BBB_SECRET"] = "not-the-secret"
    course, teacher, _ = live.course()
    session = live.schedule(course, teacher, at(days=1), provider="bigbluebutton")
    assert session.state == "pending" and "checksumError" in session.last_error
    app.config["ZOOM_BBB_SECRET"] = bbb_server.SECRET
    from lms_zoom import jobs

    jobs.repair(now=at(minutes=5))  # the periodic repair tries again
    live.run_jobs()
    assert live.fresh(session).state == "ready"


def test_joining_creates_the_meeting_and_signs_a_join_url_with_the_lms_user_id(live, bbb_server, client, factory, at):
    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(minutes=5), provider="bigbluebutton", waiting_room="1")
    assert bbb_server.server.requests[0].path.endswith("/getMeetings")
    login(client, anna)
    answer = client.get(_join_link(client, session.id))
    assert answer.status_code == 302
    create = bbb_server.server.calls("GET", "/create")[-1]
    assert create.query["meetingID"] == f"{session.meeting['prefix']}-1"
    assert create.query["guestPolicy"] == "ASK_MODERATOR" and create.query["record"] == "true"
    assert create.query["meta_analytics-callback-url"].startswith("http://localhost/zoom/webhooks/bbb/")
    target = urlsplit(answer.location)
    assert target.geturl().startswith(bbb_server.url + "/join?")
    query = dict(parse_qsl(target.query))
    assert query["userID"] == str(anna.id) and query["role"] == "VIEWER" and query["fullName"] == anna.name
    # The URL is signed with the secret: the server accepts it.
    import urllib.request

    with urllib.request.urlopen(answer.location, timeout=5) as reply:
        assert b"checksumError" not in reply.read()
    host = factory.app.test_client()
    login(host, teacher)
    host_query = dict(parse_qsl(urlsplit(host.get(_join_link(host, session.id)).location).query))
    assert host_query["role"] == "MODERATOR" and host_query["userID"] == str(teacher.id)


def _analytics(session, occurrence, attendees):
    return {
        "version": "1.0",
        "meeting_id": f"{session.meeting['prefix']}-1",
        "internal_meeting_id": "internal-1",
        "data": {
            "metadata": {"bbb_origin": "lms"},
            "duration": 3600,
            "start": occurrence.starts_at.isoformat(),
            "finish": (occurrence.ends_at).isoformat(),
            "attendees": attendees,
            "files": ["default.pdf"],
        },
    }


def test_the_analytics_callback_gives_attendance_by_account_not_by_name(live, bbb_server, client, at, run_jobs):
    from lms_zoom import attendance, webhooks

    course, teacher, (anna, twin) = live.course(learners=2)
    session = live.schedule(course, teacher, at(minutes=5), provider="bigbluebutton")
    occurrence = session.occurrences[0]
    start = occurrence.starts_at
    attendees = [
        {
            "ext_user_id": str(anna.id),
            "name": "Learner",
            "moderator": False,
            "joins": [(start + timedelta(minutes=1)).isoformat(), (start + timedelta(minutes=30)).isoformat()],
            "leaves": [(start + timedelta(minutes=21)).isoformat(), (start + timedelta(minutes=50)).isoformat()],
            "duration": 2400,
            "recent_talking_time": "",
            "engagement": {"chats": 1, "talks": 0},
        },
        {
            "ext_user_id": "w_guest",
            "name": twin.name,
            "moderator": False,
            "joins": [start.isoformat()],
            "leaves": [(start + timedelta(minutes=60)).isoformat()],
            "duration": 3600,
        },
    ]
    body = json.dumps(_analytics(session, occurrence, attendees)).encode()
    url = webhooks.bbb_callbacks(occurrence)["analytics"].replace("http://localhost", "")
    good = jwt.encode({"exp": int(time.time()) + 3600}, bbb_server.SECRET, algorithm="HS512")
    bad = jwt.encode({"exp": int(time.time()) + 3600}, "guess" * 13, algorithm="HS512")
    assert client.post(url, data=body, headers={"Authorization": f"Bearer {bad}"}).status_code == 401
    assert (
        client.post(url.replace("/bbb/", "/bbb/x"), data=body, headers={"Authorization": f"Bearer {good}"}).status_code
        == 401
    )
    for _ in range(2):
        assert (
            client.post(
                url, data=body, content_type="application/json", headers={"Authorization": f"Bearer {good}"}
            ).status_code
            == 200
        )
    run_jobs()
    rows = {r.user.id: r for r in attendance.occurrence_rows(live.fresh(occurrence), [anna, twin])}
    assert rows[anna.id].measured == 40 and rows[anna.id].joins == 2
    assert rows[twin.id].measured == 0  # a guest with the same name is not the learner


def test_recordings_come_from_get_recordings_after_the_meeting(live, bbb_server, client, at, run_jobs):
    from lms_zoom import jobs

    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(minutes=5), provider="bigbluebutton")
    occurrence = session.occurrences[0]
    bbb_server.recordings[f"{session.meeting['prefix']}-1"] = [
        {
            "id": "rec-183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1701424800000",
            "start": 1701424800000,
            "url": "https://bbb.example/playback/presentation/2.3/rec-1",
            "minutes": 47,
        }
    ]
    assert jobs.repair(now=occurrence.ends_at + timedelta(minutes=10))["reports"] == 1
    run_jobs()
    assert bbb_server.server.calls("GET", "/getRecordings")[-1].query["meetingID"] == f"{session.meeting['prefix']}-1"
    login(client, anna)
    page = client.get(f"/zoom/courses/{course.id}/").get_data(as_text=True)
    assert "zoom-recordings" in page and "47 min" in page
    # Read once: the next repair leaves the occurrence alone.
    assert jobs.repair(now=occurrence.ends_at + timedelta(minutes=20))["reports"] == 0


def test_cancelling_ends_a_running_meeting(live, bbb_server, client, at, run_jobs):
    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(minutes=5), provider="bigbluebutton")
    login(client, anna)
    client.get(_join_link(client, session.id))
    assert bbb_server.running
    client.post("/logout")
    login(client, teacher)
    client.post(f"/zoom/sessions/{session.id}/cancel")
    run_jobs()
    assert live.fresh(session).state == "cancelled" and bbb_server.running == {}
