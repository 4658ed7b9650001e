"""The JSON API under /api/v1/gamification: the same rules as the pages, stable error codes."""

import re

import pytest

from lms_core import db
from lms_core.models import ApiToken

from lms_gamification import privacy
from lms_gamification.models import Badge


def token_for(user):
    row, token = ApiToken.issue(user, "tests")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_an_anonymous_caller_is_told_to_log_in(client):
    response = client.get("/api/v1/gamification/me")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_a_student_reads_points_level_badges_and_history_in_their_language(client, factory, pass_quiz):
    course = factory.course()
    factory.lesson(course)
    student = factory.user(locale="ru")
    factory.enrol(student, course)
    pass_quiz(student, factory.quiz(course, title="Planets"))
    headers = token_for(student)

    me = client.get("/api/v1/gamification/me", headers=headers).get_json()
    history = client.get("/api/v1/gamification/me/history", headers=headers).get_json()["items"]

    assert me["points"] == 20 and me["level"]["name"] == "Новичок" and me["hidden"] is False
    assert sorted(b["name"] for b in me["badges"]) == ["Первые шаги", "Перфекционист"]
    assert all(
        b["assertion_url"].startswith("http://localhost/gamification/openbadges/assertions/") for b in me["badges"]
    )
    assert {h["reason"] for h in history} == {
        "Пройден тест «Planets»",
        "Тест «Planets» пройден с первой попытки",
        "Бонус за результат в тесте «Planets» (лучший результат 100 %)",
    }


def test_privacy_takes_a_boolean(client, factory):
    student = factory.user()
    headers = token_for(student)

    bad = client.put("/api/v1/gamification/me/privacy", json={"hidden": "yes"}, headers=headers)
    good = client.put("/api/v1/gamification/me/privacy", json={"hidden": True}, headers=headers)

    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"hidden": "Must be true or false."}
    assert good.get_json() == {"hidden": True} and privacy.is_hidden(student.id)


@pytest.mark.lms_config(WTF_CSRF_ENABLED=True)
def test_a_cookie_client_must_send_the_pages_csrf_token(client, factory, login):
    student = factory.user()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": student.email, "password": "correct horse battery", "csrf_token": csrf})

    refused = client.put("/api/v1/gamification/me/privacy", json={"hidden": True})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert not privacy.is_hidden(student.id)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/dashboard").get_data(as_text=True)).group(1)
    accepted = client.put("/api/v1/gamification/me/privacy", json={"hidden": True}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200 and privacy.is_hidden(student.id)


def test_a_teacher_awards_and_revokes_a_badge_through_the_api_and_a_student_cannot(client, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    student = factory.user()
    factory.enrol(student, course)
    created = client.post(
        f"/api/v1/gamification/courses/{course.id}/badges",
        headers=token_for(teacher),
        json={"name": "Helper", "criterion": "first_quiz_passed"},
    )
    assert created.status_code == 201
    badge_id = created.get_json()["id"]

    assert (
        client.post(
            f"/api/v1/gamification/badges/{badge_id}/awards", headers=token_for(student), json={"user_id": student.id}
        ).status_code
        == 403
    )
    award = client.post(
        f"/api/v1/gamification/badges/{badge_id}/awards",
        headers=token_for(teacher),
        json={"user_id": student.id, "reason": "Kind words"},
    )
    assert award.status_code == 201 and award.get_json()["name"] == "Helper"
    award_id = award.get_json()["id"]
    again = client.post(
        f"/api/v1/gamification/badges/{badge_id}/awards", headers=token_for(teacher), json={"user_id": student.id}
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_held"

    no_reason = client.post(f"/api/v1/gamification/awards/{award_id}/revoke", headers=token_for(teacher), json={})
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["error"]["fields"]
    revoked = client.post(
        f"/api/v1/gamification/awards/{award_id}/revoke", headers=token_for(teacher), json={"reason": "Mistake"}
    )
    assert revoked.get_json()["revoked"] is True and revoked.get_json()["revocation_reason"] == "Mistake"
    twice = client.post(
        f"/api/v1/gamification/awards/{award_id}/revoke", headers=token_for(teacher), json={"reason": "Mistake"}
    )
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_revoked"


def test_a_badge_with_a_bad_criterion_setting_is_refused_and_not_created(client, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)

    response = client.post(
        f"/api/v1/gamification/courses/{course.id}/badges",
        headers=token_for(teacher),
        json={"name": "Streaker", "criterion": "active_streak", "params": {"days": 1}},
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"params.days": "Enter a number from 2 to 3650."}
    assert db.session.execute(db.select(Badge).where(Badge.course_id == course.id)).first() is None


def test_course_rules_through_the_api(client, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)

    changed = client.put(
        f"/api/v1/gamification/courses/{course.id}/rules",
        headers=token_for(teacher),
        json={"quiz_pass": 12, "lesson_completed": None},
    )
    invalid = client.put(
        f"/api/v1/gamification/courses/{course.id}/rules", headers=token_for(teacher), json={"quiz_pass": -1}
    )
    # JSON says "inherit" with null; an empty string is a wrong type, not read as null.
    mistyped = client.put(
        f"/api/v1/gamification/courses/{course.id}/rules",
        headers=token_for(teacher),
        json={"quiz_pass": "", "lesson_completed": "3"},
    )
    student = client.get(f"/api/v1/gamification/courses/{course.id}/rules", headers=token_for(factory.user()))

    assert changed.get_json()["effective"]["quiz_pass"] == 12
    assert changed.get_json()["stored"]["lesson_completed"] is None
    assert invalid.status_code == 400 and invalid.get_json()["error"]["code"] == "invalid"
    assert mistyped.status_code == 400 and set(mistyped.get_json()["error"]["fields"]) == {
        "quiz_pass",
        "lesson_completed",
    }
    assert student.status_code == 403 and student.get_json()["error"]["code"] == "forbidden"


def test_the_criteria_editor_lists_every_kind_with_its_settings(client, factory):
    kinds = client.get("/api/v1/gamification/criteria", headers=token_for(factory.user(role="teacher"))).get_json()
    by_kind = {k["kind"]: k for k in kinds["items"]}
    assert set(by_kind) == {
        "first_quiz_passed",
        "perfect_score",
        "quizzes_passed",
        "course_completed",
        "assignment_early",
        "active_streak",
    }
    assert by_kind["active_streak"]["params"] == [
        {"name": "days", "label": "Days in a row", "default": 7, "minimum": 2, "maximum": 3650}
    ]


def test_every_route_of_the_api_is_described_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("gamification_api."):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)[len("/api/v1") :]
            served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(served) == 13 and served - documented == set()
    references = set(re.findall(r'"#/components/(\w+)/(\w+)"', str(document).replace("'", '"')))
    assert all(name in document["components"][section] for section, name in references)
