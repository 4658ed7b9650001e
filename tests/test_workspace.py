"""The teacher's course workspace (issue 11): a tab for every area of a course, the core's
and every enabled plugin's, with breadcrumbs; a teacher previews their own quiz as a
learner would; the admin is told what disabling a plugin changes before it happens."""

from __future__ import annotations

import re

import pytest

from lms_core.extensions import db
from lms_core.models import Attempt, Enrollment

PRODUCT_PLUGINS = "assignments,certificates,gamification,zoom,payments,notifications,analytics"


def text(response) -> str:
    return response.get_data(as_text=True)


def tabs_of(page: str) -> list[str]:
    nav = page[page.index('id="workspace-tabs"') :]
    return re.findall(r'data-tab="([^"]+)"', nav[: nav.index("</nav>")])


@pytest.mark.lms_config(LMS_PLUGINS=PRODUCT_PLUGINS)
def test_a_teacher_reaches_every_area_of_a_course_from_its_workspace(app, client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Rocks")
    login(client, teacher)

    page = text(client.get(f"/teach/courses/{course.id}"))

    assert tabs_of(page) == [
        "content",
        "settings",
        "translations",
        "students",
        "gradebook",
        "assignments",
        "live",
        "announcements",
        "certificates",
        "gamification",
        "prices",
        "analytics",
    ]
    assert re.search(
        r'aria-label="Breadcrumbs"><a href="/teach/">Teaching</a> ›\s*<a href="/teach/courses/\d+">Rocks</a>', page
    )
    # Every tab opens its page for the teacher, and shows the same tabs with its own current.
    nav = page[page.index('id="workspace-tabs"') :]
    links = dict(
        (key, url) for url, key in re.findall(r'<a href="([^"]+)" data-tab="([^"]+)"', nav[: nav.index("</nav>")])
    )
    for key, url in links.items():
        response = client.get(url)
        assert response.status_code == 200, (key, url, response.status_code)
    for key in ("assignments", "gradebook", "settings"):
        tab_page = text(client.get(links[key]))
        assert f'data-tab="{key}" aria-current="page"' in tab_page, key


@pytest.mark.lms_config(LMS_PLUGINS=PRODUCT_PLUGINS)
def test_a_russian_teacher_reads_the_tabs_in_russian(app, client, factory, login):
    teacher = factory.user(role="teacher", locale="ru")
    course = factory.course(teacher=teacher)
    login(client, teacher)
    page = text(client.get(f"/teach/courses/{course.id}"))
    for label in ("Содержание", "Журнал оценок", "Задания и проверка", "Онлайн-занятия", "Цены"):
        assert label in page, label


@pytest.mark.lms_config(LMS_PLUGINS="")
def test_the_settings_tab_saves_the_course_and_shows_errors_at_their_field(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Rocks")
    login(client, teacher)

    page = text(client.get(f"/teach/courses/{course.id}/settings"))
    assert 'id="settings"' in page and 'id="outline"' not in page
    response = client.post(f"/teach/courses/{course.id}/settings", data={"title": "", "default_language": "en"})
    assert response.status_code == 400 and "field-error" in text(response)
    response = client.post(
        f"/teach/courses/{course.id}/settings", data={"title": "Stones", "slug": course.slug, "default_language": "en"}
    )
    assert response.status_code == 303 and response.location.endswith(f"/teach/courses/{course.id}/settings")
    assert "Stones" in text(client.get(f"/teach/courses/{course.id}"))


@pytest.mark.lms_config(LMS_PLUGINS="gamification")
def test_a_teacher_previews_their_quiz_without_an_attempt_points_or_enrolment(app, client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course, title="Minerals")
    login(client, teacher)
    assert client.get(f"/quizzes/{quiz.id}").status_code == 403  # the learner's page stays the learner's

    page = text(client.get(f"/teach/quizzes/{quiz.id}/preview"))
    assert "This is a preview" in page and "Pick the right one" in page
    assert "Enrol" not in page and 'id="submit-quiz"' in page
    question = quiz.questions[0]
    right = next(c.id for c in question.choices if c.correct)
    result = text(client.post(f"/teach/quizzes/{quiz.id}/preview", data={str(question.id): str(right)}))

    assert re.search(r'id="preview-result".*100%.*Passed', result, re.S)
    assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(Enrollment.id))).scalar_one() == 0
    from lms_gamification.models import PointAward

    assert db.session.execute(db.select(db.func.count(PointAward.id))).scalar_one() == 0
    bad = client.post(f"/teach/quizzes/{quiz.id}/preview", data={str(question.id): "99999"})
    assert bad.status_code == 400 and "This answer is not one of the options." in text(bad)
    # Only the course's own teachers (and admins) preview it.
    login(client, factory.user(role="teacher"))
    assert client.get(f"/teach/quizzes/{quiz.id}/preview").status_code == 403


def test_the_preview_draws_every_question_kind_as_the_learner_sees_it(client, factory, login):
    from tests.test_quiz_kinds import NEW_KINDS

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course, questions=[*NEW_KINDS, {"kind": "essay", "text": "Why?", "points": 5}])
    numeric, matching, ordering, essay = quiz.questions
    login(client, teacher)

    page = text(client.get(f"/teach/quizzes/{quiz.id}/preview"))
    assert f'inputmode="decimal" name="{numeric.id}"' in page
    assert page.count(f'<select name="{matching.id}"') == 3 and "Tokyo" in page
    assert f'name="{ordering.id}"' in page and "Put the items in order" in page
    assert f'<textarea name="{essay.id}"' in page
    assert 'type="radio"' not in page and 'type="checkbox"' not in page

    wrong = client.post(f"/teach/quizzes/{quiz.id}/preview", data={str(numeric.id): "pi"})
    assert wrong.status_code == 400 and 'value="pi"' in text(wrong)  # the error at its question, the input kept
    answered = client.post(f"/teach/quizzes/{quiz.id}/preview", data={str(essay.id): "Because."})
    assert answered.status_code == 200 and 'id="preview-result"' in text(answered)  # the essay waits for its teacher


@pytest.mark.lms_config(LMS_PLUGINS="assignments,payments")
def test_disabling_a_plugin_says_what_it_changes_before_it_happens(client, factory, login):
    login(client, factory.user(role="admin"))
    page = text(client.get("/admin/plugins"))

    def question(name):
        form = page[page.index(f'action="/admin/plugins/{name}/disable"') :]
        return form[: form.index(">")]

    assert "completion requirements it adds disappear" in question("assignments")
    assert "Its columns leave the gradebooks" in question("assignments")
    assert "no longer checks enrolments" in question("payments")
    assert 'data-confirm="Disable the plugin payments?' in question("payments")
