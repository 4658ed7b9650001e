"""The JSON API under /api/v1, as programs (personal tokens) and pages (session
cookie + CSRF header) use it."""

import re

import pytest
from flask import g

from lms_core.extensions import db
from lms_core.models import ApiToken, Attempt, Course, Enrollment, LessonCompletion
from lms_core.services import courses, notifications

API = "/api/v1"


def token_for(user) -> dict:
    row, token = ApiToken.issue(user, "tests")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error


def page_csrf_token(client, path="/") -> str:
    # The `app` fixture keeps one app context for the whole test, so `g` outlives a
    # request; Flask-WTF caches the page's token there and would hand out a stale one.
    g.pop("csrf_token", None)
    html = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


# ------------------------------------------------------------------ authentication


def test_a_personal_token_from_the_account_page_works_until_it_is_revoked(client, factory, login, app):
    student = factory.user(name="Ada")
    login(client, student)
    page = client.post("/account", data={"action": "token", "token-name": "my script"}).get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)

    program = app.test_client()  # no cookie: the token alone must do
    me = program.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == student.email and me.get_json()["name"] == "Ada"
    assert db.session.execute(db.select(ApiToken)).scalar_one().last_used_at is not None

    token_id = db.session.execute(db.select(ApiToken.id)).scalar_one()
    client.post("/account", data={"action": "revoke", "token_id": token_id})
    revoked = program.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    error_of(revoked, 401, "unauthorized")
    assert "invalid_token" in revoked.headers["WWW-Authenticate"]


def test_unknown_tokens_and_anonymous_callers_get_401_json(client, factory):
    factory.course()
    error_of(client.get(f"{API}/courses", headers={"Authorization": "Bearer lms_made-up"}), 401, "unauthorized")
    anonymous = client.get(f"{API}/courses")
    error_of(anonymous, 401, "unauthorized")
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    error_of(client.post(f"{API}/courses", json={"title": "Sneaky"}), 401, "unauthorized")
    assert db.session.execute(db.select(db.func.count(Course.id))).scalar_one() == 1
    assert client.get(f"{API}/openapi.json").status_code == 200  # the document is public


def test_a_deactivated_users_token_stops_working(client, factory):
    student = factory.user()
    headers = token_for(student)
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    student.active = False
    db.session.commit()
    error_of(client.get(f"{API}/me", headers=headers), 401, "unauthorized")


@pytest.mark.lms_config(WTF_CSRF_ENABLED=True)
def test_cookie_clients_must_send_the_csrf_header_but_token_clients_need_not(client, factory):
    first, second = factory.course(), factory.course()
    student = factory.user()
    login_token = page_csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": student.email, "password": "correct horse battery", "csrf_token": login_token}
    )
    assert response.status_code in (302, 303)

    assert client.get(f"{API}/me").get_json()["id"] == student.id  # reads need no header
    refused = client.post(f"{API}/courses/{first.id}/enrollment")
    error_of(refused, 400, "csrf_failed")
    error_of(client.post(f"{API}/courses/{first.id}/enrollment", headers={"X-CSRFToken": "forged"}), 400, "csrf_failed")
    assert db.session.execute(db.select(Enrollment)).first() is None

    header = {"X-CSRFToken": page_csrf_token(client, "/dashboard")}
    assert client.post(f"{API}/courses/{first.id}/enrollment", headers=header).status_code == 201

    program = client.application.test_client()
    assert program.post(f"{API}/courses/{second.id}/enrollment", headers=token_for(student)).status_code == 201


# ------------------------------------------------------------------ a learner's journey


