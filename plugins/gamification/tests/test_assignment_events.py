"""Points and badges from the assignments plugin's events (declared by that plugin, so
this plugin loads and works without it)."""

from datetime import timedelta

from lms_core import db
from lms_core.models import utcnow

from lms_gamification import ledger
from lms_gamification.boards import board_key
from lms_gamification.models import BadgeAward, PointAward


def test_the_plugin_loads_without_the_assignments_plugin(plugins):
    assert plugins.installed["gamification"].module is not None
    assert plugins.pm.hook.on_assignment_graded.spec is None  # nobody declared it: no error either


def test_a_graded_assignment_earns_points_in_proportion_to_the_grade(factory, assignment_events):
    course = factory.course()
    student = factory.user()
    factory.enrol(student, course)
    essay = assignment_events.Assignment(1, course.id, "Essay", utcnow() + timedelta(days=3), 40.0)
    submission = assignment_events.submitted(student, essay, 11, utcnow())

    assignment_events.graded(student, essay, submission, 30.0)  # 75 % of the default 20 points

    assert ledger.total_points(student.id, board_key(course.id)) == 15


def test_a_regrade_adjusts_the_points_instead_of_adding(factory, assignment_events):
    course = factory.course()
    student = factory.user()
    factory.enrol(student, course)
    essay = assignment_events.Assignment(7, course.id, "Essay", utcnow() + timedelta(days=3), 10.0)
    submission = assignment_events.submitted(student, essay, 21, utcnow())

    assignment_events.graded(student, essay, submission, 10.0)
    assert ledger.total_points(student.id) == 20
    assignment_events.graded(student, essay, submission, 5.0, grade_id=2)  # lowered
    assert ledger.total_points(student.id) == 10
    assignment_events.graded(student, essay, submission, 5.0, grade_id=2)  # the same release, replayed
    resubmission = assignment_events.submitted(student, essay, 22, utcnow(), number=2)
    assignment_events.graded(student, essay, resubmission, 9.0, grade_id=3)  # a better second attempt

    rows = db.session.execute(db.select(PointAward).where(PointAward.user_id == student.id)).scalars().all()
    assert [(r.cause, r.points) for r in rows] == [(f"assignment:{essay.id}:grade", 18)]
    for board in (board_key(None), board_key(None, "week"), board_key(course.id), board_key(course.id, "week")):
        assert ledger.total_points(student.id, board) == 18


def test_handing_in_a_day_early_earns_the_early_bird_badge_and_a_late_hand_in_does_not(factory, assignment_events):
    course = factory.course()
    early, late = factory.user(), factory.user()
    for student in (early, late):
        factory.enrol(student, course)
    now = utcnow()
    report = assignment_events.Assignment(3, course.id, "Report", now + timedelta(hours=30), 10.0)

    assignment_events.submitted(early, report, 31, now)
    assignment_events.submitted(late, report, 32, now + timedelta(hours=31))

    held = dict(db.session.execute(db.select(BadgeAward.user_id, BadgeAward.badge_id)).all())
    assert set(held) == {early.id}
