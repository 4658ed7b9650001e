"""The course page keeps a course's outline (its published lessons and quizzes, their
titles in the reader's language, the labels of its completion requirements) between
requests, under the course's content version (issue 8). Every way content is written
raises that version in the same transaction, so a learner never sees a stale outline."""

from __future__ import annotations

import re

import pytest

from lms_core.extensions import db
from lms_core.models import Course, Lesson, Quiz, Translation
from lms_core.services import courses
from lms_core.testing import count_sql


def outline_of(page: str) -> list[str]:
    """The outline's titles on a course page, in order."""
    block = page.split('<ol class="outline">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', block)


def requirements_of(page: str) -> list[str]:
    block = page.split('<ul class="requirements">', 1)[1].split("</ul>", 1)[0]
    return [label.strip() for label in re.findall(r'<a href="[^"]+">([^<]+)</a>', block)]


@pytest.fixture
def course_page(client, factory, login):
    """A student enrolled in a course of two lessons and a quiz, logged in; returns a
    function that asks for the course page."""
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Geology")
    factory.lesson(course, title="Rocks", position=1)
    factory.lesson(course, title="Minerals", position=2)
    factory.quiz(course, title="Rock quiz").position = 3
    db.session.commit()
    student = factory.user()
    factory.enrol(student, course)
    login(client, student)

    def get() -> str:
        response = client.get(f"/courses/{course.slug}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    get.course = course
    return get


def version(course) -> int:
    return db.session.execute(db.select(Course.content_version).where(Course.id == course.id)).scalar_one()


def test_a_second_view_of_the_course_page_reads_no_lesson_or_quiz(app, course_page):
    assert outline_of(course_page()) == ["Rocks", "Minerals", "Rock quiz"]
    with count_sql(db.engine) as sql:
        page = course_page()
    assert outline_of(page) == ["Rocks", "Minerals", "Rock quiz"]
    assert requirements_of(page) == [
        "Read the lesson “Rocks”",
        "Read the lesson “Minerals”",
        "Pass the quiz “Rock quiz”",
    ]
    read = [s for s in sql.statements if re.search(r"\bFROM (lessons|quizzes)\b", s)]
    assert read == [], read


def _rename_lesson(course):
    lesson = course.lessons[0]
    courses.update_lesson(lesson, "Igneous rocks", lesson.body, lesson.position)
    return ["Igneous rocks", "Minerals", "Rock quiz"]


def _revise_lesson(course):
    courses.revise_lesson(course.lessons[1], title="Crystals")
    return ["Rocks", "Crystals", "Rock quiz"]


def _unpublish_lesson(course):
    lesson = course.lessons[0]
    courses.update_lesson(lesson, lesson.title, lesson.body, lesson.position, published=False)
    return ["Minerals", "Rock quiz"]


def _add_lesson(course):
    courses.create_lesson(course, "Fossils", "Old bones.", position=4)
    return ["Rocks", "Minerals", "Rock quiz", "Fossils"]


def _delete_lesson(course):
    courses.delete_lesson(course.lessons[1])
    return ["Rocks", "Rock quiz"]


def _move_quiz_up(course):
    quiz = course.quizzes[0]
    courses.move_in_outline(course, quiz, -1)
    return ["Rocks", "Rock quiz", "Minerals"]


def _rename_quiz(course):
    quiz = course.quizzes[0]
    courses.update_quiz(quiz, "Final test", quiz.description, quiz.pass_percent, quiz.max_attempts, None, quiz.position)
    return ["Rocks", "Minerals", "Final test"]


def _delete_quiz(course):
    courses.delete_quiz(course.quizzes[0])
    return ["Rocks", "Minerals"]


def _bulk_update(course):
    # A statement, not an object: no flush sees it.
    db.session.execute(db.update(Lesson).where(Lesson.course_id == course.id).values(title="Untitled"))
    db.session.commit()
    return ["Untitled", "Untitled", "Rock quiz"]


def _bulk_insert(course):
    db.session.execute(
        Quiz.__table__.insert(),
        [{"course_id": course.id, "position": 9, "title": "Bonus quiz", "description": "", "pass_percent": 50}],
    )
    db.session.commit()
    return ["Rocks", "Minerals", "Rock quiz", "Bonus quiz"]


CHANGES = [
    _rename_lesson,
    _revise_lesson,
    _unpublish_lesson,
    _add_lesson,
    _delete_lesson,
    _move_quiz_up,
    _rename_quiz,
    _delete_quiz,
    _bulk_update,
    _bulk_insert,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_change_of_the_content_is_on_the_next_course_page(app, course_page, change):
    course = course_page.course
    assert outline_of(course_page()) == ["Rocks", "Minerals", "Rock quiz"]  # kept from now on
    before = version(course)

    expected = change(course)

    assert version(course) > before
    page = course_page()
    assert outline_of(page) == expected
    # the requirements: the lessons, then the quizzes
    titles = [re.sub(r"^(Read the lesson|Pass the quiz) “(.*)”$", r"\2", r) for r in requirements_of(page)]
    assert sorted(titles) == sorted(expected)


def test_a_translation_and_the_courses_language_are_on_the_next_course_page(app, client, course_page, factory):
    course = course_page.course
    client.post("/language", data={"language": "ru"})
    assert outline_of(course_page())[0] == "Rocks"  # not translated yet: the course's own text

    courses.set_translation(course, course.lessons[0], "title", "ru", "Горные породы")
    page = course_page()
    assert outline_of(page)[0] == "Горные породы"
    assert requirements_of(page)[0] == "Прочитать урок «Горные породы»"

    courses.set_translation(course, course.lessons[0], "title", "ru", "")  # removed again
    assert outline_of(course_page())[0] == "Rocks"

    factory.translate(course, course.lessons[1], "title", "ru", "Минералы")
    courses.update_course(course, course.title, course.summary, "ru")  # now the course's own language is Russian
    assert outline_of(course_page())[1] == "Minerals"  # the source text, in the course's language


def test_a_translation_deleted_by_a_statement_is_gone_from_the_next_course_page(app, client, course_page, factory):
    course = course_page.course
    factory.translate(course, course.lessons[0], "title", "ru", "Горные породы")
    client.post("/language", data={"language": "ru"})
    assert outline_of(course_page())[0] == "Горные породы"

    db.session.execute(db.delete(Translation).where(Translation.object_type == "lessons"))
    db.session.commit()

    assert outline_of(course_page())[0] == "Rocks"


def test_a_rolled_back_change_leaves_the_kept_outline_as_it_was(app, course_page):
    course = course_page.course
    assert outline_of(course_page())[0] == "Rocks"
    before = version(course)

    course.lessons[0].title = "Never saved"
    db.session.flush()
    assert version(course) == before + 1  # in the transaction
    db.session.rollback()

    assert version(course) == before
    assert outline_of(course_page())[0] == "Rocks"
    # ...and the next real change is seen, although it takes the rolled-back number.
    _rename_lesson(db.session.get(Course, course.id))
    assert version(course) == before + 1
    assert outline_of(course_page())[0] == "Igneous rocks"


def test_a_change_of_another_table_keeps_the_version(app, course_page, factory):
    course = course_page.course
    course_page()
    before = version(course)
    factory.enrol(factory.user(), course)  # an enrolment is not content
    assert version(course) == before


def dashboard_progress(client) -> tuple[str, str]:
    """The dashboard card's "n of m steps done" and its "Continue: ..." step."""
    page = client.get("/dashboard").get_data(as_text=True)
    steps = re.search(r'<p class="progress-numbers">(\d+ of \d+) steps done', page).group(1)
    step = re.search(r'class="button" href="[^"]+">Continue: ([^<]+)</a>', page).group(1)
    return steps, step


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_change_of_the_content_is_on_the_next_dashboard(app, client, course_page, change):
    """The dashboard words many courses' requirements at once and keeps them under the
    same content versions: a change is on its next view, the same as on the course page."""
    assert dashboard_progress(client) == ("0 of 3", "Read the lesson “Rocks”")
    with count_sql(db.engine) as sql:
        assert dashboard_progress(client) == ("0 of 3", "Read the lesson “Rocks”")
    # kept between requests (the "Coming up" quiz deadlines are read live)
    read = [s for s in sql.statements if re.search(r"\bFROM (lessons|quizzes)\b", s) and "due_at >" not in s]
    assert read == [], read

    expected = change(course_page.course)

    steps, step = dashboard_progress(client)
    assert steps == f"0 of {len(expected)}"
    assert step == requirements_of(course_page())[0]  # the course page's first requirement
