"""Microsoft Teams through Graph, against a local HTTPS server answering like Entra ID
(OpenID configuration, client-credentials token) and Graph's onlineMeetings and
attendanceReports."""

from __future__ import annotations

from datetime import timedelta

from lms_core.testing import login


def test_scheduling_creates_an_online_meeting_with_an_application_token(live, graph_server, at):
    course, teacher, _ = live.course()
    start = at(days=1)
    session = live.schedule(course, teacher, start, provider="teams", waiting_room="1", duration="45")
    token = next(r for r in graph_server.server.requests if r.path.endswith("/oauth2/v2.0/token"))
    form = dict(__import__("urllib.parse").parse.parse_qsl(token.body.decode()))
    assert form["grant_type"] == "client_credentials" and form["scope"] == f"{graph_server.url}/.default"
    create = graph_server.server.calls("POST", "/onlineMeetings")[-1]
    assert create.path == "/v1.0/users/organizer%40contoso.example/onlineMeetings"
    assert create.headers["authorization"] == "Bearer graph-token-1"
    body = create.json()
    assert body["subject"] == "Loops and lists"
    assert body["startDateTime"].startswith(start.strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["endDateTime"].startswith((start + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["lobbyBypassSettings"]["scope"] == "organizer"
    assert session.state == "ready" and session.meeting["join_url"].startswith("https://teams.example/")
    live.schedule(course, teacher, at(days=2), provider="teams")
    assert graph_server.tokens == 1  # msal keeps the token


def test_a_wrong_client_secret_is_shown_to_the_teacher(live, graph_server, app, at):
    app.config["ZOOM_TEAMS_CLIENT_SECRET"] = "wrong"
    course, teacher, _ = live.course()
    session = live.schedule(course, teacher, at(days=1), provider="teams")
    assert session.state == "pending" and "invalid_client" in session.last_error
    assert graph_server.meetings == {}


def test_learners_join_through_the_lms_and_attendance_reports_are_read_by_email(
    live, graph_server, client, at, run_jobs
):
    from lms_zoom import attendance, jobs

    course, teacher, (anna, twin) = live.course(learners=2)
    session = live.schedule(course, teacher, at(minutes=5), provider="teams")
    login(client, anna)
    page = client.get(f"/zoom/sessions/{session.id}").get_data(as_text=True)
    link = page.split('class="button zoom-join" href="')[1].split('"')[0]
    assert client.get(link).location == session.meeting["join_url"]
    occurrence = session.occurrences[0]
    start = occurrence.starts_at

    def stamp(minutes):
        return (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.1234567Z")

    graph_server.reports[session.meeting_id] = [
        {
            "id": "c9b6db1c-d5eb-427d-a5c0-20088d9b22d7",
            "totalParticipantCount": 2,
            "meetingStartDateTime": stamp(0),
            "meetingEndDateTime": stamp(60),
            "attendanceRecords": [
                {
                    "id": "rec-anna",
                    "emailAddress": anna.email.upper(),
                    "totalAttendanceInSeconds": 2700,
                    "role": "Attendee",
                    "identity": {"id": "aad-1", "displayName": "Learner 1", "tenantId": None},
                    "attendanceIntervals": [
                        {"joinDateTime": stamp(3), "leaveDateTime": stamp(48), "durationInSeconds": 2700}
                    ],
                },
                {
                    "id": "rec-guest",
                    "emailAddress": None,
                    "totalAttendanceInSeconds": 3600,
                    "role": "Attendee",
                    "identity": {"id": None, "displayName": twin.name, "tenantId": None},
                    "attendanceIntervals": [
                        {"joinDateTime": stamp(0), "leaveDateTime": stamp(60), "durationInSeconds": 3600}
                    ],
                },
            ],
        }
    ]
    assert jobs.repair(now=occurrence.ends_at + timedelta(minutes=6))["reports"] == 1
    run_jobs()
    expand = graph_server.server.calls("GET", "/attendanceReports/")[-1]
    assert expand.query == {"$expand": "attendanceRecords"}
    rows = {r.user.id: r for r in attendance.occurrence_rows(live.fresh(occurrence), [anna, twin])}
    assert rows[anna.id].measured == 45 and rows[twin.id].measured == 0


def test_cancelling_deletes_the_online_meeting(live, graph_server, client, at, run_jobs):
    course, teacher, _ = live.course()
    session = live.schedule(course, teacher, at(days=1), provider="teams")
    login(client, teacher)
    client.post(f"/zoom/sessions/{session.id}/cancel")
    run_jobs()
    assert live.fresh(session).state == "cancelled" and graph_server.meetings == {}
    assert graph_server.server.calls("DELETE")[-1].path.endswith(session.meeting_id)
