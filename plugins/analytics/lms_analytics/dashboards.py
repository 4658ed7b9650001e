"""What the dashboards show, read from the rollups (never the activity facts): the course
overview, the learner view and the platform view. Each chart is a ``Series``: headings
and rows, drawn as a chart and shown as the same table."""

from __future__ import annotations

import re
import statistics as pystats
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from lms_core import ServiceError, db
from lms_core.models import Attempt, Course, Enrollment, Lesson, Quiz, User, utcnow

from lms_analytics import privacy
from lms_analytics.models import ActivityDay, CourseDay, CourseSettings, FunnelStep, LearnerCourse

DEFAULT_DAYS = 30
MAX_DAYS = 731
COHORT = re.compile(r"^cohort:(\d{4})-(\d{2})$")
BEHIND_MARGIN = 0.2  # behind the pace: a share of items done this far below the expected share
TIME_BUCKETS = (5, 15, 30, 60, 120)  # minutes per learner on a lesson, for its distribution
AT_RISK_LIMIT = 200


@dataclass
class Series:
    key: str
    title: str
    kind: str
    columns: list
    rows: list = field(default_factory=list)
    note: str = ""


@dataclass
class Filters:
    start: date
    end: date
    group: str = "all"

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, datetime.min.time(), tzinfo=timezone.utc),
            datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc),
        )

    def args(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "group": self.group}


def parse_filters(args) -> Filters:
    """The date range (``from``, ``to``: ISO dates, both included) and the group of
    learners (``all``, ``active``, ``completed``, ``cohort:YYYY-MM``: enrolled that month)."""
    errors = {}
    today = utcnow().date()
    end = _date(args.get("to"), "to", errors) or today
    start = _date(args.get("from"), "from", errors) or end - timedelta(days=DEFAULT_DAYS - 1)
    if not errors and start > end:
        errors["from"] = _("The start must not be after the end.")
    if not errors and (end - start).days >= MAX_DAYS:
        errors["from"] = _("Choose at most two years.")
    group = (args.get("group") or "all").strip()
    if group not in ("all", "active", "completed") and not COHORT.match(group):
        errors["group"] = _("Choose one of the listed groups.")
    if errors:
        message = " ".join([_("Please correct the marked fields."), *map(str, errors.values())])
        raise ServiceError("invalid", message, 400, errors)
    return Filters(start, end, group)


def _date(value, name, errors):
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[name] = _("Enter a date as YYYY-MM-DD.")
        return None


def days(filters: Filters) -> list[date]:
    return [filters.start + timedelta(days=i) for i in range((filters.end - filters.start).days + 1)]


def _group_members(course_id: int, group: str):
    """A subquery of the user ids in the group, or ``None`` for everybody."""
    if group == "all":
        return None
    query = select(Enrollment.user_id).where(Enrollment.course_id == course_id)
    if group == "active":
        return query.where(Enrollment.status == "active")
    if group == "completed":
        return query.where(Enrollment.status == "completed")
    year, month = map(int, COHORT.match(group).groups())
    first = datetime(year, month, 1, tzinfo=timezone.utc)
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    return query.where(Enrollment.enrolled_at >= first, Enrollment.enrolled_at < following)


def cohorts(course_id: int) -> list[str]:
    months = db.session.execute(
        select(Enrollment.enrolled_at)
        .where(Enrollment.course_id == course_id)
        .order_by(Enrollment.enrolled_at.desc())
        .limit(5000)
    ).scalars()
    return sorted({f"cohort:{m:%Y-%m}" for m in months}, reverse=True)[:24]


def settings_of(course_id: int) -> CourseSettings:
    found = db.session.get(CourseSettings, course_id)
    return found or CourseSettings(course_id=course_id, inactive_days=7, pace_days=28)


# ---------------------------------------------------------------- course overview


def course_overview(course: Course, filters: Filters) -> dict:
    members = _group_members(course.id, filters.group)
    series = [
        _active(course, filters, members),
        _active_weekly(course, filters, members),
        _enrolments(course, filters, members),
    ]
    funnel, lessons = _funnel(course, members), _lesson_time(course, filters, members)
    return {
        "series": series + [funnel, lessons["totals"], lessons["distribution"]],
        "at_risk": at_risk(course, members),
    }