def test_a_student_enrols_completes_the_lesson_passes_the_quiz_and_the_course_is_completed(client, factory):
    course = factory.course(title="Astronomy")
    lesson = factory.lesson(course, title="Stars", body="# Stars\n\nThey **shine**.")
    quiz = factory.quiz(course, title="Stars quiz", max_attempts=3)
    student = factory.user()
    headers = token_for(student)

    listing = client.get(f"{API}/courses", headers=headers).get_json()["items"]
    assert [c["title"] for c in listing] == ["Astronomy"]
    error_of(client.get(f"{API}/lessons/{lesson.id}", headers=headers), 403, "forbidden")  # not enrolled yet

    enrolled = client.post(f"{API}/courses/{course.id}/enrollment", headers=headers)
    assert enrolled.status_code == 201 and enrolled.get_json()["status"] == "active"
    assert client.get(enrolled.headers["Location"], headers=headers).get_json()["id"] == enrolled.get_json()["id"]

    detail = client.get(f"{API}/courses/{course.id}", headers=headers).get_json()
    assert [(i["type"], i["id"]) for i in detail["outline"]] == [("lesson", lesson.id), ("quiz", quiz.id)]
    assert detail["enrollment"]["status"] == "active" and detail["can_edit"] is False

    shown = client.get(f"{API}/lessons/{lesson.id}", headers=headers).get_json()
    assert shown["body_markdown"] == "# Stars\n\nThey **shine**."
    assert "<h1>Stars</h1>" in shown["body_html"] and "<strong>shine</strong>" in shown["body_html"]
    assert shown["completed"] is False
    done = client.post(f"{API}/lessons/{lesson.id}/complete", headers=headers).get_json()
    assert done["first_time"] is True and done["progress"]["met"] == 1 and done["progress"]["complete"] is False
    again = client.post(f"{API}/lessons/{lesson.id}/complete", headers=headers).get_json()
    assert again["first_time"] is False
    assert db.session.execute(db.select(db.func.count(LessonCompletion.id))).scalar_one() == 1

    started = client.post(f"{API}/quizzes/{quiz.id}/attempts", headers=headers)
    assert started.status_code == 201 and started.get_json()["status"] == "open"
    attempt_id = started.get_json()["id"]
    resumed = client.post(f"{API}/quizzes/{quiz.id}/attempts", headers=headers)
    assert resumed.status_code == 200 and resumed.get_json()["id"] == attempt_id
    assert client.get(f"{API}/quizzes/{quiz.id}", headers=headers).get_json()["open_attempt_id"] == attempt_id

    submitted = client.post(
        f"{API}/attempts/{attempt_id}/submit", headers=headers, json={"answers": factory.answers(quiz)}
    )
    assert submitted.status_code == 200
    result = submitted.get_json()
    assert result["status"] == "submitted" and result["passed"] is True and result["percent"] == 100
    assert result["results"] == {str(q.id): 1.0 for q in quiz.questions}

    progress = client.get(f"{API}/courses/{course.id}/progress", headers=headers).get_json()
    assert progress["complete"] is True and progress["percent"] == 100
    assert progress["enrollment"]["status"] == "completed" and progress["enrollment"]["completed_at"]
    assert [r["met"] for r in progress["requirements"]] == [True, True]
    mine = client.get(f"{API}/me/enrollments", headers=headers).get_json()["items"]
    assert [(e["course"]["id"], e["status"]) for e in mine] == [(course.id, "completed")]
    attempts = client.get(f"{API}/quizzes/{quiz.id}/attempts", headers=headers).get_json()
    assert [a["id"] for a in attempts["items"]] == [attempt_id] and attempts["attempts_left"] == 2


def test_a_learner_changes_name_language_and_time_zone(client, factory):
    student = factory.user(name="Old name")
    headers = token_for(student)
    response = client.patch(
        f"{API}/me", headers=headers, json={"name": "  New name ", "locale": "ru", "timezone": "Europe/Moscow"}
    )
    assert response.status_code == 200
    assert response.get_json() | {"created_at": None} == {
        "id": student.id,
        "email": student.email,
        "name": "New name",
        "role": "student",
        "locale": "ru",
        "timezone": "Europe/Moscow",
        "created_at": None,
    }
    db.session.refresh(student)
    assert (student.name, student.locale, student.timezone) == ("New name", "ru", "Europe/Moscow")


def test_lessons_come_in_the_requested_language_and_fall_back_field_by_field(client, factory):
    course = factory.course(default_language="en")
    lesson = factory.lesson(course, title="Stars", body="Stars *shine*.\n\n<script>alert(1)</script>")
    courses.set_translation(course, lesson, "title", "ru", "Звёзды")
    db.session.commit()
    student = factory.user(locale="ru")
    factory.enrol(student, course)
    headers = token_for(student)

    russian = client.get(f"{API}/lessons/{lesson.id}", headers=headers).get_json()  # the user's language
    assert russian["language"] == "ru" and russian["title"] == "Звёзды"
    assert russian["body_markdown"].startswith("Stars *shine*.")  # no Russian body: the source
    assert "<em>shine</em>" in russian["body_html"] and "<script" not in russian["body_html"]

    english = client.get(f"{API}/lessons/{lesson.id}?lang=en", headers=headers).get_json()
    assert english["language"] == "en" and english["title"] == "Stars"
    outline = client.get(f"{API}/courses/{course.id}?lang=ru", headers=headers).get_json()["outline"]
    assert outline[0]["title"] == "Звёзды"
    error = error_of(client.get(f"{API}/lessons/{lesson.id}?lang=fr", headers=headers), 400, "invalid")
    assert set(error["fields"]) == {"lang"}


