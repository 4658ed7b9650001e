"""A teacher's authoring pages: courses, lessons, quizzes, translations, students."""

import re

import pytest

from lms_core.testing import session_for
from lms_core.extensions import db
from lms_core.models import Attempt, Choice, Course, CourseStaff, Lesson, Question, Quiz, Translation
from lms_core.services import courses


def path_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.location.replace("http://localhost", "")


def count(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_a_teacher_builds_and_publishes_a_course_that_a_student_finds_and_passes(client, factory, login):
    teacher = factory.user(role="teacher", name="Tess Teacher")
    login(client, teacher)
    assert "New course" in page(client, "/teach/")

    editor = path_of(
        client.post(
            "/teach/courses",
            data={
                "title": "Astronomy for beginners",
                "slug": "",
                "summary": "Stars and planets.",
                "default_language": "en",
            },
        )
    )
    course = db.session.execute(db.select(Course)).scalar_one()
    assert editor == f"/teach/courses/{course.id}"
    assert course.slug == "astronomy-for-beginners" and not course.published
    assert [s.user_id for s in course.staff] == [teacher.id]

    lesson_page = path_of(
        client.post(
            f"{editor}/lessons/new",
            data={"title": "The night sky", "body": "# Stars\r\n\r\nLook **up**.", "published": "y"},
        )
    )
    lesson = db.session.execute(db.select(Lesson)).scalar_one()
    assert lesson.body == "# Stars\n\nLook **up**." and lesson.position == 1
    assert f'href="/lessons/{lesson.id}"' in page(client, lesson_page)  # the preview on the learner's page
    assert "<h1>Stars</h1>" in page(client, f"/lessons/{lesson.id}")

    quiz_page = path_of(
        client.post(
            f"{editor}/quizzes/new",
            data={
                "title": "Check yourself",
                "description": "Three questions.",
                "pass_percent": "70",
                "max_attempts": "2",
                "time_limit_minutes": "",
                "published": "y",
            },
        )
    )
    quiz = db.session.execute(db.select(Quiz)).scalar_one()
    assert (quiz.pass_percent, quiz.max_attempts, quiz.time_limit_minutes, quiz.position) == (70, 2, None, 2)

    path_of(
        client.post(
            f"{quiz_page}/questions/new",
            data={
                "kind": "single",
                "text": "Which is a star?",
                "points": "1",
                "choices-0-text": "The Sun",
                "choices-0-correct": "y",
                "choices-1-text": "The Moon",
                "choices-2-text": "",
            },
        )
    )
    path_of(
        client.post(
            f"{quiz_page}/questions/new",
            data={
                "kind": "multiple",
                "text": "Which are planets?",
                "points": "2",
                "choices-0-text": "Mars",
                "choices-0-correct": "y",
                "choices-1-text": "Venus",
                "choices-1-correct": "y",
                "choices-2-text": "Sirius",
            },
        )
    )
    path_of(
        client.post(
            f"{quiz_page}/questions/new",
            data={
                "kind": "text",
                "text": "Name our galaxy.",
                "points": "1",
                "accepted_answers": "Milky Way\r\nthe Milky Way\r\n",
                "choices-0-text": "left over from another type",
            },
        )
    )
    single, multiple, text = db.session.execute(db.select(Question).order_by(Question.position)).scalars()
    assert [(c.text, c.correct) for c in single.choices] == [("The Sun", True), ("The Moon", False)]
    assert [(c.text, c.correct) for c in multiple.choices] == [("Mars", True), ("Venus", True), ("Sirius", False)]
    assert text.accepted_answers == ["Milky Way", "the Milky Way"] and text.choices == []
    quiz_html = page(client, quiz_page)
    assert "Which are planets?" in quiz_html and "Total: 4 points" in quiz_html

    outline = page(client, editor)
    assert outline.index("The night sky") < outline.index("Check yourself")

    student = factory.user()
    login(client, student)
    assert "Astronomy for beginners" not in page(client, "/")  # still a draft
    login(client, teacher)
    path_of(client.post(f"{editor}/publish", data={"published": "1"}))
    assert db.session.get(Course, course.id).published

    login(client, student)
    assert "Astronomy for beginners" in page(client, "/")
    path_of(client.post(f"/courses/{course.slug}/enrol"))
    path_of(client.post(f"/quizzes/{quiz.id}/start"))
    attempt = db.session.execute(db.select(Attempt)).scalar_one()
    answers = {
        str(single.id): str(single.choices[0].id),
        str(multiple.id): [str(multiple.choices[0].id), str(multiple.choices[1].id)],
        str(text.id): "  milky   WAY ",
    }
    result = page(client, path_of(client.post(f"/attempts/{attempt.id}/submit", data=answers)))
    assert 'id="quiz-passed"' in result
    assert db.session.get(Attempt, attempt.id).score == 4


def test_editing_a_question_keeps_its_options_and_their_translations(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(
        course,
        questions=[
            {
                "kind": "single",
                "text": "Capital of France?",
                "choices": [("Paris", True), ("Lyon", False), ("Nice", False)],
            }
        ],
    )
    question = quiz.questions[0]
    paris, lyon, nice = question.choices
    paris_id, nice_id = paris.id, nice.id
    courses.set_translation(course, paris, "text", "ru", "Париж")
    courses.set_translation(course, lyon, "text", "ru", "Лион")
    db.session.commit()
    login(client, teacher)

    editor = page(client, f"/teach/questions/{question.id}")
    assert 'value="Lyon"' in editor and f'name="choices-0-id" type="hidden" value="{paris.id}"' in editor

    # Lyon is removed, Nice edited, Marseille added
    path_of(
        client.post(
            f"/teach/questions/{question.id}",
            data={
                "kind": "single",
                "text": "Capital of France?",
                "points": "3",
                "choices-0-id": str(paris.id),
                "choices-0-text": "Paris",
                "choices-0-correct": "y",
                "choices-1-id": str(lyon.id),
                "choices-1-text": "",
                "choices-2-id": str(nice.id),
                "choices-2-text": "Nice (Côte d'Azur)",
                "choices-3-id": "",
                "choices-3-text": "Marseille",
            },
        )
    )
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.points == 3
    assert [(c.id, c.text) for c in question.choices][:2] == [(paris_id, "Paris"), (nice_id, "Nice (Côte d'Azur)")]
    assert question.choices[2].text == "Marseille" and len(question.choices) == 3
    remaining = db.session.execute(db.select(Translation.text)).scalars().all()
    assert remaining == ["Париж"]  # the deleted option's translation went with it


def test_translations_report_lists_missing_then_out_of_date_fields(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Cooking", summary="Simple dishes.")
    lesson = factory.lesson(course, title="Soup", body="Boil water.")
    quiz = factory.quiz(
        course,
        title="Kitchen quiz",
        questions=[{"kind": "single", "text": "Hot or cold?", "choices": [("Hot", True), ("Cold", False)]}],
    )
    login(client, teacher)

    report = page(client, f"/teach/courses/{course.id}/translations")
    missing = report[report.index('id="missing-ru"') :]
    assert "8 missing" in missing  # course title and summary, lesson title and body, quiz title, question, 2 options
    assert "Lesson “Soup”: Text" in missing and "Quiz “Kitchen quiz”: Title" in missing
    assert 'id="outdated-ru"' not in report

    form = page(client, f"/teach/courses/{course.id}/translations/ru")
    assert '<div class="source-text" lang="en">Boil water.</div>' in form
    path_of(
        client.post(
            f"/teach/courses/{course.id}/translations/ru",
            data={
                "text-courses-{}-title".format(course.id): "Кулинария",
                "text-courses-{}-summary".format(course.id): "Простые блюда.",
                f"text-lessons-{lesson.id}-title": "Суп",
                f"text-lessons-{lesson.id}-body": "Вскипятите воду.",
                f"text-quizzes-{quiz.id}-title": "Кухонный тест",
                f"text-questions-{quiz.questions[0].id}-text": "Горячее или холодное?",
                f"text-choices-{quiz.questions[0].choices[0].id}-text": "Горячее",
                f"text-choices-{quiz.questions[0].choices[1].id}-text": "Холодное",
            },
        )
    )
    assert "Everything is translated." in page(client, f"/teach/courses/{course.id}/translations")

    # the teacher rewrites the lesson: its Russian text no longer matches the source
    path_of(
        client.post(
            f"/teach/lessons/{lesson.id}",
            data={"title": "Soup", "body": "Boil salted water.", "position": str(lesson.position), "published": "y"},
        )
    )
    report = page(client, f"/teach/courses/{course.id}/translations")
    assert 'id="missing-ru"' not in report
    outdated = report[report.index('id="outdated-ru"') :]
    assert "1 out of date" in outdated and "Lesson “Soup”: Text" in outdated

    # saving the form unchanged does not pass the old text off as current ...
    body_key = f"lessons-{lesson.id}-body"
    path_of(client.post(f"/teach/courses/{course.id}/translations/ru", data={f"text-{body_key}": "Вскипятите воду."}))
    assert "1 out of date" in page(client, f"/teach/courses/{course.id}/translations")
    # ... only the teacher's confirmation (or a new text) does
    form = page(client, f"/teach/courses/{course.id}/translations/ru?todo=1")
    assert f'name="confirm-{body_key}"' in form and "Кулинария" not in form  # only what needs work
    path_of(
        client.post(
            f"/teach/courses/{course.id}/translations/ru", data={f"text-{body_key}": "Вскипятите подсоленную воду."}
        )
    )
    assert "Everything is translated." in page(client, f"/teach/courses/{course.id}/translations")

    course.published = True
    db.session.commit()
    reader = factory.user(locale="ru")
    factory.enrol(reader, course)
    login(client, reader)
    assert "Вскипятите подсоленную воду." in page(client, f"/lessons/{lesson.id}")


def test_a_course_is_edited_only_by_its_own_teachers(client, factory, login):
    owner = factory.user(role="teacher")
    course = factory.course(teacher=owner, title="Owned")
    lesson = factory.lesson(course, title="Original")
    quiz = factory.quiz(course)
    question = quiz.questions[0]
    student = factory.user()
    factory.enrol(student, course)
    other_teacher = factory.user(role="teacher", email="other@example.org")
    pages = [
        f"/teach/courses/{course.id}",
        f"/teach/courses/{course.id}/translations",
        f"/teach/courses/{course.id}/translations/ru",
        f"/teach/courses/{course.id}/students",
        f"/teach/courses/{course.id}/lessons/new",
        f"/teach/lessons/{lesson.id}",
        f"/teach/quizzes/{quiz.id}",
        f"/teach/questions/{question.id}",
    ]
    writes = [
        (f"/teach/courses/{course.id}", {"title": "Hijacked", "default_language": "en"}),
        (f"/teach/courses/{course.id}/publish", {"published": "0"}),
        (f"/teach/lessons/{lesson.id}", {"title": "Hijacked", "body": "x"}),
        (f"/teach/lessons/{lesson.id}/delete", {}),
        (f"/teach/quizzes/{quiz.id}/delete", {}),
        (f"/teach/questions/{question.id}/delete", {}),
        (f"/teach/courses/{course.id}/staff", {"email": "other@example.org"}),
        (f"/teach/courses/{course.id}/translations/ru", {f"text-courses-{course.id}-title": "Взлом"}),
    ]

    for intruder in (other_teacher, student):
        login(client, intruder)
        for url in pages:
            assert client.get(url).status_code == 403, url
        for url, data in writes:
            assert client.post(url, data=data).status_code == 403, url
    assert client.get("/teach/").status_code == 403  # a student has no teaching area

    db.session.expire_all()
    assert db.session.get(Course, course.id).title == "Owned" and db.session.get(Course, course.id).published
    assert db.session.get(Lesson, lesson.id).title == "Original"
    assert count(Question) == 1 and count(Translation) == 0 and count(CourseStaff) == 1

    anonymous = client.application.test_client()
    response = anonymous.get(f"/teach/courses/{course.id}")
    assert response.status_code == 302 and "/login" in response.location

    # once the owner adds them, the other teacher may edit
    login(client, owner)
    path_of(client.post(f"/teach/courses/{course.id}/staff", data={"email": "Other@Example.org "}))
    login(client, other_teacher)
    assert "Owned" in page(client, "/teach/")
    assert client.get(f"/teach/lessons/{lesson.id}").status_code == 200


def test_a_teacher_sees_own_courses_and_an_admin_sees_all(client, factory, login):
    alice, bob = factory.user(role="teacher"), factory.user(role="teacher")
    factory.course(teacher=alice, title="Algebra by Alice")
    factory.course(teacher=bob, title="Biology by Bob", published=False)
    login(client, alice)
    listing = page(client, "/teach/")
    assert "Algebra by Alice" in listing and "Biology by Bob" not in listing
    login(client, factory.user(role="admin"))
    listing = page(client, "/teach/")
    assert "Algebra by Alice" in listing and "Biology by Bob" in listing


def test_invalid_forms_answer_400_with_the_fields_marked_and_write_nothing(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Geometry", slug="geometry")
    lesson = factory.lesson(course, title="Angles")
    quiz = factory.quiz(course, title="Shapes")
    login(client, teacher)
    before = {model: count(model) for model in (Course, Lesson, Quiz, Question, Choice, Translation)}

    def refused(url, data, status=400):
        response = client.post(url, data=data)
        assert response.status_code == status, (url, response.status_code)
        return response.get_data(as_text=True)

    html = refused("/teach/courses", {"title": "", "slug": "Not a slug!", "default_language": "en"})
    assert "Enter a title." in html and "Use lower-case Latin letters" in html
    html = refused("/teach/courses", {"title": "Copy", "slug": "geometry", "default_language": "en"}, 409)
    assert "already used by another course" in html
    refused("/teach/courses", {"title": "Klingon", "default_language": "tlh"})
    refused(f"/teach/courses/{course.id}", {"title": "x" * 201, "default_language": "en"})
    html = refused(f"/teach/courses/{course.id}/lessons/new", {"title": "  ", "body": "text"})
    assert 'class="field has-error"' in html
    refused(f"/teach/lessons/{lesson.id}", {"title": "Renamed", "position": "-1"})
    html = refused(f"/teach/courses/{course.id}/quizzes/new", {"title": "Q", "pass_percent": "0"})
    assert "Between 1 and 100." in html
    refused(f"/teach/quizzes/{quiz.id}", {"title": "Renamed", "pass_percent": "50", "max_attempts": "0"})
    html = refused(
        f"/teach/quizzes/{quiz.id}/questions/new",
        {
            "kind": "single",
            "text": "Two right?",
            "points": "1",
            "choices-0-text": "a",
            "choices-0-correct": "y",
            "choices-1-text": "b",
            "choices-1-correct": "y",
        },
    )
    assert "Mark exactly one option as correct." in html
    assert "Two right?</textarea>" in html  # what was typed is kept
    html = refused(f"/teach/quizzes/{quiz.id}/questions/new", {"kind": "text", "text": "Say it", "points": "1"})
    assert "Give at least one accepted answer." in html
    refused(
        f"/teach/questions/{quiz.questions[0].id}",
        {"kind": "multiple", "text": "x", "points": "-2", "choices-0-text": "only one", "choices-0-correct": "y"},
    )
    html = refused(f"/teach/courses/{course.id}/staff", {"email": "nobody@example.org"})
    assert "Nobody with this e-mail address has an account." in html
    html = refused(
        f"/teach/courses/{course.id}/translations/ru",
        {f"text-courses-{course.id}-summary": "Геометрия на плоскости.", f"text-lessons-{lesson.id}-title": "У" * 201},
    )
    assert "The title is too long" in html and "Геометрия на плоскости." in html  # kept for another try

    db.session.expire_all()
    assert {model: count(model) for model in before} == before
    assert db.session.get(Course, course.id).title == "Geometry"
    assert db.session.get(Lesson, lesson.id).title == "Angles"
    assert db.session.get(Quiz, quiz.id).title == "Shapes"
    assert len(db.session.get(Quiz, quiz.id).questions[0].choices) == 2


def test_co_teachers_are_added_by_email_and_the_last_one_cannot_leave(client, factory, login):
    owner = factory.user(role="teacher")
    course = factory.course(teacher=owner)
    factory.user(email="pupil@example.org")
    colleague = factory.user(role="teacher", email="colleague@example.org", name="Cole League")
    login(client, owner)

    response = client.post(f"/teach/courses/{course.id}/staff", data={"email": "pupil@example.org"})
    assert response.status_code == 409 and "is not a teacher" in response.get_data(as_text=True)
    path_of(client.post(f"/teach/courses/{course.id}/staff", data={"email": "colleague@example.org"}))
    assert "Cole League" in page(client, f"/teach/courses/{course.id}")
    response = client.post(f"/teach/courses/{course.id}/staff", data={"email": "colleague@example.org"})
    assert response.status_code == 409 and "already teaches this course" in response.get_data(as_text=True)

    path_of(client.post(f"/teach/courses/{course.id}/staff/{owner.id}/remove"))
    assert client.get(f"/teach/courses/{course.id}").status_code == 403  # the owner left
    login(client, colleague)
    path_of(client.post(f"/teach/courses/{course.id}/staff/{colleague.id}/remove"))
    assert "at least one teacher" in page(client, f"/teach/courses/{course.id}")
    assert [m.user_id for m in db.session.get(Course, course.id).staff] == [colleague.id]


def test_outline_order_and_deleting_take_translations_and_attempts_along(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    _first, second = factory.lesson(course, title="First"), factory.lesson(course, title="Second")
    quiz = factory.quiz(course, title="Final")
    student = factory.user()
    factory.enrol(student, course)
    factory.attempt(student, quiz)
    courses.set_translation(course, second, "title", "ru", "Второй")
    courses.set_translation(course, quiz.questions[0], "text", "ru", "Выберите")
    db.session.commit()
    login(client, teacher)

    path_of(
        client.post(
            f"/teach/courses/{course.id}/outline/move", data={"kind": "lesson", "id": str(second.id), "direction": "up"}
        )
    )
    db.session.expire_all()
    assert [i.title for i in courses.outline(db.session.get(Course, course.id), include_unpublished=True)] == [
        "Second",
        "First",
        "Final",
    ]

    assert "1 submitted attempt" in page(client, f"/teach/quizzes/{quiz.id}")
    path_of(client.post(f"/teach/lessons/{second.id}/delete"))
    path_of(client.post(f"/teach/quizzes/{quiz.id}/delete"))
    assert count(Lesson) == 1 and count(Quiz) == 0 and count(Question) == 0 and count(Attempt) == 0
    assert count(Translation) == 0
    assert [i.title for i in courses.outline(db.session.get(Course, course.id), include_unpublished=True)] == ["First"]


@pytest.mark.lms_config(LMS_HEARTBEAT_MAX_SECONDS=3600)
def test_the_students_page_shows_progress_time_and_attempts(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    lesson = factory.lesson(course)
    quiz = factory.quiz(course, title="Midterm")
    diligent, idle = factory.user(name="Diana Diligent"), factory.user(name="Ivan Idle")
    factory.enrol(diligent, course)
    factory.enrol(idle, course)
    login(client, diligent)
    client.post(f"/lessons/{lesson.id}/heartbeat", json={"seconds": 1500})
    client.post(f"/lessons/{lesson.id}/complete")
    failed = factory.attempt(diligent, quiz, correct=False)
    passed = factory.attempt(diligent, quiz, correct=True)

    login(client, teacher)
    html = page(client, f"/teach/courses/{course.id}/students")
    rows = dict(re.findall(r'<tr class="student" id="student-(\d+)">(.*?)</tr>', html, re.S))
    diana, ivan = rows[str(diligent.id)], rows[str(idle.id)]
    assert "Diana Diligent" in diana and "Completed" in diana and "100%" in diana and "25 min" in diana
    assert f'href="/attempts/{failed.id}"' in diana and f'href="/attempts/{passed.id}"' in diana
    assert "Midterm #2" in diana and "Passed" in diana and "Not passed" in diana
    assert "Ivan Idle" in ivan and "Active" in ivan and "0%" in ivan and "Midterm" not in ivan
    assert html.index("Diana Diligent") < html.index("Ivan Idle")

    # the attempt links open for the course's teacher
    assert 'id="quiz-passed"' in page(client, f"/attempts/{passed.id}")


def test_the_students_page_shows_each_learners_newest_attempts_and_counts_the_rest(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course, title="Drill")
    persistent = factory.user(name="Pat Persistent")
    factory.enrol(persistent, course)
    attempts = [factory.attempt(persistent, quiz, correct=False) for _ in range(5)]

    login(client, teacher)
    row = re.search(
        r'<tr class="student" id="student-\d+">(.*?)</tr>', page(client, f"/teach/courses/{course.id}/students"), re.S
    ).group(1)
    shown = [int(n) for n in re.findall(r'href="/attempts/(\d+)"', row)]
    assert shown == [a.id for a in reversed(attempts)][:3]  # the newest three, newest first
    assert "and 2 earlier attempts" in row


@pytest.mark.lms_config(WTF_CSRF_ENABLED=True)
def test_authoring_forms_need_the_page_s_csrf_token(client, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Guarded")
    # Signed in through the session: the test's app context (and so Flask-WTF's cached
    # token in ``g``) outlives requests, which a token-rotating login would confuse.
    session_for(client, teacher)

    forged = client.post(f"/teach/courses/{course.id}/lessons/new", data={"title": "Injected"})
    assert forged.status_code == 400 and count(Lesson) == 0
    html = page(client, f"/teach/courses/{course.id}/lessons/new")
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    path_of(client.post(f"/teach/courses/{course.id}/lessons/new", data={"title": "Real", "csrf_token": token}))
    assert [lesson.title for lesson in db.session.execute(db.select(Lesson)).scalars()] == ["Real"]


def test_the_course_workspace_costs_the_same_statements_for_one_quiz_and_for_six(client, factory, login, app):
    from lms_core.testing import count_sql

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    factory.quiz(course, title="Quiz one")
    login(client, teacher)

    course_id = course.id

    def statements() -> tuple[int, str]:
        client.get(f"/teach/courses/{course_id}")  # caches filled, as any earlier visit would
        db.session.remove()  # a fresh session, as each request has in production
        with count_sql(db.engine) as sql:
            html = page(client, f"/teach/courses/{course_id}")
        return sql.count, html

    one, _html = statements()
    course = db.session.get(Course, course.id)
    for n in range(5):
        choices = [("right", True), ("wrong", False)]
        factory.quiz(course, questions=[{"kind": "single", "text": f"Q{i}", "choices": choices} for i in range(n + 2)])
    six, html = statements()
    assert six == one  # each quiz's questions counted in one query, not loaded quiz by quiz
    assert "(1 question)" in html and "(6 questions)" in html


def test_the_translation_pages_cost_the_same_statements_for_one_quiz_and_for_six(client, factory, login):
    from lms_core.testing import count_sql

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, default_language="en")
    factory.quiz(course, title="Quiz one")
    course_id = course.id
    login(client, teacher)

    def statements(path) -> tuple[int, str]:
        client.get(path)
        db.session.remove()
        with count_sql(db.engine) as sql:
            html = page(client, path)
        return sql.count, html

    paths = [f"/teach/courses/{course_id}/translations", f"/teach/courses/{course_id}/translations/ru"]
    before = [statements(path)[0] for path in paths]
    course = db.session.get(Course, course_id)
    for n in range(5):
        choices = [("right", True), ("wrong", False), (f"other {n}", False)]
        factory.quiz(course, questions=[{"kind": "single", "text": f"Q{i}", "choices": choices} for i in range(n + 2)])
    after = [statements(path) for path in paths]
    assert [count for count, _html in after] == before  # two queries for every question and choice
    assert "other 4" in after[1][1]  # the last quiz's choices are on the form


def test_whether_a_teacher_teaches_a_course_is_asked_once_per_transaction(app, factory):
    from lms_core.defaults.permissions import is_staff
    from lms_core.testing import count_sql

    teacher, other = factory.user(role="teacher"), factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    db.session.commit()
    assert (teacher.role, other.role, course.id) == ("teacher", "teacher", course.id)  # rows loaded again
    with count_sql(db.engine) as sql:
        assert is_staff(teacher, course) and is_staff(teacher, course) and not is_staff(other, course)
    assert sql.count == 2  # one for each teacher
    db.session.add(CourseStaff(course_id=course.id, user_id=other.id))
    assert is_staff(other, course)  # a change of the staff waiting in the session is seen at once
    db.session.rollback()
    assert not is_staff(other, course)  # and its rollback too
    savepoint = db.session.begin_nested()
    db.session.add(CourseStaff(course_id=course.id, user_id=other.id))
    db.session.flush()
    assert is_staff(other, course)
    savepoint.rollback()
    assert not is_staff(other, course)  # a savepoint's rollback as well
    assert is_staff(teacher, course)
    db.session.execute(db.delete(CourseStaff).where(CourseStaff.user_id == teacher.id))
    assert not is_staff(teacher, course)  # a DELETE statement through the session
    db.session.commit()
    with db.engine.begin() as elsewhere:  # another request's change, committed
        elsewhere.execute(CourseStaff.__table__.insert().values(course_id=course.id, user_id=teacher.id))
    assert is_staff(teacher, course)  # a new transaction asks again


def test_the_teaching_list_shows_an_administrator_every_course_a_page_at_a_time(client, factory, login, monkeypatch):
    from lms_core.web.teach import courses as course_pages

    monkeypatch.setattr(course_pages, "COURSES_PER_PAGE", 2)
    for title in ("Botany", "Algebra", "Chemistry"):
        factory.course(title=title)
    login(client, factory.user(role="admin"))

    def titles(html: str) -> list[str]:
        table = html.split('id="my-courses"', 1)[1].split("</table>", 1)[0]
        return re.findall(r'<td><a href="/teach/courses/\d+">([^<]+)</a>', table)

    first = page(client, "/teach/")
    assert titles(first) == ["Algebra", "Botany"] and "Page 1 of 2" in first
    last = page(client, "/teach/?page=2")
    assert titles(last) == ["Chemistry"] and 'rel="prev"' in last and 'rel="next"' not in last
    assert titles(page(client, "/teach/?page=7")) == ["Chemistry"]  # past the end: the last page
    client.post("/language", data={"language": "ru"})
    assert "Страница 1 из 2" in page(client, "/teach/")
