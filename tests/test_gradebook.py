"""The gradebook of a course (issue 11): a teacher sees learners × graded items with the
course total, weighs categories, drops the lowest grade, changes a grade with a reason
(kept in the history), exports CSV and Excel; a learner sees their own grades and what is
missing. A page of it costs the same statements however many learners the course has."""

from __future__ import annotations

import csv
import io
import re

import pytest

from lms_core.extensions import db
from lms_core.models import Attempt, Course, GradebookCategory, GradeOverride, Quiz
from lms_core.services import gradebook as books
from lms_core.testing import count_sql

pytestmark = pytest.mark.lms_config(LMS_PLUGINS="")


def text(response) -> str:
    return response.get_data(as_text=True)


def two_point_quiz(factory, course, title):
    return factory.quiz(
        course,
        title=title,
        questions=[
            {"kind": "single", "text": "One", "points": 1, "choices": [("right", True), ("wrong", False)]},
            {"kind": "single", "text": "Two", "points": 1, "choices": [("right", True), ("wrong", False)]},
        ],
    )


def half_right(quiz):
    first, second = quiz.questions
    right = next(c.id for c in first.choices if c.correct)
    wrong = next(c.id for c in second.choices if not c.correct)
    return {str(first.id): [str(right)], str(second.id): [str(wrong)]}


@pytest.fixture
def course_with_grades(factory):
    teacher = factory.user(role="teacher", name="Tess")
    course = factory.course(teacher=teacher, title="Rocks")
    quizzes = [two_point_quiz(factory, course, f"Quiz {n}") for n in (1, 2, 3)]
    ann = factory.user(name="Ann")
    bob = factory.user(name="Bob")
    for person in (ann, bob):
        factory.enrol(person, course)
    factory.attempt(ann, quizzes[0], correct=True)  # 100 %
    factory.attempt(ann, quizzes[1], answers=half_right(quizzes[1]))  # 50 %
    factory.attempt(ann, quizzes[1], correct=False)  # a worse retake: the best counts
    # quiz 3 missing for Ann; Bob has nothing at all
    return teacher, course, quizzes, ann, bob


def row_of(page: str, user) -> str:
    start = page.index(f'data-user="{user.id}"')
    return page[start : page.index("</tr>", start)]


def test_a_teacher_sees_every_learner_with_their_best_grades_and_the_total(client, login, course_with_grades):
    teacher, course, quizzes, ann, bob = course_with_grades
    login(client, teacher)

    page = text(client.get(f"/teach/courses/{course.id}/gradebook"))

    assert 'aria-current="page">Gradebook' in page
    ann_row = row_of(page, ann)
    cells = re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', ann_row)
    assert cells[:3] == ["2", "1", "–"]  # best of each quiz, the third missing
    assert "50%" in ann_row  # 3 of 6 points: a missing grade counts 0
    assert "Not passed" not in ann_row and "Passed" in ann_row  # the default pass mark is 50 %
    assert "0%" in row_of(page, bob) and "Not passed" in row_of(page, bob)


def test_categories_weigh_the_total_and_drop_the_lowest(client, login, course_with_grades):
    teacher, course, quizzes, ann, _bob = course_with_grades
    login(client, teacher)
    setup = f"/teach/courses/{course.id}/gradebook/setup"
    client.post(setup, data={"action": "category", "name": "Tests", "weight": "75", "drop_lowest": "1"})
    client.post(setup, data={"action": "category", "name": "Homework", "weight": "25", "drop_lowest": "0"})
    tests, homework = db.session.execute(db.select(GradebookCategory).order_by(GradebookCategory.id)).scalars()
    client.post(
        setup,
        data={
            "action": "placements",
            f"item-quiz:{quizzes[0].id}": str(tests.id),
            f"item-quiz:{quizzes[1].id}": str(tests.id),
            f"item-quiz:{quizzes[2].id}": str(homework.id),
        },
    )
    client.post(
        setup, data={"action": "settings", "pass_percent": "80", "other_weight": "0", "letter_scale": "A 90, B 70, F 0"}
    )

    [row] = books.learner_book(course, ann).rows

    # Tests: 100 % and 50 %, the lowest dropped: 100 %. Homework: missing, 0 %.
    assert row.categories[tests.id] == 100 and row.categories[homework.id] == 0
    assert row.total == 75.0  # 0.75 × 100 + 0.25 × 0
    assert row.passed is False and row.letter == "B"
    page = text(client.get(f"/teach/courses/{course.id}/gradebook"))
    assert "75%" in row_of(page, ann) and '<td class="letter">B</td>' in row_of(page, ann)