# ------------------------------------------------------------------ who sees what


def test_a_student_cannot_see_or_submit_another_students_attempt(client, factory):
    course = factory.course()
    quiz = factory.quiz(course)
    alice, bob = factory.user(name="Alice"), factory.user(name="Bob")
    for student in (alice, bob):
        factory.enrol(student, course)
    alices = client.post(f"{API}/quizzes/{quiz.id}/attempts", headers=token_for(alice)).get_json()
    bob_headers = token_for(bob)

    error_of(client.get(f"{API}/attempts/{alices['id']}", headers=bob_headers), 403, "forbidden")
    error_of(
        client.post(
            f"{API}/attempts/{alices['id']}/submit",
            headers=bob_headers,
            json={"answers": factory.answers(quiz, correct=False)},
        ),
        403,
        "forbidden",
    )
    assert db.session.get(Attempt, alices["id"]).submitted_at is None
    assert client.get(f"{API}/quizzes/{quiz.id}/attempts", headers=bob_headers).get_json()["items"] == []
    error_of(client.get(f"{API}/courses/{course.id}/attempts", headers=bob_headers), 403, "forbidden")
    error_of(
        client.get(f"{API}/courses/{course.id}/progress?user_id={alice.id}", headers=bob_headers), 403, "forbidden"
    )


def test_the_courses_teacher_sees_every_attempt_and_a_learners_progress(client, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course)
    alice, bob = factory.user(name="Alice"), factory.user(name="Bob")
    for student in (alice, bob):
        factory.enrol(student, course)
    factory.attempt(alice, quiz, correct=True)
    factory.attempt(bob, quiz, correct=False)
    headers = token_for(teacher)

    everyone = client.get(f"{API}/courses/{course.id}/attempts", headers=headers).get_json()
    assert everyone["total"] == 2 and {a["user"]["name"] for a in everyone["items"]} == {"Alice", "Bob"}
    only_bob = client.get(f"{API}/courses/{course.id}/attempts?user_id={bob.id}&per_page=1", headers=headers)
    assert [a["passed"] for a in only_bob.get_json()["items"]] == [False]
    bobs_id = only_bob.get_json()["items"][0]["id"]
    assert client.get(f"{API}/attempts/{bobs_id}", headers=headers).status_code == 200
    alices_progress = client.get(f"{API}/courses/{course.id}/progress?user_id={alice.id}", headers=headers)
    assert alices_progress.get_json()["requirements"][0]["met"] is True

    stranger = factory.user(role="teacher")
    error_of(client.get(f"{API}/courses/{course.id}/attempts", headers=token_for(stranger)), 403, "forbidden")


