"""The activity rollups: recomputed (never incremented) for what changed, so running a
step twice, or for an event delivered twice, leaves the same rows.

* ``recompute_day(course_id, day)``: the day's facts of one course summed per lesson and
  learner (``analytics_activity_days``), then the course's row of that day;
* ``recompute_learner(course_id, user_id)``: one learner's totals in one course;
* ``recompute_funnel(course_id, kind, item_id)``: how many got past one item;
* ``fold_new_facts()``: the periodic job, from the last fact id it read (a watermark).

Days are UTC days.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, delete, distinct, func, select, update

from lms_core import db, upsert
from lms_core.models import (ActivityFact, Attempt, Enrollment, Lesson, LessonCompletion, Quiz, utcnow)

from lms_analytics.models import ActivityDay, CourseDay, FunnelStep, LearnerCourse, Watermark

FACTS = "activity_facts"
# Ids are given out before commit, so a fact may commit after one with a higher id: the
# fold re-reads this many ids below its watermark (recomputing a day is idempotent).
LOOKBACK_IDS = 500


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(timezone.utc).date()


def day_of(column):
    """The UTC day of a timestamp column, in SQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


# ---------------------------------------------------------------- one day of one course


def recompute_day(course_id: int, day: date) -> None:
    start, end = day_bounds(day)
    db.session.execute(delete(ActivityDay).where(ActivityDay.course_id == course_id, ActivityDay.day == day))
    lesson = func.coalesce(ActivityFact.lesson_id, 0)
    rows = db.session.execute(
        select(lesson, ActivityFact.user_id, func.sum(ActivityFact.seconds), func.count())
        .where(ActivityFact.course_id == course_id, ActivityFact.occurred_at >= start, ActivityFact.occurred_at < end)
        .group_by(lesson, ActivityFact.user_id)).all()
    if rows:
        db.session.execute(db.insert(ActivityDay), [
            {"course_id": course_id, "day": day, "lesson_id": r[0], "user_id": r[1], "seconds": int(r[2]),
             "facts": int(r[3])} for r in rows])
    recompute_course_day(course_id, day)


def recompute_course_day(course_id: int, day: date) -> None:
    start, end = day_bounds(day)
    active, seconds = db.session.execute(
        select(func.count(distinct(ActivityDay.user_id)), func.coalesce(func.sum(ActivityDay.seconds), 0))
        .where(ActivityDay.course_id == course_id, ActivityDay.day == day)).one()
    enrolments = db.session.execute(select(func.count()).where(
        Enrollment.course_id == course_id, Enrollment.status != "pending",
        Enrollment.enrolled_at >= start, Enrollment.enrolled_at < end)).scalar_one()
    completions = db.session.execute(select(func.count()).where(
        Enrollment.course_id == course_id, Enrollment.completed_at >= start,
        Enrollment.completed_at < end)).scalar_one()
    lessons_done = db.session.execute(
        select(func.count()).select_from(LessonCompletion).join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(Lesson.course_id == course_id, LessonCompletion.completed_at >= start,
               LessonCompletion.completed_at < end)).scalar_one()
    attempts = db.session.execute(
        select(func.count()).select_from(Attempt).join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course_id, Attempt.submitted_at >= start, Attempt.submitted_at < end)).scalar_one()
    values = {"active_learners": active, "seconds": int(seconds), "enrolments": enrolments,
              "completions": completions, "lesson_completions": lessons_done, "attempts": attempts}
    if not any(values.values()):
        db.session.execute(delete(CourseDay).where(CourseDay.course_id == course_id, CourseDay.day == day))
        return
    db.session.execute(upsert(CourseDay).values(course_id=course_id, day=day, **values)
                       .on_conflict_do_update(index_elements=["course_id", "day"], set_=values))


# ---------------------------------------------------------------- one learner in one course


