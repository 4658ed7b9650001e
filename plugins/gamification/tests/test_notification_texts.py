"""A learner who earned a badge and a level in English reads both in Russian after
switching: the built-in names are translated when shown, not when written."""

from lms_core.testing import inbox_read_in


def test_a_badge_and_a_level_announced_in_english_are_read_in_russian(client, factory, pass_quiz):
    from lms_core import db, set_translation

    course = factory.course(title="Astronomy")
    set_translation(course, course, "title", "ru", "Астрономия")
    db.session.commit()
    factory.lesson(course)
    student = factory.user(locale="en")
    factory.enrol(student, course)
    for _ in range(3):  # 60 points: "First steps", and the built-in level "Explorer" at 50
        pass_quiz(student, factory.quiz(course), right=1)

    shown = inbox_read_in(client, student, "ru")
    title, body = shown["gamification.badge"]
    assert title.startswith("Вы получили значок «") and "“" not in title
    assert body and not body.isascii()  # its description in Russian too
    # the course too as the Russian reader reads it (it had been named as written)
    assert shown["gamification.level"][0] == "Вы достигли уровня «Исследователь» в курсе «Астрономия»"
