"""Levels: reaching one is announced once; teachers name their course's levels."""

from lms_core import db
from lms_core.models import Notification

from lms_gamification import ledger, levels


def level_titles(user):
    return (
        db.session.execute(
            db.select(Notification.title)
            .where(Notification.user_id == user.id, Notification.kind == "gamification.level")
            .order_by(Notification.id)
        )
        .scalars()
        .all()
    )


def test_reaching_a_level_is_announced_once_with_the_teachers_name_for_it(client, factory, login, pass_quiz):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Astronomy")
    factory.lesson(course)
    login(client, teacher)
    response = client.post(
        f"/gamification/courses/{course.id}/settings",
        data={"part": "levels", "threshold": ["0", "30", ""], "name": ["Stargazer", "Navigator", ""]},
    )
    assert response.status_code == 303
    student = factory.user()
    factory.enrol(student, course)

    pass_quiz(student, factory.quiz(course))  # 20 points
    assert level_titles(student) == []
    pass_quiz(student, factory.quiz(course))  # 40 points
    pass_quiz(student, factory.quiz(course))  # 60 points: the same course level, no second word

    assert level_titles(student) == [
        "You reached the level “Navigator” in “Astronomy”",
        "You reached the level “Explorer”",
    ]  # the platform's, at 50
    assert (
        levels.level_of(ledger.total_points(student.id, f"c{course.id}"), levels.levels_for(course.id)).name
        == "Navigator"
    )


def test_the_built_in_level_names_are_announced_in_the_students_language(factory, pass_quiz):
    course = factory.course()
    factory.lesson(course)
    student = factory.user(locale="ru")
    factory.enrol(student, course)

    for _ in range(3):  # 60 points: the second built-in level (50) on the platform and in the course
        pass_quiz(student, factory.quiz(course))

    assert "Вы достигли уровня «Исследователь»" in level_titles(student)


def test_levels_must_start_at_zero_and_rise(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)

    unordered = client.post(
        f"/gamification/courses/{course.id}/settings",
        data={"part": "levels", "threshold": ["0", "50", "40"], "name": ["A", "B", "C"]},
    )
    late_start = client.post(
        f"/gamification/courses/{course.id}/settings", data={"part": "levels", "threshold": ["10"], "name": ["A"]}
    )
    unnamed = client.post(
        f"/gamification/courses/{course.id}/settings",
        data={"part": "levels", "threshold": ["0", "20"], "name": ["A", ""]},
    )

    assert unordered.status_code == late_start.status_code == unnamed.status_code == 400
    assert "Each level needs more points than the one before." in unordered.get_data(as_text=True)
    assert "The first level starts at 0 points." in late_start.get_data(as_text=True)
    assert "Name the level." in unnamed.get_data(as_text=True)
    assert [str(lv.name) for lv in levels.levels_for(course.id)][:2] == ["Newcomer", "Explorer"]
