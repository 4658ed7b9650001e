"""The hello plugin, tested the way its users meet it: through the LMS's pages.

The fixtures (``app``, ``client``, ``factory``, ``login``) come from ``lms_core.testing``,
which pytest loads by itself once the LMS is installed.
"""

import pytest

from lms_core import db
from lms_core.models import Attempt, Notification
from lms_hello.models import Greeting

pytestmark = pytest.mark.lms_config(LMS_PLUGINS="hello")


def pass_quiz(client, factory, quiz, correct=True):
    client.post(f"/quizzes/{quiz.id}/start")
    attempt_id = db.session.execute(
        db.select(Attempt.id).where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_(None))
    ).scalar_one()
    answers = factory.answers(quiz, correct)
    return client.post(f"/attempts/{attempt_id}/submit", data={k: str(v) for k, v in answers.items()})


def test_a_student_who_passes_a_quiz_is_greeted_once(client, factory, login):
    course = factory.course()
    quiz = factory.quiz(course, title="Planets")
    student = factory.user(name="Ann")
    factory.enrol(student, course)
    login(client, student)

    pass_quiz(client, factory, quiz)
    pass_quiz(client, factory, quiz)  # a retake is not greeted again

    inbox = client.get("/inbox").get_data(as_text=True)
    assert inbox.count("Well done, Ann!") == 1
    assert "You passed “Planets”." in inbox
    page = client.get("/hello/")
    assert page.status_code == 200
    assert "You passed “Planets”." in page.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Greeting.id))).scalar_one() == 1


def test_a_failed_attempt_is_not_greeted(client, factory, login):
    course = factory.course()
    quiz = factory.quiz(course)
    student = factory.user()
    factory.enrol(student, course)
    login(client, student)

    pass_quiz(client, factory, quiz, correct=False)

    assert db.session.execute(db.select(Greeting)).first() is None
    assert db.session.execute(db.select(Notification).where(Notification.kind == "hello.greeting")).first() is None
    assert "Pass a quiz and a greeting will wait for you here." in client.get("/hello/").get_data(as_text=True)


def test_a_russian_speaking_student_is_greeted_in_russian(client, factory, login):
    course = factory.course()
    quiz = factory.quiz(course, title="Планеты")
    student = factory.user(name="Аня", locale="ru")
    factory.enrol(student, course)
    login(client, student)

    pass_quiz(client, factory, quiz)

    notification = db.session.execute(db.select(Notification).where(Notification.kind == "hello.greeting")).scalar_one()
    assert notification.title == "Отлично, Аня!"
    assert notification.body == "Вы сдали тест «Планеты»."
    page = client.get("/hello/").get_data(as_text=True)
    assert "<h1>Поздравления</h1>" in page


def test_the_menu_links_to_the_greetings_of_a_logged_in_user_only(client, factory, login):
    assert 'href="/hello/"' not in client.get("/").get_data(as_text=True)
    response = client.get("/hello/")
    assert response.status_code == 302 and "/login" in response.location

    login(client, factory.user())
    assert 'href="/hello/"' in client.get("/").get_data(as_text=True)