def test_bad_setup_values_are_shown_at_their_field_and_nothing_is_saved(client, login, course_with_grades):
    teacher, course, *_ = course_with_grades
    login(client, teacher)
    setup = f"/teach/courses/{course.id}/gradebook/setup"

    response = client.post(
        setup, data={"action": "settings", "pass_percent": "120", "other_weight": "1", "letter_scale": "A"}
    )
    page = text(response)
    assert response.status_code == 400
    assert re.search(r'id="pass_percent"[^>]*value="120".*?field-error[^>]*>Enter a number from 0 to 100', page, re.S)
    response = client.post(setup, data={"action": "category", "name": "", "weight": "x"})
    assert response.status_code == 400 and "Give the category a name" in text(response)
    client.post(setup, data={"action": "category", "name": "Tests", "weight": "1"})
    response = client.post(setup, data={"action": "category", "name": "tests", "weight": "1"})
    assert response.status_code == 400 and "already has a category with this name" in text(response)
    response = client.post(
        setup, data={"action": "settings", "pass_percent": "50", "other_weight": "1", "letter_scale": "A high"}
    )
    assert response.status_code == 400 and "lowest percentage" in text(response)
    assert books.settings_of(course).letter_scale is None
    assert db.session.execute(db.select(db.func.count(GradebookCategory.id))).scalar_one() == 1
    assert client.post(setup, data={"action": "delete-category", "category_id": "999"}).status_code == 404


def test_an_override_needs_a_reason_and_is_kept_in_the_history(client, login, factory, course_with_grades):
    teacher, course, quizzes, ann, _bob = course_with_grades
    login(client, teacher)
    url = f"/teach/courses/{course.id}/gradebook/learners/{ann.id}"
    key = f"quiz:{quizzes[2].id}"

    refused = client.post(url, data={"item_key": key, "points": "3", "reason": ""})
    page = text(refused)
    assert refused.status_code == 400
    assert "Enter a number from 0 to 2" in page and "Say why the grade is changed" in page  # both, at their fields
    assert db.session.execute(db.select(db.func.count(GradeOverride.id))).scalar_one() == 0

    assert client.post(url, data={"item_key": key, "points": "1.5", "reason": "Doctor's note"}).status_code == 303
    assert (
        client.post(url, data={"item_key": f"quiz:{quizzes[0].id}", "points": "", "reason": "Typo"}).status_code == 303
    )
    [row] = books.learner_book(course, ann).rows
    assert row.cells[key].points == 1.5 and row.cells[key].overridden and key not in row.missing
    assert row.total == round(100 * 4.5 / 6, 2)
    page = text(client.get(url))
    assert "Doctor&#39;s note" in page and "Tess" in page and "back to the computed grade" in page
    # In the table: the changed grade marked, in its column; the removed override shows the best attempt again.
    cells = re.findall(
        r'<td class="(num[^"]*)"([^>]*)>([^<]*)</td>',
        row_of(text(client.get(f"/teach/courses/{course.id}/gradebook")), ann),
    )
    assert cells[:3] == [
        ("num", "", "2"),
        ("num", "", "1"),
        ("num overridden", ' title="Changed by a teacher"', "1.5*"),
    ]
    assert client.post(url, data={"item_key": "quiz:999", "points": "1", "reason": "x"}).status_code == 404
    # A learner cannot change grades; a learner of another course is not in this book.
    login(client, ann)
    assert client.post(url, data={"item_key": key, "points": "2", "reason": "I deserve it"}).status_code == 403
    login(client, teacher)
    stranger = factory.user()
    assert client.get(f"/teach/courses/{course.id}/gradebook/learners/{stranger.id}").status_code == 404