def test_learners_never_receive_the_correct_answers_but_staff_do(client, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(
        course,
        questions=[
            {"kind": "single", "text": "Capital of France?", "choices": [("Paris", True), ("Lyon", False)]},
            {"kind": "multiple", "text": "Primes?", "choices": [("2", True), ("3", True), ("4", False)]},
            {"kind": "text", "text": "Largest planet?", "accepted_answers": ["Jupiter"]},
        ],
    )
    student = factory.user()
    factory.enrol(student, course)
    headers = token_for(student)
    factory.attempt(student, quiz, correct=False)

    raw = client.get(f"{API}/quizzes/{quiz.id}", headers=headers).get_data(as_text=True)
    assert "correct" not in raw and "accepted_answers" not in raw and "Jupiter" not in raw
    attempts_raw = client.get(f"{API}/quizzes/{quiz.id}/attempts", headers=headers).get_data(as_text=True)
    assert "Jupiter" not in attempts_raw and "correct" not in attempts_raw

    staff_view = client.get(f"{API}/quizzes/{quiz.id}", headers=token_for(teacher)).get_json()
    single, multiple, text = staff_view["questions"]
    assert [c["correct"] for c in single["choices"]] == [True, False]
    assert [c["correct"] for c in multiple["choices"]] == [True, True, False]
    assert text["accepted_answers"] == ["Jupiter"]


def test_only_a_courses_own_teacher_may_change_it(client, factory):
    owner, other = factory.user(role="teacher"), factory.user(role="teacher")
    course = factory.course(teacher=owner, title="Chemistry", published=False)

    error_of(
        client.patch(f"{API}/courses/{course.id}", headers=token_for(other), json={"title": "Mine now"}),
        403,
        "forbidden",
    )
    error_of(client.get(f"{API}/courses/{course.id}", headers=token_for(other)), 403, "forbidden")
    student = factory.user()
    error_of(
        client.patch(f"{API}/courses/{course.id}", headers=token_for(student), json={"published": True}),
        403,
        "forbidden",
    )
    error_of(client.post(f"{API}/courses", headers=token_for(student), json={"title": "Mine"}), 403, "forbidden")
    db.session.refresh(course)
    assert (course.title, course.published) == ("Chemistry", False)

    owner_headers = token_for(owner)
    changed = client.patch(
        f"{API}/courses/{course.id}", headers=owner_headers, json={"title": "Organic chemistry", "published": True}
    ).get_json()
    assert changed["title"] == "Organic chemistry" and changed["published"] is True and changed["can_edit"]
    student_list = client.get(f"{API}/courses", headers=token_for(student)).get_json()["items"]
    assert [c["title"] for c in student_list] == ["Organic chemistry"]  # the catalogue cache was refreshed


def test_teachers_create_courses_and_list_their_unpublished_ones(client, factory):
    teacher, other = factory.user(role="teacher"), factory.user(role="teacher")
    factory.course(teacher=other, title="Others' draft", published=False)
    factory.course(teacher=other, title="Published")
    headers = token_for(teacher)

    created = client.post(
        f"{API}/courses",
        headers=headers,
        json={"title": "Biology", "summary": "Cells.", "default_language": "ru", "slug": "bio"},
    )
    assert created.status_code == 201
    body = created.get_json()
    assert (body["slug"], body["published"], body["default_language"], body["outline"]) == ("bio", False, "ru", [])
    assert client.get(created.headers["Location"], headers=headers).get_json()["title"] == "Biology"
    titles = [c["title"] for c in client.get(f"{API}/courses", headers=headers).get_json()["items"]]
    assert titles == ["Biology", "Published"]


def test_the_inbox_lists_and_marks_notifications_read(client, factory):
    student, other = factory.user(), factory.user()
    first = notifications.notify(student, "welcome", "Welcome")
    notifications.notify(student, "grade", "Graded", "You got an A", url="/courses/x")
    strangers = notifications.notify(other, "welcome", "Welcome")
    headers = token_for(student)

    inbox = client.get(f"{API}/notifications", headers=headers).get_json()
    assert [n["title"] for n in inbox["items"]] == ["Graded", "Welcome"] and inbox["unread"] == 2
    marked = client.post(f"{API}/notifications/{first.id}/read", headers=headers).get_json()
    assert marked["notification"]["read"] is True and marked["unread"] == 1
    unread = client.get(f"{API}/notifications?unread=true", headers=headers).get_json()
    assert [n["title"] for n in unread["items"]] == ["Graded"] and unread["total"] == 1
    error_of(client.post(f"{API}/notifications/{strangers.id}/read", headers=headers), 404, "not_found")
    assert notifications.unread_count(other.id) == 1
    assert client.post(f"{API}/notifications/read", headers=headers).get_json() == {"changed": 1, "unread": 0}


# ------------------------------------------------------------------ bad input


def test_malformed_or_mistyped_bodies_get_400_with_field_messages_and_change_nothing(client, factory):
    student = factory.user(name="Kept", locale="en")
    headers = token_for(student)

    malformed = client.patch(f"{API}/me", headers=headers, data='{"name": ', content_type="application/json")
    assert "body" in error_of(malformed, 400, "invalid")["fields"]
    not_object = client.patch(f"{API}/me", headers=headers, json=["name"])
    assert "body" in error_of(not_object, 400, "invalid")["fields"]
    mistyped = client.patch(
        f"{API}/me",
        headers=headers,
        json={"name": "Changed", "locale": "fr", "timezone": "Mars/Olympus_Mons", "role": "admin"},
    )
    fields = error_of(mistyped, 400, "invalid")["fields"]
    assert set(fields) == {"locale", "timezone", "role"}
    error_of(client.patch(f"{API}/me", headers=headers, json={"name": 42}), 400, "invalid")
    db.session.refresh(student)
    assert (student.name, student.locale, student.role) == ("Kept", "en", "student")

    wrong_type = client.patch(
        f"{API}/me", headers=headers, data="name=x", content_type="application/x-www-form-urlencoded"
    )
    error_of(wrong_type, 415, "unsupported_media_type")
    too_big = client.patch(
        f"{API}/me", headers=headers, data=b'{"name": "' + b"x" * (1024 * 1024) + b'"}', content_type="application/json"
    )
    error_of(too_big, 413, "too_large")
    error_of(client.get(f"{API}/notifications?per_page=1000", headers=headers), 400, "invalid")


def test_course_creation_checks_every_field(client, factory):
    teacher = factory.user(role="teacher")
    factory.course(teacher=teacher, slug="taken")
    headers = token_for(teacher)

    fields = error_of(
        client.post(
            f"{API}/courses", headers=headers, json={"title": " ", "default_language": "xx", "slug": "Not a slug!"}
        ),
        400,
        "invalid",
    )["fields"]
    assert set(fields) == {"title", "default_language", "slug"}
    mistyped = error_of(
        client.post(f"{API}/courses", headers=headers, json={"title": ["A list"], "published": "yes", "owner": 1}),
        400,
        "invalid",
    )["fields"]
    assert set(mistyped) == {"title", "published", "owner"}
    missing = error_of(client.post(f"{API}/courses", headers=headers, json={}), 400, "invalid")["fields"]
    assert set(missing) == {"title"}
    error_of(client.post(f"{API}/courses", headers=headers, json={"title": "t" * 201}), 400, "invalid")
    error_of(
        client.post(f"{API}/courses", headers=headers, json={"title": "Again", "slug": "taken"}), 409, "slug_taken"
    )
    assert db.session.execute(db.select(db.func.count(Course.id))).scalar_one() == 1

    course = factory.course(teacher=teacher, title="Mine", slug="mine")
    error_of(
        client.patch(f"{API}/courses/{course.id}", headers=headers, json={"title": "Renamed", "slug": "taken"}),
        409,
        "slug_taken",
    )
    db.session.refresh(course)
    assert (course.title, course.slug) == ("Mine", "mine")


def test_quiz_submissions_are_checked_before_scoring(client, factory):
    course = factory.course()
    quiz = factory.quiz(course, max_attempts=1)
    student = factory.user()
    factory.enrol(student, course)
    headers = token_for(student)
    attempt_id = client.post(f"{API}/quizzes/{quiz.id}/attempts", headers=headers).get_json()["id"]
    question = quiz.questions[0]
    submit = f"{API}/attempts/{attempt_id}/submit"

    assert (
        "answers"
        in error_of(client.post(submit, headers=headers, json={"answers": "all right"}), 400, "invalid")["fields"]
    )
    assert (
        "answers"
        in error_of(client.post(submit, headers=headers, json={"answers": {str(question.id): True}}), 400, "invalid")[
            "fields"
        ]
    )
    assert (
        "answers"
        in error_of(client.post(submit, headers=headers, json={"answers": {"999999": 1}}), 400, "invalid")["fields"]
    )
    assert "answers" in error_of(client.post(submit, headers=headers, json={}), 400, "invalid")["fields"]
    not_an_option = client.post(submit, headers=headers, json={"answers": {str(question.id): 999999}})
    assert str(question.id) in error_of(not_an_option, 400, "invalid_answers")["fields"]
    assert db.session.get(Attempt, attempt_id).submitted_at is None

    assert (
        client.post(submit, headers=headers, json={"answers": factory.answers(quiz, correct=False)}).status_code == 200
    )
    error_of(client.post(submit, headers=headers, json={"answers": factory.answers(quiz)}), 409, "already_submitted")
    error_of(client.post(f"{API}/quizzes/{quiz.id}/attempts", headers=headers), 409, "no_attempts_left")
    assert db.session.get(Attempt, attempt_id).passed is False


def test_missing_objects_and_conflicts_answer_404_and_409(client, factory):
    course = factory.course()
    student = factory.user()
    headers = token_for(student)
    for path in (
        "/courses/999999",
        "/lessons/999999",
        "/quizzes/999999",
        "/attempts/999999",
        "/courses/999999/progress",
        f"/courses/{course.id}/enrollment",
        "/no/such/route",
    ):
        error_of(client.get(API + path, headers=headers), 404, "not_found")
    error_of(client.post(f"{API}/attempts/999999/submit", headers=headers, json={"answers": {}}), 404, "not_found")
    error_of(client.put(f"{API}/me", headers=headers, json={}), 405, "method_not_allowed")

    assert client.post(f"{API}/courses/{course.id}/enrollment", headers=headers).status_code == 201
    error_of(client.post(f"{API}/courses/{course.id}/enrollment", headers=headers), 409, "already_enrolled")
    assert db.session.execute(db.select(db.func.count(Enrollment.id))).scalar_one() == 1


# ------------------------------------------------------------------ the OpenAPI document


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(API) :])


