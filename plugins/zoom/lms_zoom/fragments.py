"""What the plugin adds to the core's pages: the course page's upcoming live sessions
and recordings, and the dashboard's sessions of the coming week (``lms_dashboard_upcoming``). Times are shown in the
viewer's time zone (the ``datetime`` filter)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import contains_eager

from lms_core import can, db, render_fragment
from lms_core.models import Course, User, utcnow

from lms_zoom import sessions
from lms_zoom.models import LiveSession, Occurrence, Recording

COURSE_LIMIT = 5
DASHBOARD_WINDOW = timedelta(days=7)


def course_fragment(user, course) -> list:
    if user is None:
        return []
    viewer = db.session.get(User, user.id)
    course_row = db.session.get(Course, course.id)
    staff = can(viewer, "zoom.manage", course_row)
    if not staff and not can(viewer, "zoom.view", course_row):
        return []
    live_sessions = sessions.of_course_for_page(course.id)  # shared with the requirements
    upcoming = sessions.upcoming_of(live_sessions, COURSE_LIMIT)
    # Recordings belong to occurrences: none to look for in a course without any.
    has_occurrences = any(s.occurrences for s in live_sessions)
    recordings = (
        []
        if not has_occurrences
        else db.session.execute(
            db.select(Recording)
            .join(Occurrence, Occurrence.id == Recording.occurrence_id)
            .join(LiveSession, LiveSession.id == Occurrence.session_id)
            .where(LiveSession.course_id == course.id, Recording.removed_at.is_(None))
            .options(contains_eager(Recording.occurrence).contains_eager(Occurrence.session))
            .order_by(Occurrence.starts_at.desc())
            .limit(COURSE_LIMIT)
        )
        .scalars()
        .all()
    )
    if not upcoming and not recordings and not staff:
        return []
    return [
        render_fragment(
            "zoom/_course_fragment.html",
            course=course_row,
            upcoming=upcoming,
            staff=staff,
            recordings=recordings,
            can_join_now=sessions.can_join_now,
            now=utcnow(),
        )
    ]


def dashboard_upcoming(user, course_ids, taught_course_ids=()) -> list:
    """Live lectures of the coming week in the learner's courses and in the courses
    the user teaches (the one running now too, with its "Join" button: a teacher joins
    as the host), for the dashboard's "Coming up" list (``lms_dashboard_upcoming``):
    one query."""
    from flask import url_for

    from lms_core import UpcomingItem, gettext as _

    from lms_zoom.views import zoom_join_url

    taught = set(taught_course_ids or ())
    wanted = [*course_ids, *taught]
    if user is None or not wanted:
        return []
    now = utcnow()
    items = []
    for occurrence in sessions.upcoming(wanted, limit=10, now=now):
        if occurrence.starts_at >= now + DASHBOARD_WINDOW:
            break
        joinable = sessions.can_join_now(occurrence, now)
        items.append(
            UpcomingItem(
                UpcomingItem.LIVE_SESSION,
                occurrence.session.title,
                url_for("zoom.session", session_id=occurrence.session_id),
                occurrence.starts_at,
                course_id=occurrence.session.course_id,
                label=_("Live lecture"),
                ends_at=occurrence.ends_at,
                note=_("You teach") if occurrence.session.course_id in taught else "",
                action_label=_("Join") if joinable else "",
                action_url=zoom_join_url(occurrence) if joinable else "",
            )
        )
    return items
