"""The pages people use, in English and Russian."""

from pathlib import Path

from babel.messages.pofile import read_po

from lms_core import db

from lms_gamification.models import Badge, BadgeAward

CATALOGUE = Path(__file__).parents[1] / "lms_gamification" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"


def test_a_student_sees_points_on_the_course_page_dashboard_and_profile(client, factory, login, pass_quiz):
    course = factory.course()
    factory.lesson(course)
    student = factory.user()
    factory.enrol(student, course)
    pass_quiz(student, factory.quiz(course, title="Moons"))
    login(client, student)

    course_page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert 'id="gamification-course"' in course_page and "Your points in this course: 20" in course_page
    assert "rank 1" in course_page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "20 points" in dashboard and "2 badges" in dashboard
    assert 'href="/gamification/leaderboard"' in dashboard  # the menu link
    fragment = client.get(f"/gamification/courses/{course.id}/leaderboard?fragment=1").get_data(as_text=True)
    assert fragment.lstrip().startswith("<table") and 'id="my-rank"' in fragment  # what the live page reloads
    profile = client.get("/gamification/me").get_data(as_text=True)
    assert "Passed the quiz “Moons”" in profile and "First steps" in profile and 'id="total-points"' in profile


def test_the_profile_s_points_per_course_cost_one_query_however_many_courses(client, factory, login, pass_quiz):
    import re

    from lms_core.testing import count_sql

    student = factory.user()
    student_id = student.id
    login(client, student)

    def profile() -> tuple[int, list[str]]:
        client.get("/gamification/me")
        db.session.remove()  # a fresh session, as each request has in production
        with count_sql(db.engine) as sql:
            html = client.get("/gamification/me").get_data(as_text=True)
        block = html.split('<ul class="per-course">', 1)[1].split("</ul>", 1)[0]
        return sql.count, re.findall(r">([^<]+)</a>: ([0-9]+)", block)

    def course_with_points(title, points_passed=True):
        course = factory.course(title=title)
        me = db.session.get(type(student), student_id)
        factory.enrol(me, course)
        if points_passed:
            pass_quiz(me, factory.quiz(course, title=f"{title} quiz"))

    course_with_points("Astronomy")
    one, shown = profile()
    [(title, points)] = shown
    assert title == "Astronomy" and int(points) > 0  # a passed quiz and a completed course
    course_with_points("Botany")
    course_with_points("Chemistry", points_passed=False)
    three, shown = profile()
    assert shown == [("Astronomy", points), ("Botany", points), ("Chemistry", "0")]
    assert three == one


def test_the_points_history_names_the_quiz_in_the_readers_language_with_the_courses_fallback(
    client, factory, login, pass_quiz
):
    course = factory.course(title="Astronomy")
    factory.lesson(course)
    moons, planets = factory.quiz(course, title="Moons"), factory.quiz(course, title="Planets")
    factory.translate(course, moons, "title", "ru", "Луны")  # "Planets" has no Russian title
    student = factory.user(locale="en")
    factory.enrol(student, course)
    pass_quiz(student, moons)
    pass_quiz(student, planets)
    login(client, student)
    client.post("/language", data={"language": "ru", "next": "/gamification/me"})
    profile = client.get("/gamification/me").get_data(as_text=True)
    assert "Пройден тест «Луны»" in profile and "Пройден тест «Planets»" in profile and "Moons" not in profile
    reasons = {item["reason"] for item in client.get("/api/v1/gamification/me/history").get_json()["items"]}
    assert "Пройден тест «Луны»" in reasons


def test_the_pages_speak_russian(client, factory, login, pass_quiz):
    teacher = factory.user(role="teacher", locale="ru")
    course = factory.course(teacher=teacher)
    factory.lesson(course)
    student = factory.user(locale="ru")
    factory.enrol(student, course)
    pass_quiz(student, factory.quiz(course, title="Луны"))

    login(client, student)
    profile = client.get("/gamification/me").get_data(as_text=True)
    assert "Мои баллы и значки" in profile and "20 баллов" in profile and "Пройден тест «Луны»" in profile
    assert "Рейтинг курса" in client.get(f"/gamification/courses/{course.id}/leaderboard").get_data(as_text=True)
    client.post("/logout")
    login(client, teacher)
    badges_page = client.get(f"/gamification/courses/{course.id}/badges").get_data(as_text=True)
    assert "Новый значок" in badges_page and "Серия активных дней" in badges_page
    settings = client.get(f"/gamification/courses/{course.id}/settings").get_data(as_text=True)
    assert "Бонус за прохождение с первой попытки" in settings and "Исследователь" in settings


def test_an_admin_sets_up_platform_badges_and_awards_one_by_e_mail(client, factory, login):
    admin = factory.user(role="admin")
    student = factory.user(email="ada@example.org")
    login(client, admin)

    page = client.get("/gamification/admin/badges").get_data(as_text=True)
    for name in ("First steps", "Perfectionist", "Quiz enthusiast", "Graduate", "Early bird", "On a roll"):
        assert name in page
    badge = db.session.execute(db.select(Badge).where(Badge.builtin == "ten-quizzes")).scalar_one()
    edited = client.post(
        f"/gamification/badges/{badge.id}",
        data={"name": "", "criterion": "quizzes_passed", "params.quizzes_passed.count": "20", "active": "1"},
    )
    assert edited.status_code == 303
    db.session.refresh(badge)
    assert badge.params == {"count": 20} and badge.name == ""
    awarded = client.post(f"/gamification/badges/{badge.id}/award", data={"email": "ADA@example.org"})
    assert awarded.status_code == 303
    assert (
        db.session.execute(db.select(BadgeAward.user_id).where(BadgeAward.badge_id == badge.id)).scalar_one()
        == student.id
    )
    assert "Gamification" in client.get("/dashboard").get_data(as_text=True)  # the admin menu link


def test_a_teacher_cannot_reach_the_platform_settings(client, factory, login):
    login(client, factory.user(role="teacher"))
    assert client.get("/gamification/admin").status_code == 403
    assert client.get("/gamification/admin/badges").status_code == 403


def test_every_interface_string_has_a_russian_translation():
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    messages = [m for m in catalogue if m.id]
    in_code = {
        found[2]
        for found in extract_from_dir(
            str(CATALOGUE.parents[3]),
            method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
            keywords={**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None},
        )
    }
    assert in_code - {m.id for m in messages} == set()
    untranslated = [m.id for m in messages if not (all(m.string) if m.pluralizable else m.string)]
    assert untranslated == []
    assert not any(m.fuzzy for m in messages)