def _activity_rows(course, filters, members, *columns):
    query = select(*columns).where(
        ActivityDay.course_id == course.id, ActivityDay.day >= filters.start, ActivityDay.day <= filters.end
    )
    if members is not None:
        query = query.where(ActivityDay.user_id.in_(members))
    return query


def _active(course, filters, members) -> Series:
    if members is None:
        rows = db.session.execute(
            select(CourseDay.day, CourseDay.active_learners, CourseDay.seconds).where(
                CourseDay.course_id == course.id, CourseDay.day >= filters.start, CourseDay.day <= filters.end
            )
        ).all()
    else:
        rows = db.session.execute(
            _activity_rows(
                course,
                filters,
                members,
                ActivityDay.day,
                func.count(distinct(ActivityDay.user_id)),
                func.sum(ActivityDay.seconds),
            ).group_by(ActivityDay.day)
        ).all()
    found = {_as_date(r[0]): (r[1], r[2]) for r in rows}
    return Series(
        "active_daily",
        _("Active learners per day"),
        "line",
        [_("Day"), _("Active learners"), _("Hours")],
        [[d.isoformat(), found.get(d, (0, 0))[0], round(found.get(d, (0, 0))[1] / 3600, 2)] for d in days(filters)],
    )


def _active_weekly(course, filters, members) -> Series:
    pairs = db.session.execute(
        _activity_rows(course, filters, members, ActivityDay.day, ActivityDay.user_id).distinct()
    ).all()
    weeks = defaultdict(set)
    for day, user_id in pairs:
        day = _as_date(day)
        weeks[day - timedelta(days=day.weekday())].add(user_id)
    first = filters.start - timedelta(days=filters.start.weekday())
    rows, week = [], first
    while week <= filters.end:
        rows.append([week.isoformat(), len(weeks.get(week, ()))])
        week += timedelta(days=7)
    return Series(
        "active_weekly",
        _("Active learners per week"),
        "bar",
        [_("Week of"), _("Active learners")],
        rows,
        note=_("Weeks start on Monday; each learner counts once per week."),
    )


def _enrolments(course, filters, members) -> Series:
    if members is None:
        rows = db.session.execute(
            select(CourseDay.day, CourseDay.enrolments, CourseDay.completions).where(
                CourseDay.course_id == course.id, CourseDay.day >= filters.start, CourseDay.day <= filters.end
            )
        ).all()
        found = {_as_date(r[0]): (r[1], r[2]) for r in rows}
    else:
        start, end = filters.bounds
        found = defaultdict(lambda: [0, 0])
        for enrolled, completed in db.session.execute(
            select(Enrollment.enrolled_at, Enrollment.completed_at).where(
                Enrollment.course_id == course.id, Enrollment.user_id.in_(members)
            )
        ):
            if enrolled and start <= enrolled < end:
                found[enrolled.astimezone(timezone.utc).date()][0] += 1
            if completed and start <= completed < end:
                found[completed.astimezone(timezone.utc).date()][1] += 1
    return Series(
        "enrolments",
        _("Enrolments and completions"),
        "line",
        [_("Day"), _("Enrolments"), _("Completions")],
        [[d.isoformat(), *found.get(d, (0, 0))] for d in days(filters)],
    )


def items_of(course: Course) -> list[tuple[str, int, str]]:
    """The course's lessons and quizzes in the order of the outline."""
    lessons = db.session.execute(
        select(Lesson.id, Lesson.title, Lesson.position).where(
            Lesson.course_id == course.id, Lesson.published.is_(True)
        )
    ).all()
    quizzes = db.session.execute(
        select(Quiz.id, Quiz.title, Quiz.position).where(Quiz.course_id == course.id, Quiz.published.is_(True))
    ).all()
    items = [(p, 0, "lesson", i, t) for i, t, p in lessons] + [(p, 1, "quiz", i, t) for i, t, p in quizzes]
    return [(kind, item_id, title) for _p, _o, kind, item_id, title in sorted(items)]