def test_the_gradebook_exports_to_csv_and_excel(client, login, factory, course_with_grades):
    from openpyxl import load_workbook

    teacher, course, quizzes, ann, bob = course_with_grades
    evil = factory.user(name="=HYPERLINK(1)")
    factory.enrol(evil, course)
    login(client, teacher)

    response = client.get(f"/teach/courses/{course.id}/gradebook.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Name", "E-mail", "Quiz 1 (/2)"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Ann"][2:5] == ["2.0", "1.0", ""] and by_name["Ann"][5] == "50.0"
    assert "'=HYPERLINK(1)" in by_name  # never a formula

    response = client.get(f"/teach/courses/{course.id}/gradebook.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][2] == "Quiz 1 (/2)"
    ann_row = next(v for v in values if v[0] == "Ann")
    assert ann_row[2:6] == [2, 1, None, 50]
    login(client, ann)
    assert client.get(f"/teach/courses/{course.id}/gradebook.csv").status_code == 403


def test_a_learner_sees_their_own_grades_and_what_is_missing(client, login, factory, course_with_grades):
    teacher, course, quizzes, ann, _bob = course_with_grades
    books.override(course, ann.id, f"quiz:{quizzes[1].id}", "2", "Re-marked", teacher)
    login(client, ann)

    course_page = text(client.get(f"/courses/{course.slug}"))
    assert f'href="/grades/{course.id}"' in course_page
    page = text(client.get(f"/grades/{course.id}"))

    assert "Total: 66.7%" in page
    missing = page[page.index('id="missing"') :]
    assert "Quiz 3" in missing[: missing.index("</section>")]
    assert "Changed by your teacher: Re-marked" in page
    assert client.get(f"/grades/{factory.course().id}").status_code == 404  # not enrolled


def test_russian_teachers_read_the_gradebook_in_russian(client, login, factory, course_with_grades):
    teacher, course, *_ = course_with_grades
    teacher.locale = "ru"
    db.session.commit()
    login(client, teacher)
    page = text(client.get(f"/teach/courses/{course.id}/gradebook"))
    assert "Журнал оценок" in page and "Экспорт CSV" in page


def test_a_page_of_the_gradebook_costs_the_same_for_a_big_course(app, client, login, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    course_id = course.id
    quiz_ids = [two_point_quiz(factory, course, f"Quiz {n}").id for n in range(3)]
    login(client, teacher)
    url = f"/teach/courses/{course.id}/gradebook"

    def add_learners(n):
        quizzes = [db.session.get(Quiz, quiz_id) for quiz_id in quiz_ids]
        for _ in range(n):
            learner = factory.user()
            factory.enrol(learner, course)
            for quiz in quizzes:
                factory.attempt(learner, quiz, correct=learner.id % 2 == 0)
            books.override(
                db.session.get(Course, course_id), learner.id, f"quiz:{quiz_ids[0]}", "1", "Checked", teacher
            )

    def statements():
        client.get(url)
        db.session.remove()
        with count_sql(db.engine) as sql:
            assert client.get(url).status_code == 200
        return sql.count

    add_learners(3)
    small = statements()
    add_learners(books.PER_PAGE + 5)  # more than a page
    two_point_quiz(factory, db.session.get(Course, course_id), "One more")
    assert statements() == small
    page_two = text(client.get(url + "?page=2"))
    assert page_two.count('<tr data-user="') == 8  # 58 learners: 50 on page one, 8 here
    assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar_one() == 58 * 3


def test_a_teacher_finds_learners_by_name_or_e_mail_and_the_pages_keep_the_search(
    client, login, factory, course_with_grades
):
    teacher, course, quizzes, ann, bob = course_with_grades
    carla = factory.user(name="Carla 100%_done", email="carla@school.example")
    factory.enrol(carla, course)
    login(client, teacher)
    url = f"/teach/courses/{course.id}/gradebook"

    by_name = text(client.get(url + "?q=ANN"))
    assert 'name="q"' in by_name and 'value="ANN"' in by_name
    assert f'data-user="{ann.id}"' in by_name and f'data-user="{bob.id}"' not in by_name
    assert "1 learner found" in by_name
    by_mail = text(client.get(url + "?q=school.example"))
    assert f'data-user="{carla.id}"' in by_mail and "carla@school.example" in by_mail
    assert f'data-user="{carla.id}"' in text(client.get(url + "?q=100%25_"))  # % and _ are literal
    assert '<tr data-user="' not in text(client.get(url + "?q=1%25%25"))
    nobody = text(client.get(url + "?q=zed"))
    assert 'id="gradebook-no-match"' in nobody and "No learner matches" in nobody
    assert client.get(url + "?q=" + "x" * 5000 + "&show=nonsense&page=-3").status_code == 200


def test_a_teacher_shows_only_the_learners_not_passing_or_with_work_missing(client, login, factory, course_with_grades):
    teacher, course, quizzes, ann, bob = course_with_grades
    cleo = factory.user(name="Cleo")
    factory.enrol(cleo, course)
    for quiz in quizzes:
        factory.attempt(cleo, quiz, correct=True)  # everything, all right
    login(client, teacher)
    url = f"/teach/courses/{course.id}/gradebook"

    def learners(query):
        return sorted(int(n) for n in re.findall(r'<tr data-user="(\d+)"', text(client.get(url + query))))

    assert learners("") == sorted([ann.id, bob.id, cleo.id])
    assert learners("?show=failing") == [bob.id]  # Ann has 50 %: the pass mark
    assert learners("?show=missing") == sorted([ann.id, bob.id])
    assert learners("?show=missing&q=bo") == [bob.id]
    assert learners("?show=failing&q=cleo") == []


def test_a_search_or_filter_page_costs_the_same_statements_for_a_bigger_course(app, client, login, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    course_id = course.id
    quiz = two_point_quiz(factory, course, "Quiz")
    quiz_id = quiz.id
    login(client, teacher)

    def add_learners(n):
        for _ in range(n):
            learner = factory.user(name="Learner")
            factory.enrol(learner, db.session.get(Course, course_id))
            factory.attempt(learner, db.session.get(Quiz, quiz_id), correct=learner.id % 3 == 0)

    def statements(query):
        url = f"/teach/courses/{course_id}/gradebook{query}"
        # Memos that live a few seconds (which plugins are enabled) are refilled now, so
        # none expires between the request that fills the caches and the counted one.
        app.extensions["lms_plugins"].forget_enabled_state()
        client.get(url)
        db.session.remove()
        with count_sql(db.engine) as sql:
            assert client.get(url).status_code == 200
        return sql.count

    add_learners(4)
    small = {q: statements(q) for q in ("?q=learner", "?show=failing", "?show=missing&q=learner")}
    add_learners(12)  # four times as many learners (one chunk of SCAN_CHUNK either way)
    assert {q: statements(q) for q in small} == small
    assert small["?q=learner"] == statements("")