def recompute_learner(course_id: int, user_id: int) -> None:
    enrollment = db.session.execute(select(Enrollment).where(
        Enrollment.course_id == course_id, Enrollment.user_id == user_id)).scalar_one_or_none()
    if enrollment is None or enrollment.status == "pending":
        db.session.execute(delete(LearnerCourse).where(LearnerCourse.course_id == course_id,
                                                       LearnerCourse.user_id == user_id))
        return
    seconds = db.session.execute(select(func.coalesce(func.sum(ActivityDay.seconds), 0)).where(
        ActivityDay.course_id == course_id, ActivityDay.user_id == user_id)).scalar_one()
    last_active = db.session.execute(select(func.max(ActivityFact.occurred_at)).where(
        ActivityFact.user_id == user_id, ActivityFact.course_id == course_id)).scalar_one()
    lessons_done = db.session.execute(
        select(func.count()).select_from(LessonCompletion).join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(Lesson.course_id == course_id, LessonCompletion.user_id == user_id)).scalar_one()
    quiz = _quiz_summary(course_id, user_id)
    values = {"status": enrollment.status, "enrolled_at": enrollment.enrolled_at,
              "completed_at": enrollment.completed_at, "seconds": int(seconds),
              "last_active_at": _as_utc(last_active), "lessons_done": lessons_done, **quiz}
    db.session.execute(upsert(LearnerCourse).values(course_id=course_id, user_id=user_id, **values)
                       .on_conflict_do_update(index_elements=["course_id", "user_id"], set_=values))


def _as_utc(value):
    if isinstance(value, str):  # SQLite's max() of a timestamp column answers text
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def _quiz_summary(course_id: int, user_id: int) -> dict:
    """Attempts, quizzes passed, quizzes whose every attempt failed, and the mean of the
    best percent per quiz tried."""
    rows = db.session.execute(
        select(Attempt.quiz_id, func.count(), func.max(case((Attempt.passed.is_(True), 1), else_=0)),
               func.max(Attempt.percent))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course_id, Attempt.user_id == user_id, Attempt.submitted_at.is_not(None))
        .group_by(Attempt.quiz_id)).all()
    best = [r[3] for r in rows if r[3] is not None]
    return {"attempts": sum(r[1] for r in rows), "quizzes_passed": sum(1 for r in rows if r[2]),
            "quizzes_failing": sum(1 for r in rows if not r[2]),
            "best_percent_avg": (sum(best) / len(best)) if best else None}


# ---------------------------------------------------------------- the completion funnel


def recompute_funnel(course_id: int, kind: str, item_id: int) -> None:
    if kind == "lesson":
        learners = db.session.execute(select(func.count()).where(LessonCompletion.lesson_id == item_id)).scalar_one()
    else:
        learners = db.session.execute(select(func.count(distinct(Attempt.user_id))).where(
            Attempt.quiz_id == item_id, Attempt.passed.is_(True))).scalar_one()
    db.session.execute(upsert(FunnelStep).values(course_id=course_id, item_kind=kind, item_id=item_id,
                                                 learners=learners)
                       .on_conflict_do_update(index_elements=["course_id", "item_kind", "item_id"],
                                              set_={"learners": learners}))


# ---------------------------------------------------------------- the periodic fold


def watermark(source: str = FACTS) -> int:
    return db.session.execute(select(Watermark.position).where(Watermark.source == source)).scalar_one_or_none() or 0


def set_watermark(position: int, source: str = FACTS) -> None:
    db.session.execute(upsert(Watermark).values(source=source, position=position, updated_at=utcnow())
                       .on_conflict_do_update(index_elements=["source"],
                                              set_={"position": position, "updated_at": utcnow()}))


def fold_new_facts(batch: int = 200_000) -> dict:
    """Fold the activity facts written since the last run into the rollups; returns what
    it did. Safe to run at any time and as often as wanted."""
    since = watermark()
    rows = db.session.execute(
        select(ActivityFact.id, ActivityFact.course_id, ActivityFact.user_id, ActivityFact.occurred_at)
        .where(ActivityFact.id > max(0, since - LOOKBACK_IDS)).order_by(ActivityFact.id).limit(batch)).all()
    if not rows:
        return {"facts": 0, "days": 0, "learners": 0}
    days, last_seen = set(), {}
    for _id, course_id, user_id, occurred_at in rows:
        occurred_at = _as_utc(occurred_at)
        days.add((course_id, utc_day(occurred_at)))
        key = (course_id, user_id)
        if key not in last_seen or last_seen[key] < occurred_at:
            last_seen[key] = occurred_at
    for course_id, day in sorted(days):
        recompute_day(course_id, day)
    _refresh_learner_time(last_seen)
    set_watermark(max(since, rows[-1][0]))
    db.session.commit()
    return {"facts": len(rows), "days": len(days), "learners": len(last_seen)}