def served_routes(app, core_only: bool) -> dict[tuple[str, str], str]:
    """(path as OpenAPI writes it, method) → the blueprint serving it, under /api/v1."""
    routes = {}
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if rule.rule.startswith(API + "/") and (blueprint == "api" or not core_only):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes[(openapi_path(rule.rule), method.lower())] = blueprint
    return routes


def documented_operations(document) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_route_under_api_v1_is_in_the_openapi_document(client, app):
    """Plugins' API blueprints included: a client reads one document for the whole API."""
    documented = documented_operations(client.get(f"{API}/openapi.json").get_json())
    missing = sorted(
        f"{method.upper()} {path} ({blueprint})"
        for (path, method), blueprint in served_routes(app, core_only=False).items()
        if (path, method) not in documented
    )
    assert not missing, "routes under /api/v1 missing from the OpenAPI document:\n" + "\n".join(missing)


@pytest.mark.lms_config(LMS_PLUGINS="")  # the plugins' parts are checked by their own tests
def test_the_openapi_document_describes_the_core_api_completely_and_nothing_else(client, app):
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    served = set(served_routes(app, core_only=True))
    documented = documented_operations(document)
    assert not served - documented, f"routes missing from lms_core/api/openapi.py: {sorted(served - documented)}"
    assert not documented - served, f"documented but not served: {sorted(documented - served)}"

    for path, item in document["paths"].items():
        declared = {p["$ref"].rsplit("/", 1)[1] if "$ref" in p else p["name"] for p in item.get("parameters", [])}
        names = {
            document["components"]["parameters"][d]["name"] if d in document["components"]["parameters"] else d
            for d in declared
        }
        assert set(re.findall(r"{([^}]+)}", path)) <= names, f"{path} does not declare its path parameters"
        for method, op in item.items():
            if method != "parameters":
                assert op["operationId"] and ({"200", "201"} & set(op["responses"])), (path, method)
                if path != "/openapi.json":
                    assert "401" in op["responses"], (path, method)

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for target in set(refs(document)):
        node = document
        for part in target.removeprefix("#/").split("/"):
            assert part in node, f"unresolved $ref {target}"
            node = node[part]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]


