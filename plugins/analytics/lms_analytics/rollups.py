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

from sqlalchemy import Date, case, delete, distinct, func, literal, literal_column, select, update

from lms_core import db, upsert
from lms_core.models import ActivityFact, Attempt, Enrollment, Lesson, LessonCompletion, Quiz, utcnow

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
        # a literal, not a bound parameter: the same expression in SELECT and GROUP BY
        return func.date(func.timezone(literal_column("'UTC'"), column))
    return func.date(column)


# ---------------------------------------------------------------- one day of one course


def recompute_day(course_id: int, day: date, activity_only: bool = False) -> None:
    """The day's facts of one course summed again per lesson and learner (one
    ``INSERT ... SELECT``), then the course's row of that day (only its activity columns
    when ``activity_only``: the periodic fold, where nothing else changed)."""
    start, end = day_bounds(day)
    db.session.execute(delete(ActivityDay).where(ActivityDay.course_id == course_id, ActivityDay.day == day))
    lesson = func.coalesce(ActivityFact.lesson_id, 0)
    db.session.execute(
        db.insert(ActivityDay).from_select(
            ["course_id", "day", "lesson_id", "user_id", "seconds", "facts"],
            select(
                ActivityFact.course_id,
                literal(day, Date),
                lesson,
                ActivityFact.user_id,
                func.sum(ActivityFact.seconds),
                func.count(),
            )
            .where(
                ActivityFact.course_id == course_id, ActivityFact.occurred_at >= start, ActivityFact.occurred_at < end
            )
            .group_by(ActivityFact.course_id, lesson, ActivityFact.user_id),
        )
    )
    if activity_only:
        active, seconds = db.session.execute(
            select(func.count(distinct(ActivityDay.user_id)), func.coalesce(func.sum(ActivityDay.seconds), 0)).where(
                ActivityDay.course_id == course_id, ActivityDay.day == day
            )
        ).one()
        values = {"active_learners": active, "seconds": int(seconds)}
        db.session.execute(
            upsert(CourseDay)
            .values(course_id=course_id, day=day, **values)
            .on_conflict_do_update(index_elements=["course_id", "day"], set_=values)
        )
    else:
        recompute_course_day(course_id, day)


def recompute_course_day(course_id: int, day: date) -> None:
    start, end = day_bounds(day)
    active, seconds = db.session.execute(
        select(func.count(distinct(ActivityDay.user_id)), func.coalesce(func.sum(ActivityDay.seconds), 0)).where(
            ActivityDay.course_id == course_id, ActivityDay.day == day
        )
    ).one()
    enrolments = db.session.execute(
        select(func.count()).where(
            Enrollment.course_id == course_id,
            Enrollment.status != "pending",
            Enrollment.enrolled_at >= start,
            Enrollment.enrolled_at < end,
        )
    ).scalar_one()
    completions = db.session.execute(
        select(func.count()).where(
            Enrollment.course_id == course_id, Enrollment.completed_at >= start, Enrollment.completed_at < end
        )
    ).scalar_one()
    lessons_done = db.session.execute(
        select(func.count())
        .select_from(LessonCompletion)
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(
            Lesson.course_id == course_id, LessonCompletion.completed_at >= start, LessonCompletion.completed_at < end
        )
    ).scalar_one()
    attempts = db.session.execute(
        select(func.count())
        .select_from(Attempt)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course_id, Attempt.submitted_at >= start, Attempt.submitted_at < end)
    ).scalar_one()
    values = {
        "active_learners": active,
        "seconds": int(seconds),
        "enrolments": enrolments,
        "completions": completions,
        "lesson_completions": lessons_done,
        "attempts": attempts,
    }
    if not any(values.values()):
        db.session.execute(delete(CourseDay).where(CourseDay.course_id == course_id, CourseDay.day == day))
        return
    db.session.execute(
        upsert(CourseDay)
        .values(course_id=course_id, day=day, **values)
        .on_conflict_do_update(index_elements=["course_id", "day"], set_=values)
    )


# ---------------------------------------------------------------- one learner in one course