def _funnel(course, members) -> Series:
    items = items_of(course)
    enrolled = db.session.execute(
        select(func.count()).select_from(LearnerCourse).where(LearnerCourse.course_id == course.id)
    ).scalar_one()
    if members is None:
        counts = {
            (r.item_kind, r.item_id): r.learners
            for r in db.session.execute(select(FunnelStep).where(FunnelStep.course_id == course.id)).scalars()
        }
    else:
        from lms_core.models import LessonCompletion

        enrolled = db.session.execute(select(func.count()).select_from(members.subquery())).scalar_one()
        counts = {
            ("lesson", lid): n
            for lid, n in db.session.execute(
                select(LessonCompletion.lesson_id, func.count())
                .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
                .where(Lesson.course_id == course.id, LessonCompletion.user_id.in_(members))
                .group_by(LessonCompletion.lesson_id)
            )
        }
        counts.update(
            {
                ("quiz", qid): n
                for qid, n in db.session.execute(
                    select(Attempt.quiz_id, func.count(distinct(Attempt.user_id)))
                    .join(Quiz, Quiz.id == Attempt.quiz_id)
                    .where(Quiz.course_id == course.id, Attempt.passed.is_(True), Attempt.user_id.in_(members))
                    .group_by(Attempt.quiz_id)
                )
            }
        )
    rows = [[_("Enrolled"), enrolled, 100.0 if enrolled else None]]
    for kind, item_id, title in items:
        n = counts.get((kind, item_id), 0)
        label = title if kind == "lesson" else _("Quiz: %(title)s", title=title)
        rows.append([label, n, round(100 * n / enrolled, 1) if enrolled else None])
    return Series(
        "funnel",
        _("Completion funnel"),
        "bar",
        [_("Item"), _("Learners"), _("Percent of enrolled")],
        rows,
        note=_("Learners who completed each lesson or passed each quiz, in the order of the course."),
    )


def _lesson_time(course, filters, members) -> dict:
    per_learner = db.session.execute(
        _activity_rows(
            course, filters, members, ActivityDay.lesson_id, ActivityDay.user_id, func.sum(ActivityDay.seconds)
        ).group_by(ActivityDay.lesson_id, ActivityDay.user_id)
    ).all()
    by_lesson = defaultdict(list)
    for lesson_id, _user, seconds in per_learner:
        by_lesson[lesson_id].append(int(seconds))
    titles = {i: t for kind, i, t in items_of(course) if kind == "lesson"}
    order = [i for i in titles] + sorted(set(by_lesson) - set(titles))
    totals, distribution = [], []
    for lesson_id in order:
        values = by_lesson.get(lesson_id, [])
        title = titles.get(lesson_id) or _("Deleted lessons")
        totals.append(
            [title, round(sum(values) / 3600, 2), round(pystats.median(values) / 60, 1) if values else 0, len(values)]
        )
        buckets = [0] * (len(TIME_BUCKETS) + 1)
        for seconds in values:
            index = next((i for i, limit in enumerate(TIME_BUCKETS) if seconds < limit * 60), len(TIME_BUCKETS))
            buckets[index] += 1
        distribution.append([title, *buckets])
    headings = [_("Under %(n)s min", n=TIME_BUCKETS[0])]
    headings += [_("%(a)s-%(b)s min", a=a, b=b) for a, b in zip(TIME_BUCKETS, TIME_BUCKETS[1:])]
    headings.append(_("%(n)s min or more", n=TIME_BUCKETS[-1]))
    return {
        "totals": Series(
            "lesson_time",
            _("Time on each lesson"),
            "bar",
            [_("Lesson"), _("Total hours"), _("Median minutes per learner"), _("Learners")],
            totals,
            note=_("Measured by the lesson page while it is visible and the learner active."),
        ),
        "distribution": Series(
            "lesson_time_distribution",
            _("Time per learner on each lesson"),
            "stacked",
            [_("Lesson"), *headings],
            distribution,
        ),
    }


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# ---------------------------------------------------------------- learners at risk

REASONS = {"inactive": _l("Inactive"), "behind": _l("Behind the pace"), "failing": _l("Failing quizzes")}