def test_the_openapi_document_is_valid_openapi_3_1(client):
    import openapi_spec_validator as validator

    validator.validate(client.get(f"{API}/openapi.json").get_json())


def test_responses_match_the_schemas_the_document_promises(client, factory):
    import jsonschema
    import referencing
    from referencing.jsonschema import DRAFT202012

    document = client.get(f"{API}/openapi.json").get_json()
    registry = referencing.Registry().with_resource("urn:lms-api", DRAFT202012.create_resource(document))

    def check(response, schema: str):
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"urn:lms-api#/components/schemas/{schema}"}, registry=registry
        )
        errors = [e.message for e in validator.iter_errors(response.get_json())]
        assert not errors, (schema, errors)

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    lesson = factory.lesson(course)
    quiz = factory.quiz(
        course,
        questions=[
            {"kind": "multiple", "text": "Primes?", "choices": [("2", True), ("4", False)]},
            {"kind": "text", "text": "Largest planet?", "accepted_answers": ["Jupiter"]},
        ],
    )
    student = factory.user()
    notifications.notify(student, "welcome", "Welcome")
    headers, staff = token_for(student), token_for(teacher)

    check(client.get(f"{API}/me", headers=headers), "User")
    check(client.post(f"{API}/courses/{course.id}/enrollment", headers=headers), "Enrollment")
    check(client.get(f"{API}/courses", headers=headers), "CourseList")
    check(client.get(f"{API}/courses/{course.id}", headers=headers), "Course")
    check(client.get(f"{API}/lessons/{lesson.id}", headers=headers), "Lesson")
    check(client.post(f"{API}/lessons/{lesson.id}/complete", headers=headers), "LessonCompletion")
    check(client.get(f"{API}/quizzes/{quiz.id}", headers=headers), "Quiz")
    check(client.get(f"{API}/quizzes/{quiz.id}", headers=staff), "Quiz")
    started = client.post(f"{API}/quizzes/{quiz.id}/attempts", headers=headers)
    check(started, "Attempt")
    check(
        client.post(
            f"{API}/attempts/{started.get_json()['id']}/submit",
            headers=headers,
            json={"answers": factory.answers(quiz)},
        ),
        "Attempt",
    )
    check(client.get(f"{API}/quizzes/{quiz.id}/attempts", headers=headers), "OwnAttempts")
    check(client.get(f"{API}/courses/{course.id}/attempts", headers=staff), "AttemptPage")
    check(client.get(f"{API}/courses/{course.id}/progress", headers=headers), "Progress")
    check(client.get(f"{API}/me/enrollments", headers=headers), "EnrollmentList")
    check(client.get(f"{API}/notifications", headers=headers), "NotificationPage")
    check(client.post(f"{API}/notifications/read", headers=headers), "NotificationsRead")
    check(client.patch(f"{API}/me", headers=headers, json={"locale": None}), "User")
    check(client.post(f"{API}/courses", headers=staff, json={"title": "New"}), "Course")
    check(client.get(f"{API}/courses/999999", headers=headers), "Error")
    check(client.patch(f"{API}/me", headers=headers, json={"name": 1}), "Error")