def recompute_learner(course_id: int, user_id: int) -> None:
    enrollment = db.session.execute(
        select(Enrollment).where(Enrollment.course_id == course_id, Enrollment.user_id == user_id)
    ).scalar_one_or_none()
    if enrollment is None or enrollment.status == "pending":
        db.session.execute(
            delete(LearnerCourse).where(LearnerCourse.course_id == course_id, LearnerCourse.user_id == user_id)
        )
        return
    seconds = db.session.execute(
        select(func.coalesce(func.sum(ActivityDay.seconds), 0)).where(
            ActivityDay.course_id == course_id, ActivityDay.user_id == user_id
        )
    ).scalar_one()
    last_active = db.session.execute(
        select(func.max(ActivityFact.occurred_at)).where(
            ActivityFact.user_id == user_id, ActivityFact.course_id == course_id
        )
    ).scalar_one()
    lessons_done = db.session.execute(
        select(func.count())
        .select_from(LessonCompletion)
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(Lesson.course_id == course_id, LessonCompletion.user_id == user_id)
    ).scalar_one()
    quiz = _quiz_summary(course_id, user_id)
    values = {
        "status": enrollment.status,
        "enrolled_at": enrollment.enrolled_at,
        "completed_at": enrollment.completed_at,
        "seconds": int(seconds),
        "last_active_at": _as_utc(last_active),
        "lessons_done": lessons_done,
        **quiz,
    }
    db.session.execute(
        upsert(LearnerCourse)
        .values(course_id=course_id, user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["course_id", "user_id"], set_=values)
    )


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
        select(
            Attempt.quiz_id,
            func.count(),
            func.max(case((Attempt.passed.is_(True), 1), else_=0)),
            func.max(Attempt.percent),
        )
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course_id, Attempt.user_id == user_id, Attempt.submitted_at.is_not(None))
        .group_by(Attempt.quiz_id)
    ).all()
    best = [r[3] for r in rows if r[3] is not None]
    return {
        "attempts": sum(r[1] for r in rows),
        "quizzes_passed": sum(1 for r in rows if r[2]),
        "quizzes_failing": sum(1 for r in rows if not r[2]),
        "best_percent_avg": (sum(best) / len(best)) if best else None,
    }


# ---------------------------------------------------------------- the completion funnel


def recompute_funnel(course_id: int, kind: str, item_id: int) -> None:
    if kind == "lesson":
        learners = db.session.execute(select(func.count()).where(LessonCompletion.lesson_id == item_id)).scalar_one()
    else:
        learners = db.session.execute(
            select(func.count(distinct(Attempt.user_id))).where(Attempt.quiz_id == item_id, Attempt.passed.is_(True))
        ).scalar_one()
    db.session.execute(
        upsert(FunnelStep)
        .values(course_id=course_id, item_kind=kind, item_id=item_id, learners=learners)
        .on_conflict_do_update(index_elements=["course_id", "item_kind", "item_id"], set_={"learners": learners})
    )


# ---------------------------------------------------------------- the periodic fold


def watermark(source: str = FACTS) -> int:
    return db.session.execute(select(Watermark.position).where(Watermark.source == source)).scalar_one_or_none() or 0


def set_watermark(position: int, source: str = FACTS) -> None:
    db.session.execute(
        upsert(Watermark)
        .values(source=source, position=position, updated_at=utcnow())
        .on_conflict_do_update(index_elements=["source"], set_={"position": position, "updated_at": utcnow()})
    )


def fold_new_facts(batch: int = 200_000) -> dict:
    """Fold the activity facts written since the last run into the rollups; returns what
    it did. Safe to run at any time and as often as wanted."""
    since = watermark()
    rows = db.session.execute(
        select(ActivityFact.id, ActivityFact.course_id, ActivityFact.user_id, ActivityFact.occurred_at)
        .where(ActivityFact.id > max(0, since - LOOKBACK_IDS))
        .order_by(ActivityFact.id)
        .limit(batch)
    ).all()
    if not rows:
        return {"facts": 0, "days": 0, "learners": 0}
    fresh = [_as_utc(r[3]) for r in rows if r[0] > since]
    if not fresh:
        return {"facts": 0, "days": 0, "learners": 0}
    # A fact below the watermark matters only if it committed late, so it is recent.
    oldest_relevant = min(fresh) - timedelta(minutes=10)
    days, last_seen = set(), {}
    for fact_id, course_id, user_id, occurred_at in rows:
        occurred_at = _as_utc(occurred_at)
        if fact_id <= since and occurred_at < oldest_relevant:
            continue
        days.add((course_id, utc_day(occurred_at)))
        key = (course_id, user_id)
        if key not in last_seen or last_seen[key] < occurred_at:
            last_seen[key] = occurred_at
    for course_id, day in sorted(days):
        recompute_day(course_id, day, activity_only=True)
    _refresh_learner_time(last_seen)
    set_watermark(max(since, rows[-1][0]))
    db.session.commit()
    return {"facts": len(rows), "days": len(days), "learners": len(last_seen)}


