"""Course start reminders from ``courses.starts_at``: "starts tomorrow" within a day of
the start, "starts today" within the last hours. Each (course, learner, occurrence,
start date) is claimed in ``notifications_course_starts`` in the same transaction as the
notification, so a second run, a retried job or two workers never send one twice; a
moved start date is a new occurrence."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_datetime
from flask import current_app
from sqlalchemy.exc import IntegrityError

from lms_core import db, gettext as _, notify
from lms_core.models import Course, Enrollment, User
from lms_core.models.base import utcnow

from lms_notifications import preferences
from lms_notifications.models import CourseStartSent
from lms_notifications.scenarios import COURSE_TODAY, COURSE_TOMORROW

TOMORROW = timedelta(hours=24)
TODAY = timedelta(hours=3)


def send_due(now: datetime | None = None) -> dict:
    now = now or utcnow()
    sent = {"tomorrow": 0, "today": 0}
    courses = (
        db.session.execute(
            db.select(Course)
            .where(Course.published.is_(True), Course.starts_at > now, Course.starts_at <= now + TOMORROW)
            .order_by(Course.starts_at)
        )
        .scalars()
        .all()
    )
    for course in courses:
        occurrence = "today" if course.starts_at - now <= TODAY else "tomorrow"
        learners = (
            db.session.execute(
                db.select(User)
                .join(Enrollment, Enrollment.user_id == User.id)
                .where(Enrollment.course_id == course.id, Enrollment.status == "active", User.active.is_(True))
                .order_by(User.id)
            )
            .scalars()
            .all()
        )
        for learner in learners:
            if _claim(course, learner, occurrence):
                _tell(course, learner, occurrence)
                sent[occurrence] += 1
    return sent


def _claim(course, learner, occurrence) -> bool:
    db.session.add(
        CourseStartSent(course_id=course.id, user_id=learner.id, occurrence=occurrence, starts_at=course.starts_at)
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _when(learner, moment, occurrence) -> str:
    locale = learner.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]
    return format_datetime(
        moment, "short" if occurrence == "today" else "medium", tzinfo=preferences.zone_of(learner), locale=locale
    )


def _tell(course, learner, occurrence) -> None:
    from lms_core import moment_param, name_params

    kind = COURSE_TODAY if occurrence == "today" else COURSE_TOMORROW
    params = {
        **name_params("course", course, learner),
        "starts_at": _when(learner, course.starts_at, occurrence),  # for the scenario's templates
        "starts_at_utc": moment_param(course.starts_at),
    }
    # notify() commits the claim together with the notification, or neither.
    notify(learner, kind, url=f"/courses/{course.slug}", params=params)


def starts_today(params: dict) -> str:
    """The notification, in the language of whoever reads it (``lms_notification_texts``)."""
    from lms_core import notification_name, notification_when

    when = notification_when(params.get("starts_at_utc"), params.get("starts_at", ""), with_date=False)
    return _("“%(course)s” starts today at %(when)s", course=notification_name(params, "course"), when=when)


def starts_tomorrow(params: dict) -> str:
    from lms_core import notification_name, notification_when

    when = notification_when(params.get("starts_at_utc"), params.get("starts_at", ""))
    return _("“%(course)s” starts tomorrow, %(when)s", course=notification_name(params, "course"), when=when)
