"""The JSON API: the same flows and the same permissions as the pages, with stable
error codes."""

import io
from datetime import timedelta

from lms_core import db
from lms_core.models import ApiToken, utcnow

from lms_assignments.models import Assignment, Submission, SubmissionFile


def token_for(user) -> dict:
    row, token = ApiToken.issue(user, "tests")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_teacher_creates_a_rubric_assignment_a_student_hands_in_and_gets_the_released_grade(
    client, assignments, stored_files, run_jobs
):
    course, teacher, student = assignments.course_with_student()
    as_teacher, as_student = token_for(teacher), token_for(student)
    due = (utcnow() + timedelta(days=3)).replace(microsecond=0)

    created = client.post(
        "/api/v1/assignments",
        headers=as_teacher,
        json={
            "course_id": course.id,
            "title": "Parser",
            "due_at": due.isoformat(),
            "grading_mode": "rubric",
            "allowed_extensions": ["py"],
            "pass_points": 5,
            "rubric": [
                {"title": "Works", "levels": [{"title": "Yes", "points": 8}, {"title": "No", "points": 0}]},
                {"title": "Tests", "levels": [{"title": "Some", "points": 2}]},
            ],
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["max_points"], body["due_at"], [c["title"] for c in body["rubric"]]) == (
        10.0,
        due.isoformat(),
        ["Works", "Tests"],
    )
    assignment_id = body["id"]

    mine = client.get(f"/api/v1/assignments/{assignment_id}", headers=as_student).get_json()["my"]
    assert (mine["state"], mine["due_at"], mine["attempts_left"]) == ("not_started", due.isoformat(), None)

    handed = client.post(
        f"/api/v1/assignments/{assignment_id}/submissions",
        headers=as_student,
        data={
            "submit": "true",
            "text": "See file",
            "links": "https://example.org/demo",
            "files": [(io.BytesIO(b"def parse(): pass\n"), "parser.py")],
        },
        content_type="multipart/form-data",
    )
    assert handed.status_code == 201, handed.get_json()
    submission = handed.get_json()
    assert submission["status"] == "submitted" and [f["name"] for f in submission["files"]] == ["parser.py"]
    assert submission["links"][0]["state"] == "plain"

    queue = client.get(f"/api/v1/assignments/{assignment_id}/submissions?state=to_grade", headers=as_teacher)
    assert [s["id"] for s in queue.get_json()["submissions"]] == [submission["id"]]

    rubric = body["rubric"]
    graded = client.put(
        f"/api/v1/assignments/submissions/{submission['id']}/grade",
        headers=as_teacher,
        json={
            "levels": {
                str(rubric[0]["id"]): rubric[0]["levels"][0]["id"],
                str(rubric[1]["id"]): rubric[1]["levels"][0]["id"],
            },
            "comment": "Nice",
            "release": True,
        },
    )
    assert graded.status_code == 200 and graded.get_json()["grade"]["points"] == 10.0
    run_jobs()

    seen = client.get(f"/api/v1/assignments/submissions/{submission['id']}", headers=as_student).get_json()
    assert seen["grade"]["points"] == 10.0 and seen["grade"]["rubric"][0]["level"] == "Yes"
    download = client.get(f"/api/v1/assignments/files/{submission['files'][0]['id']}", headers=as_student)
    assert download.status_code == 200 and download.data == b"def parse(): pass\n"


def test_api_errors_carry_stable_codes_and_write_nothing(client, assignments, factory, stored_files):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"], max_file_size=1024)
    as_teacher, as_student = token_for(teacher), token_for(student)

    def error(response):
        return response.status_code, response.get_json()["error"]["code"]

    assert error(client.post("/api/v1/assignments", headers=as_teacher, json={"course_id": course.id})) == (
        400,
        "invalid",
    )
    invalid = client.post(
        "/api/v1/assignments",
        headers=as_teacher,
        json={"course_id": course.id, "title": "X", "due_at": "2031-01-01T10:00:00"},
    ).get_json()["error"]
    assert invalid["fields"] == {"due_at": "Give the time zone of the date and time."}
    assert error(client.post("/api/v1/assignments", headers=as_student, json={"course_id": course.id})) == (
        403,
        "forbidden",
    )
    assert error(
        client.post(
            f"/api/v1/assignments/{assignment.id}/submissions",
            headers=as_student,
            data={"submit": "1", "files": [(io.BytesIO(b"%PDF-" + b"x" * 2000), "big.pdf")]},
            content_type="multipart/form-data",
        )
    ) == (413, "file_too_large")
    assert error(
        client.post(
            f"/api/v1/assignments/{assignment.id}/submissions",
            headers=as_student,
            json={"submit": True, "links": ["mailto:me@example.org"]},
        )
    ) == (400, "invalid_url")
    assert error(client.get("/api/v1/assignments/9999", headers=as_student)) == (404, "not_found")
    assert error(client.get(f"/api/v1/assignments/{assignment.id}")) == (401, "unauthorized")
    assert db.session.execute(db.select(Submission)).first() is None
    assert db.session.execute(db.select(SubmissionFile)).first() is None and stored_files() == []
    assert db.session.execute(db.select(db.func.count(Assignment.id))).scalar_one() == 1


def test_the_api_keeps_students_and_other_teachers_out(client, assignments, factory):
    course, teacher, student = assignments.course_with_student()
    classmate = factory.user()
    factory.enrol(classmate, course)
    outsider_teacher = factory.user(role="teacher")
    assignment = assignments.create(course, teacher)
    submission = assignments.hand_in(student, assignment)

    as_classmate = token_for(classmate)
    assert client.get(f"/api/v1/assignments/submissions/{submission.id}", headers=as_classmate).status_code == 403
    assert client.get(f"/api/v1/assignments/{assignment.id}/submissions", headers=as_classmate).get_json() == {
        "submissions": []
    }
    assert (
        client.put(
            f"/api/v1/assignments/submissions/{submission.id}/grade", headers=as_classmate, json={"points": 10}
        ).status_code
        == 403
    )

    as_outsider = token_for(outsider_teacher)
    assert (
        client.put(
            f"/api/v1/assignments/submissions/{submission.id}/grade", headers=as_outsider, json={"points": 10}
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/assignments/{assignment.id}", headers=as_outsider, json={"title": "Mine now"}
        ).status_code
        == 403
    )
    assert client.get(f"/api/v1/assignments?course={course.id}", headers=as_outsider).status_code == 403
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).title == "Essay" and submission.grade is None