def _refresh_learner_time(last_seen: dict) -> None:
    """Seconds and last activity of the learners the new facts belong to, set-based per
    course; a learner without a row yet gets the full recompute."""
    by_course = defaultdict(list)
    for (course_id, user_id) in last_seen:
        by_course[course_id].append(user_id)
    for course_id, user_ids in by_course.items():
        known = set(db.session.execute(select(LearnerCourse.user_id).where(
            LearnerCourse.course_id == course_id, LearnerCourse.user_id.in_(user_ids))).scalars())
        for user_id in set(user_ids) - known:
            recompute_learner(course_id, user_id)
        total = (select(func.coalesce(func.sum(ActivityDay.seconds), 0))
                 .where(ActivityDay.course_id == LearnerCourse.course_id, ActivityDay.user_id == LearnerCourse.user_id)
                 .scalar_subquery())
        db.session.execute(update(LearnerCourse).where(LearnerCourse.course_id == course_id,
                                                       LearnerCourse.user_id.in_(known))
                           .values(seconds=total))
        for user_id in known:
            seen = last_seen[(course_id, user_id)]
            db.session.execute(update(LearnerCourse).where(
                LearnerCourse.course_id == course_id, LearnerCourse.user_id == user_id,
                (LearnerCourse.last_active_at.is_(None)) | (LearnerCourse.last_active_at < seen))
                .values(last_active_at=seen))


# ---------------------------------------------------------------- the full rebuild


def rebuild_activity() -> dict:
    """Every activity rollup from the core's tables (``lms analytics rebuild``)."""
    for model in (ActivityDay, CourseDay, LearnerCourse, FunnelStep):
        db.session.execute(delete(model))
    day = day_of(ActivityFact.occurred_at)
    lesson = func.coalesce(ActivityFact.lesson_id, 0)
    db.session.execute(db.insert(ActivityDay).from_select(
        ["course_id", "day", "lesson_id", "user_id", "seconds", "facts"],
        select(ActivityFact.course_id, day, lesson, ActivityFact.user_id, func.sum(ActivityFact.seconds), func.count())
        .group_by(ActivityFact.course_id, day, lesson, ActivityFact.user_id)))
    pairs = set(db.session.execute(select(ActivityDay.course_id, ActivityDay.day).distinct()).all())
    for column in (Enrollment.enrolled_at, Enrollment.completed_at):
        pairs |= set(db.session.execute(select(Enrollment.course_id, day_of(column)).where(column.is_not(None))
                                        .distinct()).all())
    pairs |= set(db.session.execute(select(Lesson.course_id, day_of(LessonCompletion.completed_at))
                                    .join(Lesson, Lesson.id == LessonCompletion.lesson_id).distinct()).all())
    pairs |= set(db.session.execute(select(Quiz.course_id, day_of(Attempt.submitted_at))
                                    .join(Quiz, Quiz.id == Attempt.quiz_id)
                                    .where(Attempt.submitted_at.is_not(None)).distinct()).all())
    for course_id, day in sorted(pairs, key=lambda p: (p[0], str(p[1]))):
        recompute_course_day(course_id, day if isinstance(day, date) else date.fromisoformat(day))
    enrolled = db.session.execute(select(Enrollment.course_id, Enrollment.user_id)
                                  .where(Enrollment.status != "pending")).all()
    for course_id, user_id in enrolled:
        recompute_learner(course_id, user_id)
    for lesson_id, course_id in db.session.execute(select(Lesson.id, Lesson.course_id)).all():
        recompute_funnel(course_id, "lesson", lesson_id)
    for quiz_id, course_id in db.session.execute(select(Quiz.id, Quiz.course_id)).all():
        recompute_funnel(course_id, "quiz", quiz_id)
    last = db.session.execute(select(func.max(ActivityFact.id))).scalar_one() or 0
    set_watermark(last)
    db.session.commit()
    return {"days": len(pairs), "learners": len(enrolled)}