def at_risk(course: Course, members=None, now=None) -> list[dict]:
    """Active learners who have been inactive for the course's N days, are behind its pace
    (a share of the items done below the share of the pace period gone by, minus a
    margin) or have failed every attempt at a quiz."""
    now = now or utcnow()
    settings = settings_of(course.id)
    total_items = len(items_of(course)) or 1
    query = (
        select(LearnerCourse, User.name)
        .join(User, User.id == LearnerCourse.user_id)
        .where(LearnerCourse.course_id == course.id, LearnerCourse.status == "active")
    )
    if members is not None:
        query = query.where(LearnerCourse.user_id.in_(members))
    rows = db.session.execute(query).all()
    hidden = privacy.hidden_among([r[0].user_id for r in rows])
    found = []
    for learner, name in rows:
        reasons = []
        since = learner.last_active_at or learner.enrolled_at
        if since is not None and now - since >= timedelta(days=settings.inactive_days):
            reasons.append("inactive")
        if learner.enrolled_at is not None:
            expected = min(1.0, (now - learner.enrolled_at).total_seconds() / (settings.pace_days * 86400))
            done = (learner.lessons_done + learner.quizzes_passed) / total_items
            if done + BEHIND_MARGIN < expected:
                reasons.append("behind")
        if learner.quizzes_failing:
            reasons.append("failing")
        if reasons:
            found.append(
                {
                    "user_id": learner.user_id,
                    "name": privacy.label(learner.user_id, name, hidden),
                    "reasons": reasons,
                    "last_active_at": learner.last_active_at,
                    "progress": round(100 * (learner.lessons_done + learner.quizzes_passed) / total_items),
                    "quizzes_failing": learner.quizzes_failing,
                }
            )
    found.sort(key=lambda r: (-len(r["reasons"]), r["last_active_at"] or datetime.min.replace(tzinfo=timezone.utc)))
    return found[:AT_RISK_LIMIT]


# ---------------------------------------------------------------- one learner across courses


def learner_view(viewer, learner: User) -> list[dict]:
    visible = privacy.visible_course_ids(viewer)
    query = (
        select(LearnerCourse, Course)
        .join(Course, Course.id == LearnerCourse.course_id)
        .where(LearnerCourse.user_id == learner.id)
        .order_by(Course.title)
    )
    if visible is not None:
        query = query.where(LearnerCourse.course_id.in_(visible))
    rows = []
    for progress, course in db.session.execute(query).all():
        total = len(items_of(course)) or 1
        best = db.session.execute(
            select(Quiz.title, func.count(Attempt.id), func.max(Attempt.percent))
            .join(Attempt, Attempt.quiz_id == Quiz.id)
            .where(Quiz.course_id == course.id, Attempt.user_id == learner.id, Attempt.submitted_at.is_not(None))
            .group_by(Quiz.id, Quiz.title, Quiz.position)
            .order_by(Quiz.position)
        ).all()
        rows.append(
            {
                "course": course,
                "progress": progress,
                "done": round(100 * (progress.lessons_done + progress.quizzes_passed) / total),
                "quizzes": [{"title": t, "attempts": n, "best": b} for t, n, b in best],
            }
        )
    return rows


# ---------------------------------------------------------------- the platform (admins)


def platform_overview(filters: Filters) -> dict:
    pairs = db.session.execute(
        select(ActivityDay.day, ActivityDay.user_id)
        .distinct()
        .where(ActivityDay.day >= filters.start, ActivityDay.day <= filters.end)
    ).all()
    per_day = defaultdict(set)
    for day, user_id in pairs:
        per_day[_as_date(day)].add(user_id)
    active = Series(
        "platform_active",
        _("Active users per day"),
        "line",
        [_("Day"), _("Active users")],
        [[d.isoformat(), len(per_day.get(d, ()))] for d in days(filters)],
    )
    courses = db.session.execute(
        select(
            Course.title,
            func.sum(CourseDay.seconds),
            func.max(CourseDay.active_learners),
            func.sum(CourseDay.enrolments),
            func.sum(CourseDay.completions),
        )
        .join(Course, Course.id == CourseDay.course_id)
        .where(CourseDay.day >= filters.start, CourseDay.day <= filters.end)
        .group_by(Course.id, Course.title)
        .order_by(func.sum(CourseDay.seconds).desc())
        .limit(20)
    ).all()
    by_course = Series(
        "courses_by_activity",
        _("Courses by activity"),
        "bar",
        [_("Course"), _("Hours"), _("Most active learners in a day"), _("Enrolments"), _("Completions")],
        [[t, round((s or 0) / 3600, 2), a or 0, e or 0, c or 0] for t, s, a, e, c in courses],
    )
    return {"series": [active, by_course], "distinct_active": len({u for _d, u in pairs})}