def _refresh_learner_time(last_seen: dict) -> None:
    """Seconds and last activity of the learners the new facts belong to, set-based per
    course; an enrolled learner without a row yet gets the full recompute."""
    from sqlalchemy import bindparam

    by_course = defaultdict(list)
    for course_id, user_id in last_seen:
        by_course[course_id].append(user_id)
    for course_id, user_ids in by_course.items():
        known = set(
            db.session.execute(
                select(LearnerCourse.user_id).where(
                    LearnerCourse.course_id == course_id, LearnerCourse.user_id.in_(user_ids)
                )
            ).scalars()
        )
        unknown = set(user_ids) - known
        if unknown:
            enrolled = (
                db.session.execute(
                    select(Enrollment.user_id).where(
                        Enrollment.course_id == course_id,
                        Enrollment.user_id.in_(unknown),
                        Enrollment.status != "pending",
                    )
                )
                .scalars()
                .all()
            )
            for user_id in enrolled:
                recompute_learner(course_id, user_id)
        if not known:
            continue
        total = (
            select(func.coalesce(func.sum(ActivityDay.seconds), 0))
            .where(ActivityDay.course_id == LearnerCourse.course_id, ActivityDay.user_id == LearnerCourse.user_id)
            .scalar_subquery()
        )
        db.session.execute(
            update(LearnerCourse)
            .where(LearnerCourse.course_id == course_id, LearnerCourse.user_id.in_(known))
            .values(seconds=total)
        )
        # One prepared statement for every learner (the DB-API's executemany).
        table = LearnerCourse.__table__
        statement = (
            update(table)
            .where(
                table.c.course_id == bindparam("c"),
                table.c.user_id == bindparam("u"),
                (table.c.last_active_at.is_(None)) | (table.c.last_active_at < bindparam("t")),
            )
            .values(last_active_at=bindparam("t"))
        )
        db.session.connection().execute(
            statement, [{"c": course_id, "u": u, "t": last_seen[(course_id, u)]} for u in known]
        )


# ---------------------------------------------------------------- the full rebuild


