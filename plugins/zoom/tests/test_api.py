"""The JSON API: a learner lists a course's lectures and gets a join link signed for
them while a lecture is open; the staff see states and attendance; the document
describes every route."""

from __future__ import annotations

from lms_core.testing import login


def test_a_learner_lists_the_lectures_and_gets_their_own_join_link(live, client, factory, at):
    course, teacher, (anna,) = live.course()
    open_now = live.schedule(course, teacher, at(minutes=5), title="Now")
    live.schedule(course, teacher, at(days=2), title="Later")
    login(client, anna)
    answer = client.get(f"/api/v1/zoom/courses/{course.id}/sessions")
    assert answer.status_code == 200
    by_title = {s["title"]: s for s in answer.json["sessions"]}
    assert "state" not in by_title["Now"]
    now_occurrence = by_title["Now"]["occurrences"][0]
    assert now_occurrence["can_join"] and now_occurrence["join_url"].startswith("http://localhost/zoom/join/")
    assert by_title["Later"]["occurrences"][0]["join_url"] is None
    page = client.get(now_occurrence["join_url"].replace("http://localhost", ""))
    assert page.status_code == 200 and open_now.meeting["room"] in page.get_data(as_text=True)
    assert (
        client.get(f"/api/v1/zoom/occurrences/{open_now.occurrences[0].id}/attendance").json["error"]["code"]
        == "forbidden"
    )
    outsider = factory.app.test_client()
    login(outsider, factory.user())
    assert outsider.get(f"/api/v1/zoom/courses/{course.id}/sessions").status_code == 403
    assert factory.app.test_client().get(f"/api/v1/zoom/courses/{course.id}/sessions").status_code == 401
    assert client.get("/api/v1/zoom/courses/999999/sessions").status_code == 404


def test_the_staff_see_states_and_attendance(live, client, at):
    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(minutes=5))
    login(client, teacher)
    [item] = client.get(f"/api/v1/zoom/courses/{course.id}/sessions").json["sessions"]
    assert item["state"] == "ready" and item["last_error"] is None
    rows = client.get(f"/api/v1/zoom/occurrences/{session.occurrences[0].id}/attendance").json["learners"]
    assert rows == [
        {
            "user_id": anna.id,
            "name": anna.name,
            "joins": 0,
            "first_join": None,
            "last_leave": None,
            "measured_minutes": 0,
            "minutes": 0,
            "percent": 0,
            "correction_reason": None,
        }
    ]


def test_the_openapi_document_describes_the_plugins_routes(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert {"/zoom/courses/{course_id}/sessions", "/zoom/occurrences/{occurrence_id}/attendance"} <= set(
        document["paths"]
    )