# ------------------------------------------------------------------ cost


def test_course_lists_details_and_attempts_cost_the_same_statements_for_one_and_for_four(client, factory):
    """No query per course, quiz or attempt: the list (translations, the caller's staff
    rights), a course's detail (what the caller finished) and the staff's attempts (each
    learner, quiz, question and choice)."""
    from lms_core.testing import count_sql

    teacher = factory.user(role="teacher")
    headers = token_for(teacher)
    taught = factory.course(teacher=teacher, title="Taught 0")
    course_id = taught.id
    factory.course(title="Other 0")

    def cost(path: str):
        client.get(path, headers=headers)
        db.session.remove()  # a fresh session, as each request has in production
        with count_sql(db.engine) as sql:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return sql.count, response.get_json()

    paths = [f"{API}/courses?lang=ru", f"{API}/courses/{course_id}", f"{API}/courses/{course_id}/attempts?lang=ru"]
    taught = db.session.get(Course, course_id)
    quiz = factory.quiz(taught, title="Quiz 0")
    factory.attempt(factory.user(), quiz)
    before = [cost(path)[0] for path in paths]

    taught = db.session.get(Course, course_id)
    teacher = db.session.get(type(teacher), teacher.id)
    for n in range(1, 4):
        mine = factory.course(teacher=teacher, title=f"Taught {n}")
        factory.translate(mine, mine, "title", "ru", f"Преподаю {n}")
        factory.course(title=f"Other {n}")
        quiz = factory.quiz(db.session.get(Course, course_id), title=f"Quiz {n}")
        factory.attempt(factory.user(), quiz)
    after = [cost(path) for path in paths]
    assert [count for count, _body in after] == before

    listed = {item["title"]: item["can_edit"] for item in after[0][1]["items"]}
    assert listed["Преподаю 3"] is True and listed["Other 3"] is False and listed["Taught 0"] is True
    assert len(after[1][1]["outline"]) == 4 and after[2][1]["total"] == 4
    assert {a["user"]["name"] for a in after[2][1]["items"]} and all(
        a["course_id"] == course_id for a in after[2][1]["items"]
    )
