"""Safety: CSRF, password storage, login rate limit, sanitised lesson Markdown."""

import pytest
from werkzeug.security import generate_password_hash

from lms_core.config import Config
from lms_core.extensions import db
from lms_core.models import User
from lms_core.services.markdown import render
from lms_core.testing import PASSWORD


@pytest.mark.lms_config(WTF_CSRF_ENABLED=True)
def test_forms_without_the_csrf_token_are_refused(client, factory):
    student = factory.user()
    response = client.post("/login", data={"email": student.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302  # not logged in


@pytest.mark.lms_config(WTF_CSRF_ENABLED=True)
def test_forms_with_the_csrf_token_work(client, factory):
    import re

    student = factory.user()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": student.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.lms_config(WTF_CSRF_ENABLED=True, LMS_PLUGINS="payments,zoom,notifications")
def test_only_the_views_that_take_posts_from_outside_skip_the_csrf_check(client):
    """Webhooks and the one-click unsubscribe are exempt (csrf_exempt); they answer by
    their own checks (a bad signature or token), never with the form-expired page."""
    for path in (
        "/payments/webhooks/stripe",
        "/zoom/webhooks/zoom",
        "/notifications/telegram/webhook",
        "/notifications/unsubscribe/not-a-token",
    ):
        response = client.post(path, data="{}", content_type="application/json")
        assert "The form expired" not in response.get_data(as_text=True), path
        assert response.status_code < 500, path
    # The same plugins' own forms still need the token.
    response = client.post("/notifications/preferences", data={})
    assert response.status_code == 400 and "The form expired" in response.get_data(as_text=True)


def test_passwords_are_stored_as_salted_hashes(factory):
    one, two = factory.user(), factory.user()
    hashes = db.session.execute(db.select(User.password_hash).where(User.id.in_([one.id, two.id]))).scalars().all()
    assert all(PASSWORD not in h and h.startswith(("scrypt:", "pbkdf2:")) for h in hashes)
    assert hashes[0] != hashes[1]


@pytest.mark.lms_config(LMS_PASSWORD_HASH_METHOD=Config.LMS_PASSWORD_HASH_METHOD)
def test_a_deployment_hashes_new_passwords_with_scrypt_and_still_checks_older_methods(factory, client):
    """The fixtures hash with a fast method; a deployment, by default, with scrypt. A
    password stored by another method keeps working."""
    assert Config.LMS_PASSWORD_HASH_METHOD == "scrypt"
    user = factory.user()
    assert user.password_hash.startswith("scrypt:")
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "/login" not in response.location


def test_login_is_rate_limited_per_account_even_with_the_right_password(client, factory, app):
    student = factory.user()
    limit = app.config["LMS_THROTTLE_FREE_ATTEMPTS"]  # then each failure makes it wait longer
    for _ in range(limit):
        assert client.post("/login", data={"email": student.email, "password": "wrong-guess"}).status_code == 401
    response = client.post("/login", data={"email": student.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_a_successful_login_is_not_limited_by_a_few_typos(client, factory):
    student = factory.user()
    client.post("/login", data={"email": student.email, "password": "typo"})
    assert client.post("/login", data={"email": student.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg onload=alert(1)>",
    ],
)
def test_lesson_markdown_cannot_run_script(attack):
    html = str(render(attack)).lower()
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "<iframe" not in html and "onload" not in html


def test_lesson_markdown_keeps_images_code_and_tables():
    html = str(render("![alt](/static/img/variable.svg)\n\n```python\nx = 1 < 2\n```\n\n| a |\n|---|\n| b |\n"))
    assert '<img alt="alt" src="/static/img/variable.svg"' in html or 'src="/static/img/variable.svg"' in html
    assert "<pre><code" in html and "x = 1 &lt; 2" in html and "<table>" in html


def test_an_open_redirect_after_login_is_refused(client, factory):
    student = factory.user()
    response = client.post("/login?next=//evil.example/x", data={"email": student.email, "password": PASSWORD})
    assert response.location == "/dashboard"


@pytest.mark.parametrize("target", ["/\\evil.example", "/%5Cevil.example", "/\tevil", "https://evil.example/"])
def test_a_redirect_to_another_site_is_refused_in_every_spelling(client, factory, target):
    from urllib.parse import unquote

    student = factory.user()
    response = client.post(
        "/login", query_string={"next": unquote(target)}, data={"email": student.email, "password": PASSWORD}
    )
    assert response.location == "/dashboard"


def test_a_student_removed_from_a_course_cannot_submit_an_open_attempt(client, factory, login):
    from lms_core.models import Enrollment
    from lms_core.services import quizzes

    course = factory.course()
    quiz = factory.quiz(course)
    student = factory.user()
    factory.enrol(student, course)
    attempt = quizzes.start_attempt(student, quiz)
    db.session.execute(db.delete(Enrollment).where(Enrollment.user_id == student.id))
    db.session.commit()
    login(client, student)
    answers = {k: str(v) for k, v in factory.answers(quiz).items()}
    assert client.post(f"/attempts/{attempt.id}/submit", data=answers).status_code == 403
    response = client.post(f"/api/v1/attempts/{attempt.id}/submit", json={"answers": factory.answers(quiz)})
    assert response.status_code == 403
    db.session.refresh(attempt)
    assert attempt.submitted_at is None
