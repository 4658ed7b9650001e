"""The rollups match the facts exactly, stay right when the fold runs again or an event
comes twice, and a rebuild gives the same rows."""

from __future__ import annotations

from datetime import date

from lms_core import db
from lms_core.models import ActivityFact

from lms_analytics import dashboards, jobs, rollups
from lms_analytics.models import ActivityDay, CourseDay, LearnerCourse


def rows(model):
    return sorted(
        tuple(getattr(r, c.name) for c in model.__table__.columns)
        for r in db.session.execute(db.select(model)).scalars()
    )


def test_time_on_lessons_matches_the_facts_exactly(factory, add_facts, at):
    course = factory.course()
    one, two = factory.lesson(course=course, title="One"), factory.lesson(course=course, title="Two")
    ann, bob = factory.user(name="Ann"), factory.user(name="Bob")
    for learner in (ann, bob):
        factory.enrol(learner, course)
    add_facts(
        [
            (ann, one, 15, at("2026-03-02", 9)),
            (ann, one, 14, at("2026-03-02", 23, 59)),
            (ann, two, 60, at("2026-03-03", 0, 1)),
            (bob, one, 7, at("2026-03-02", 10)),
            (bob, two, 45, at("2026-03-02", 11)),
            (bob, two, 30, at("2026-03-04", 8)),
        ]
    )
    jobs.fold()
    total = db.session.execute(db.select(db.func.sum(ActivityFact.seconds))).scalar_one()
    assert db.session.execute(db.select(db.func.sum(ActivityDay.seconds))).scalar_one() == total == 171
    day2 = db.session.get(CourseDay, (course.id, date(2026, 3, 2)))
    assert (day2.active_learners, day2.seconds) == (2, 15 + 14 + 7 + 45)
    assert db.session.get(LearnerCourse, (course.id, ann.id)).seconds == 89
    assert db.session.get(LearnerCourse, (course.id, bob.id)).seconds == 82

    overview = dashboards.course_overview(course, dashboards.Filters(date(2026, 3, 1), date(2026, 3, 5)))
    lesson_time = next(s for s in overview["series"] if s.key == "lesson_time")
    # One: Ann 29 s, Bob 7 s -> total 36 s, median per learner 18 s = 0.3 min
    assert lesson_time.rows[0] == ["One", round(36 / 3600, 2), 0.3, 2]
    assert lesson_time.rows[1] == ["Two", round(135 / 3600, 2), round((60 + 75) / 2 / 60, 1), 2]
    weekly = next(s for s in overview["series"] if s.key == "active_weekly")
    assert ["2026-03-02", 2] in weekly.rows  # the Monday of that week: each learner once


def test_running_the_fold_again_or_after_new_facts_never_double_counts(factory, add_facts, at, settle):
    course = factory.course()
    lesson = factory.lesson(course=course)
    ann = factory.user()
    factory.enrol(ann, course)
    settle()
    add_facts([(ann, lesson, 20, at("2026-03-02"))])
    jobs.fold()
    jobs.fold()
    assert db.session.get(LearnerCourse, (course.id, ann.id)).seconds == 20
    add_facts([(ann, lesson, 5, at("2026-03-02", 13)), (ann, lesson, 9, at("2026-03-05"))])
    first = jobs.fold()
    assert first["facts"] >= 2
    jobs.fold()
    assert db.session.get(LearnerCourse, (course.id, ann.id)).seconds == 34
    assert db.session.get(CourseDay, (course.id, date(2026, 3, 2))).seconds == 25
    snapshot = rows(ActivityDay), rows(CourseDay)
    jobs.rebuild()
    assert (rows(ActivityDay), rows(CourseDay)) == snapshot


def test_the_funnel_shows_where_learners_stop(factory, settle):
    from lms_core.services import progress

    course = factory.course()
    first, second = factory.lesson(course=course, title="First"), factory.lesson(course=course, title="Second")
    learners = [factory.user() for _ in range(3)]
    for learner in learners:
        factory.enrol(learner, course)
    for learner in learners[:2]:
        progress.complete_lesson(learner, first)
    progress.complete_lesson(learners[0], second)
    progress.complete_lesson(learners[0], second)  # done again: still one
    settle()
    overview = dashboards.course_overview(course, dashboards.Filters(date(2026, 1, 1), date(2026, 1, 2)))
    funnel = next(s for s in overview["series"] if s.key == "funnel")
    assert [r[:2] for r in funnel.rows] == [["Enrolled", 3], ["First", 2], ["Second", 1]]
    today = rollups.utc_day(learners[0].created_at)
    assert db.session.get(CourseDay, (course.id, today)).lesson_completions == 3
    assert db.session.get(CourseDay, (course.id, today)).enrolments == 3


def test_learners_at_risk_are_inactive_behind_or_failing(factory, add_facts, settle, at):
    from datetime import timedelta

    from lms_core.models import utcnow

    course = factory.course()
    lesson = factory.lesson(course=course)
    quiz = factory.quiz(course=course)
    busy, idle, failing = factory.user(name="Busy"), factory.user(name="Idle"), factory.user(name="Failing")
    for learner in (busy, idle, failing):
        factory.enrol(learner, course)
    from lms_core.services import progress

    progress.complete_lesson(busy, lesson)
    factory.attempt(busy, quiz, correct=True)
    factory.attempt(failing, quiz, correct=False)
    add_facts([(busy, lesson, 30, utcnow()), (failing, lesson, 30, utcnow())])
    settle()
    jobs.fold()
    later = utcnow() + timedelta(days=10)
    course = db.session.get(type(course), course.id)
    found = {r["name"]: r["reasons"] for r in dashboards.at_risk(course, now=later)}
    assert "Busy" not in found
    assert "inactive" in found["Idle"] and "behind" in found["Idle"]
    assert "failing" in found["Failing"]
