"""``lms demo``: an admin, a teacher, students and two courses (English, Russian)."""

from __future__ import annotations

from lms_core.extensions import db
from lms_core.models import Course, Lesson, Quiz, User
from lms_core.services import accounts, courses

DEMO_PASSWORD = "demo-password"

PEOPLE = [
    ("admin@example.org", "Ada Admin", "admin", "en"),
    ("teacher@example.org", "Tom Teacher", "teacher", "en"),
    ("student@example.org", "Sam Student", "student", "en"),
    ("student2@example.org", "Мария Иванова", "student", "ru"),
]

PYTHON_LESSONS = [
    (
        "Variables and values",
        "Переменные и значения",
        "A **variable** names a value:\n\n```python\ngreeting = \"hello\"\nprint(greeting)\n```\n\n"
        "![A variable is a name for a value](/static/img/variable.svg)\n",
        "**Переменная** даёт имя значению:\n\n```python\ngreeting = \"привет\"\nprint(greeting)\n```\n",
    ),
    (
        "Lists and loops",
        "Списки и циклы",
        "A list holds values in order; `for` visits each:\n\n```python\nfor n in [1, 2, 3]:\n    print(n * n)\n```\n",
        "Список хранит значения по порядку; `for` обходит каждое:\n\n```python\nfor n in [1, 2, 3]:\n    print(n * n)\n```\n",
    ),
]


def _user(email, name, role, locale):
    existing = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    return existing or accounts.register(email, name, DEMO_PASSWORD, role=role, locale=locale, email_verified=True)


def load_demo() -> list[str]:
    out = []
    users = {email: _user(email, name, role, locale) for email, name, role, locale in PEOPLE}
    out.extend(f"user {email} / {DEMO_PASSWORD} ({role})" for email, _n, role, _l in PEOPLE)
    teacher = users["teacher@example.org"]
    if db.session.execute(db.select(Course.id).where(Course.slug == "python-basics")).first():
        out.append("demo courses already loaded")
        return out

    python = courses.create_course(
        teacher, "Python basics", "Your first steps in Python: values, lists, loops.", "en", slug="python-basics"
    )
    for position, (title, title_ru, body, body_ru) in enumerate(PYTHON_LESSONS, 1):
        lesson = Lesson(course=python, title=title, body=body, position=position)
        db.session.add(lesson)
        db.session.flush()
        courses.set_translation(python, lesson, "title", "ru", title_ru)
        courses.set_translation(python, lesson, "body", "ru", body_ru)
    courses.set_translation(python, python, "title", "ru", "Основы Python")
    courses.set_translation(python, python, "summary", "ru", "Первые шаги в Python: значения, списки, циклы.")
    quiz = Quiz(
        course=python,
        title="Check yourself",
        description="Three questions on the lessons.",
        pass_percent=60,
        max_attempts=3,
        position=10,
    )
    db.session.add(quiz)
    db.session.commit()
    courses.set_translation(python, quiz, "title", "ru", "Проверьте себя")
    q1 = courses.add_question(
        quiz, "single", "What does `print(2 * 3)` show?", 1, [("5", False), ("6", True), ("23", False)]
    )
    q2 = courses.add_question(
        quiz, "multiple", "Which of these are Python lists?", 1, [("[1, 2]", True), ("(1, 2)", False), ("[]", True)]
    )
    q3 = courses.add_question(quiz, "text", "Which keyword starts a loop over a list?", 1, accepted_answers=["for"])
    courses.set_translation(python, q1, "text", "ru", "Что выведет `print(2 * 3)`?")
    courses.set_translation(python, q2, "text", "ru", "Что из этого — списки Python?")
    courses.set_translation(python, q3, "text", "ru", "Какое ключевое слово начинает цикл по списку?")
    python.published = True
    db.session.commit()

    history = courses.create_course(
        teacher,
        "История письменности",
        "Как люди научились записывать речь: от клинописи до алфавита.",
        "ru",
        slug="istoriya-pismennosti",
    )
    lesson = Lesson(
        course=history,
        position=1,
        title="Клинопись",
        body="Клинопись появилась в Месопотамии около **3200 г. до н. э.**\n\n"
        "| Эпоха | Письмо |\n|---|---|\n| Шумер | клинопись |\n| Египет | иероглифы |\n",
    )
    db.session.add(lesson)
    db.session.flush()
    courses.set_translation(history, history, "title", "en", "A history of writing")
    courses.set_translation(history, lesson, "title", "en", "Cuneiform")
    hquiz = Quiz(course=history, title="Короткий тест", pass_percent=50, position=5)
    db.session.add(hquiz)
    db.session.commit()
    courses.add_question(hquiz, "single", "Где появилась клинопись?", 1, [("В Месопотамии", True), ("В Китае", False)])
    history.published = True
    db.session.commit()
    courses.course_changed()
    out.append("courses: python-basics (en), istoriya-pismennosti (ru)")
    return out