def rebuild_activity() -> dict:
    """Every activity rollup from the core's tables (``lms analytics rebuild``), set-based:
    one grouped query per measure, whatever the size."""
    for model in (ActivityDay, CourseDay, LearnerCourse, FunnelStep):
        db.session.execute(delete(model))
    day = day_of(ActivityFact.occurred_at)
    lesson = func.coalesce(ActivityFact.lesson_id, 0)
    db.session.execute(
        db.insert(ActivityDay).from_select(
            ["course_id", "day", "lesson_id", "user_id", "seconds", "facts"],
            select(
                ActivityFact.course_id, day, lesson, ActivityFact.user_id, func.sum(ActivityFact.seconds), func.count()
            ).group_by(ActivityFact.course_id, day, lesson, ActivityFact.user_id),
        )
    )
    days = defaultdict(
        lambda: {
            "active_learners": 0,
            "seconds": 0,
            "enrolments": 0,
            "completions": 0,
            "lesson_completions": 0,
            "attempts": 0,
        }
    )

    def key(course_id, value):
        return course_id, value if isinstance(value, date) else date.fromisoformat(str(value))

    for c, d, active, seconds in db.session.execute(
        select(
            ActivityDay.course_id,
            ActivityDay.day,
            func.count(distinct(ActivityDay.user_id)),
            func.sum(ActivityDay.seconds),
        ).group_by(ActivityDay.course_id, ActivityDay.day)
    ):
        days[key(c, d)].update(active_learners=active, seconds=int(seconds))
    measures = [
        (
            "enrolments",
            select(Enrollment.course_id, day_of(Enrollment.enrolled_at), func.count())
            .where(Enrollment.status != "pending")
            .group_by(Enrollment.course_id, day_of(Enrollment.enrolled_at)),
        ),
        (
            "completions",
            select(Enrollment.course_id, day_of(Enrollment.completed_at), func.count())
            .where(Enrollment.completed_at.is_not(None))
            .group_by(Enrollment.course_id, day_of(Enrollment.completed_at)),
        ),
        (
            "lesson_completions",
            select(Lesson.course_id, day_of(LessonCompletion.completed_at), func.count())
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .group_by(Lesson.course_id, day_of(LessonCompletion.completed_at)),
        ),
        (
            "attempts",
            select(Quiz.course_id, day_of(Attempt.submitted_at), func.count())
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.submitted_at.is_not(None))
            .group_by(Quiz.course_id, day_of(Attempt.submitted_at)),
        ),
    ]
    for name, query in measures:
        for c, d, n in db.session.execute(query):
            days[key(c, d)][name] = n
    if days:
        db.session.execute(db.insert(CourseDay), [{"course_id": c, "day": d, **v} for (c, d), v in days.items()])

    learners = {
        (c, u): {
            "course_id": c,
            "user_id": u,
            "status": status,
            "enrolled_at": enrolled,
            "completed_at": completed,
            "seconds": 0,
            "last_active_at": None,
            "lessons_done": 0,
            "attempts": 0,
            "quizzes_passed": 0,
            "quizzes_failing": 0,
            "best_percent_avg": None,
        }
        for c, u, status, enrolled, completed in db.session.execute(
            select(
                Enrollment.course_id,
                Enrollment.user_id,
                Enrollment.status,
                Enrollment.enrolled_at,
                Enrollment.completed_at,
            ).where(Enrollment.status != "pending")
        )
    }
    for c, u, seconds in db.session.execute(
        select(ActivityDay.course_id, ActivityDay.user_id, func.sum(ActivityDay.seconds)).group_by(
            ActivityDay.course_id, ActivityDay.user_id
        )
    ):
        if (c, u) in learners:
            learners[(c, u)]["seconds"] = int(seconds)
    for c, u, last in db.session.execute(
        select(ActivityFact.course_id, ActivityFact.user_id, func.max(ActivityFact.occurred_at)).group_by(
            ActivityFact.course_id, ActivityFact.user_id
        )
    ):
        if (c, u) in learners:
            learners[(c, u)]["last_active_at"] = _as_utc(last)
    for c, u, n in db.session.execute(
        select(Lesson.course_id, LessonCompletion.user_id, func.count())
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .group_by(Lesson.course_id, LessonCompletion.user_id)
    ):
        if (c, u) in learners:
            learners[(c, u)]["lessons_done"] = n
    best = defaultdict(list)
    for c, u, n, passed, top in db.session.execute(
        select(
            Quiz.course_id,
            Attempt.user_id,
            func.count(),
            func.max(case((Attempt.passed.is_(True), 1), else_=0)),
            func.max(Attempt.percent),
        )
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.submitted_at.is_not(None))
        .group_by(Quiz.course_id, Attempt.user_id, Attempt.quiz_id)
    ):
        row = learners.get((c, u))
        if row is None:
            continue
        row["attempts"] += n
        row["quizzes_passed" if passed else "quizzes_failing"] += 1
        if top is not None:
            best[(c, u)].append(top)
    for pair, values in best.items():
        learners[pair]["best_percent_avg"] = sum(values) / len(values)
    if learners:
        db.session.execute(db.insert(LearnerCourse), list(learners.values()))

    lessons = dict(
        db.session.execute(select(LessonCompletion.lesson_id, func.count()).group_by(LessonCompletion.lesson_id)).all()
    )
    quizzes = dict(
        db.session.execute(
            select(Attempt.quiz_id, func.count(distinct(Attempt.user_id)))
            .where(Attempt.passed.is_(True))
            .group_by(Attempt.quiz_id)
        ).all()
    )
    funnel = [
        {"course_id": c, "item_kind": "lesson", "item_id": i, "learners": lessons.get(i, 0)}
        for i, c in db.session.execute(select(Lesson.id, Lesson.course_id))
    ]
    funnel += [
        {"course_id": c, "item_kind": "quiz", "item_id": i, "learners": quizzes.get(i, 0)}
        for i, c in db.session.execute(select(Quiz.id, Quiz.course_id))
    ]
    if funnel:
        db.session.execute(db.insert(FunnelStep), funnel)
    last = db.session.execute(select(func.max(ActivityFact.id))).scalar_one() or 0
    set_watermark(last)
    db.session.commit()
    return {"days": len(days), "learners": len(learners)}
