"""Badges: each kind of criterion, teachers' course badges, awarding by hand, revoking,
expiry and criteria added by another plugin."""

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import lazy_gettext
from PIL import Image

from lms_core import db, hookimpl
from lms_core.models import Notification, utcnow

from lms_gamification import activity, badges, ledger
from lms_gamification.criteria import BadgeCriterion, CriterionParam
from lms_gamification.leaderboard import view
from lms_gamification.models import Badge, BadgeAward


def held(user, current_only=True):
    """Names of the badges ``user`` holds (in English)."""
    awards = db.session.execute(db.select(BadgeAward).where(BadgeAward.user_id == user.id)).scalars()
    return sorted(str(badges.badge_name(a.badge)) for a in awards if not current_only or badges.is_current(a))


def png(size=(64, 64), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def course_badge(course, criterion, params=None, **fields):
    badge = Badge(
        course_id=course.id, name=fields.pop("name", "Course badge"), criterion=criterion, params=params or {}, **fields
    )
    db.session.add(badge)
    db.session.commit()
    return badge


def test_passing_a_first_quiz_earns_first_steps_and_a_notification_in_the_students_language(factory, pass_quiz):
    course = factory.course()
    factory.lesson(course)
    student = factory.user(locale="ru")
    factory.enrol(student, course)

    pass_quiz(student, factory.quiz(course), right=1)

    assert "First steps" in held(student)
    titles = db.session.execute(
        db.select(Notification.title).where(
            Notification.user_id == student.id, Notification.kind == "gamification.badge"
        )
    )
    assert "Вы получили значок «Первые шаги»" in titles.scalars().all()


def test_only_a_perfect_score_earns_the_perfectionist_badge(factory, pass_quiz, questions):
    course = factory.course()
    factory.lesson(course)
    quiz = factory.quiz(course, pass_percent=50, questions=questions())
    student = factory.user()
    factory.enrol(student, course)

    pass_quiz(student, quiz, right=3)
    assert "Perfectionist" not in held(student)
    pass_quiz(student, quiz, right=4)
    assert "Perfectionist" in held(student)


def test_a_course_badge_for_a_number_of_quizzes_counts_only_that_courses_quizzes(factory, pass_quiz):
    course, elsewhere = factory.course(), factory.course()
    factory.lesson(course)
    factory.lesson(elsewhere)
    course_badge(course, "quizzes_passed", {"count": 2}, name="Two down")
    student = factory.user()
    for c in (course, elsewhere):
        factory.enrol(student, c)

    pass_quiz(student, factory.quiz(course))
    pass_quiz(student, factory.quiz(elsewhere))
    assert "Two down" not in held(student)
    pass_quiz(student, factory.quiz(course))
    assert "Two down" in held(student)


def test_completing_a_course_earns_graduate_and_the_courses_own_badge(factory, settle):
    from lms_core.services import progress

    course = factory.course()
    lesson = factory.lesson(course)
    course_badge(course, "course_completed", name="Astronomer")
    student = factory.user()
    factory.enrol(student, course)

    progress.complete_lesson(student, lesson)
    settle()

    assert held(student) == ["Astronomer", "Graduate"]


def test_seven_active_days_in_a_row_earn_the_streak_badge_and_a_gap_breaks_it(factory):
    course = factory.course()
    steady, patchy = factory.user(), factory.user()
    start = datetime(2025, 3, 3, 12, tzinfo=timezone.utc)
    for day in range(7):
        activity.mark_active(steady.id, course.id, start + timedelta(days=day), None)
        if day != 3:
            activity.mark_active(patchy.id, course.id, start + timedelta(days=day), None)

    badges.check(steady.id, course.id)
    badges.check(patchy.id, course.id)

    assert "On a roll" in held(steady)
    assert "On a roll" not in held(patchy)


def test_an_active_day_is_the_day_where_the_student_lives():
    late_evening_in_utc = datetime(2025, 3, 3, 22, 30, tzinfo=timezone.utc)
    assert activity.local_day(late_evening_in_utc, "Europe/Moscow") == date(2025, 3, 4)
    assert activity.local_day(late_evening_in_utc, "America/New_York") == date(2025, 3, 3)


def test_a_badge_is_held_once_however_often_its_criterion_is_checked(factory, pass_quiz):
    course = factory.course()
    factory.lesson(course)
    student = factory.user()
    factory.enrol(student, course)
    pass_quiz(student, factory.quiz(course))

    assert badges.check(student.id, course.id) == []
    assert badges.check(student.id, None) == []
    assert held(student).count("First steps") == 1
    assert (
        db.session.execute(
            db.select(db.func.count())
            .select_from(Notification)
            .where(Notification.kind == "gamification.badge", Notification.user_id == student.id)
        ).scalar_one()
        == 2
    )


def test_a_teacher_creates_a_course_badge_with_an_image(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)

    response = client.post(
        f"/gamification/courses/{course.id}/badges",
        data={
            "name": "Star gazer",
            "description": "Passed three quizzes.",
            "criterion": "quizzes_passed",
            "params.quizzes_passed.count": "3",
            "valid_days": "365",
            "active": "1",
            "image": (io.BytesIO(png((600, 300))), "star.png"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 303
    badge = db.session.execute(db.select(Badge).where(Badge.course_id == course.id)).scalar_one()
    assert (badge.name, badge.criterion, badge.params, badge.valid_days) == (
        "Star gazer",
        "quizzes_passed",
        {"count": 3},
        365,
    )
    image = client.get(f"/gamification/badges/{badge.id}/image")
    assert image.mimetype == "image/png"
    with Image.open(io.BytesIO(image.data)) as stored:
        assert stored.size == (256, 128)  # re-encoded, scaled to fit
    assert (
        client.get(
            f"/gamification/badges/{badge.id}/image", headers={"If-None-Match": image.headers["ETag"]}
        ).status_code
        == 304
    )


@pytest.mark.parametrize(
    "upload, message",
    [
        (b"<svg onload='alert(1)'></svg>", "The image must be a PNG, JPEG, GIF or WebP picture."),
        (b"", "The image file is empty."),
        (png((8, 8)), "The image is too small (at least 32 pixels on each side)."),
        (b"\x89PNG" + b"0" * (1024 * 1024 + 1), "The image is too large (1 MB at most)."),
    ],
)
def test_a_bad_badge_image_is_refused_and_nothing_is_created(client, factory, login, upload, message):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)

    response = client.post(
        f"/gamification/courses/{course.id}/badges",
        data={
            "name": "Broken",
            "criterion": "first_quiz_passed",
            "image": (io.BytesIO(upload), "evil.png"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.execute(db.select(Badge).where(Badge.course_id == course.id)).first() is None


def test_a_badge_needs_a_name_and_a_known_criterion(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)

    response = client.post(
        f"/gamification/courses/{course.id}/badges", data={"name": "", "criterion": "being_nice", "valid_days": "0"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Name the badge." in page and "Choose one of the listed criteria." in page
    assert "Enter a number of days from 1 to 3650, or leave it empty." in page


def test_a_teacher_awards_by_hand_revokes_with_a_reason_and_criteria_never_give_it_back(
    client, factory, login, pass_quiz
):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    factory.lesson(course)
    helper_badge = course_badge(course, "first_quiz_passed", name="Helper")
    student = factory.user()
    factory.enrol(student, course)
    login(client, teacher)

    response = client.post(
        f"/gamification/badges/{helper_badge.id}/award",
        data={"user_id": student.id, "reason": "Helped everyone in the forum"},
    )
    assert response.status_code == 303
    award = db.session.execute(db.select(BadgeAward).where(BadgeAward.badge_id == helper_badge.id)).scalar_one()
    assert award.awarded_by == teacher.id and award.narrative == "Helped everyone in the forum"
    assert client.post(f"/gamification/badges/{helper_badge.id}/award", data={"user_id": student.id}).status_code == 409

    no_reason = client.post(f"/gamification/awards/{award.id}/revoke", data={"reason": "  "})
    assert no_reason.status_code == 400 and "Say why the badge is revoked." in no_reason.get_data(as_text=True)
    assert (
        client.post(f"/gamification/awards/{award.id}/revoke", data={"reason": "Given by mistake"}).status_code == 303
    )
    db.session.expire_all()
    assert held(student) == [] and award.revocation_reason == "Given by mistake"

    pass_quiz(student, factory.quiz(course))  # meets the criterion: still not given back
    assert "Helper" not in held(student)
    client.post(f"/gamification/badges/{helper_badge.id}/award", data={"user_id": student.id, "reason": "Again"})
    assert "Helper" in held(student)


def test_only_the_courses_teachers_manage_its_badges(client, factory, login):
    course = factory.course()
    badge = course_badge(course, "first_quiz_passed")
    outsider = factory.user(role="teacher")
    student = factory.user()
    factory.enrol(student, course)
    login(client, outsider)

    assert client.get(f"/gamification/courses/{course.id}/badges").status_code == 403
    assert client.post(f"/gamification/badges/{badge.id}/award", data={"user_id": student.id}).status_code == 403
    assert db.session.execute(db.select(BadgeAward)).first() is None


def test_a_badge_can_be_awarded_by_hand_only_to_a_student_of_the_course(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    badge = course_badge(course, "first_quiz_passed")
    stranger = factory.user()
    login(client, teacher)

    response = client.post(f"/gamification/badges/{badge.id}/award", data={"user_id": stranger.id})

    assert response.status_code == 409
    assert "This person is not enrolled in the course." in response.get_data(as_text=True)


def test_an_expired_badge_is_shown_as_expired_and_no_longer_counts(client, factory, login):
    course = factory.course()
    badge = course_badge(course, "first_quiz_passed", name="Seasonal", valid_days=30)
    student = factory.user()
    factory.enrol(student, course)
    ledger.publish([ledger.record(student.id, course.id, "quiz_pass", "quiz:1:pass", 10)])
    award = badges.grant(badge, student.id)
    assert award.expires_at - award.awarded_at == timedelta(days=30)
    assert view(student, course)["me"]["badges"] == 1

    award.awarded_at, award.expires_at = utcnow() - timedelta(days=40), utcnow() - timedelta(days=10)
    db.session.commit()

    assert view(student, course)["me"]["badges"] == 0  # the leaderboard counts held badges only
    login(client, student)
    assert "Expired on" in client.get("/gamification/me").get_data(as_text=True)


def test_another_plugin_adds_a_kind_of_criterion_that_the_editor_offers_and_badges_use(
    app, client, factory, login, pass_quiz, plugins
):
    def course_points_reached(user_id, course_id, params):
        return ledger.total_points(user_id, f"c{course_id}") >= params["points"]

    class CoursePointsCriterion:
        @hookimpl
        def lms_gamification_badge_criteria(self):
            return [
                BadgeCriterion(
                    "course_points",
                    lazy_gettext("Points in the course"),
                    course_points_reached,
                    params=(CriterionParam("points", lazy_gettext("Points"), default=100),),
                )
            ]

    plugins.register(CoursePointsCriterion(), name="course_points")
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    factory.lesson(course)
    login(client, teacher)
    page = client.get(f"/gamification/courses/{course.id}/badges").get_data(as_text=True)
    assert "Points in the course" in page and 'name="params.course_points.points"' in page
    assert (
        client.post(
            f"/gamification/courses/{course.id}/badges",
            data={
                "name": "Thirty",
                "criterion": "course_points",
                "params.course_points.points": "30",
                "active": "1",
            },
        ).status_code
        == 303
    )
    student = factory.user()
    factory.enrol(student, course)

    pass_quiz(student, factory.quiz(course))  # 20 points
    assert "Thirty" not in held(student)
    pass_quiz(student, factory.quiz(course))  # 40 points
    assert "Thirty" in held(student)


def test_a_failing_criterion_of_another_plugin_does_not_stop_the_others(factory, pass_quiz, plugins):
    def broken(user_id, course_id, params):
        raise RuntimeError("the plugin's database is down")

    class BrokenCriterion:
        @hookimpl
        def lms_gamification_badge_criteria(self):
            return [BadgeCriterion("broken", "Broken", broken)]

    plugins.register(BrokenCriterion(), name="broken_criterion")
    course = factory.course()
    factory.lesson(course)
    course_badge(course, "broken", name="Never")
    student = factory.user()
    factory.enrol(student, course)

    pass_quiz(student, factory.quiz(course))

    assert held(student) == ["First steps", "Perfectionist"]