def test_a_teacher_moves_the_deadline_and_grants_an_extension_through_the_api(client, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    as_teacher = token_for(teacher)
    new_due = (assignment.due_at + timedelta(days=1)).replace(microsecond=0)
    moved = client.patch(
        f"/api/v1/assignments/{assignment.id}", headers=as_teacher, json={"due_at": new_due.isoformat()}
    )
    assert moved.status_code == 200 and moved.get_json()["due_at"] == new_due.isoformat()

    extension_due = new_due + timedelta(days=2)
    granted = client.put(
        f"/api/v1/assignments/{assignment.id}/extensions/{student.id}",
        headers=as_teacher,
        json={"due_at": extension_due.isoformat()},
    )
    assert granted.status_code == 200
    mine = client.get(f"/api/v1/assignments/{assignment.id}", headers=token_for(student)).get_json()["my"]
    assert (mine["due_at"], mine["extended"]) == (extension_due.isoformat(), True)
    too_early = client.put(
        f"/api/v1/assignments/{assignment.id}/extensions/{student.id}",
        headers=as_teacher,
        json={"due_at": (new_due - timedelta(hours=1)).isoformat()},
    )
    assert too_early.get_json()["error"]["code"] == "invalid_extension"


def test_every_route_of_the_plugin_api_is_in_the_openapi_document_and_nothing_more(app, client):
    import re

    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/assignments"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1") :])
            served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (path, method) for path, item in document["paths"].items() if path.startswith("/assignments") for method in item
    }
    assert served and served == documented
    assert "assignments_Submission" in document["components"]["schemas"]
    assert {"name": "assignments", "description": document["tags"][-1]["description"]} in document["tags"]


def test_cookie_clients_must_send_the_csrf_header_on_unsafe_calls(app, client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    login(client, student)
    app.config["WTF_CSRF_ENABLED"] = True  # from here on, as in production
    refused = client.post(f"/api/v1/assignments/{assignment.id}/submissions", json={"submit": True, "text": "x"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, "csrf_failed")
    assert db.session.execute(db.select(Submission)).first() is None


def test_numbers_that_are_not_numbers_and_dates_that_are_not_dates_get_a_400_not_a_crash(client, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    submission = assignments.hand_in(student, assignment)
    as_teacher = token_for(teacher)

    for points in ("NaN", "Infinity", "-Infinity"):
        graded = client.put(
            f"/api/v1/assignments/submissions/{submission.id}/grade",
            headers=as_teacher,
            data=f'{{"points": {points}}}',
            content_type="application/json",
        )
        # NaN and Infinity are not JSON: the core refuses the body before the plugin sees it.
        assert graded.status_code == 400 and graded.get_json()["error"]["code"] == "invalid", points
        assert "body" in graded.get_json()["error"]["fields"]
    for due_at in (5, True, [2026]):
        extended = client.put(
            f"/api/v1/assignments/{assignment.id}/extensions/{student.id}", headers=as_teacher, json={"due_at": due_at}
        )
        assert extended.status_code == 400, due_at
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).grade is None
