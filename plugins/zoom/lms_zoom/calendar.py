"""iCalendar feeds: a user's (behind a secret token in the URL, for calendar apps that
cannot log in) and a course's (behind a signature of the course id). Each occurrence is
one event with a stable UID, so a moved lecture moves in the calendar and a cancelled
one disappears."""

from __future__ import annotations

import secrets

from flask import current_app
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer

from lms_core import db
from lms_core.models import Course, utcnow

from lms_zoom import sessions
from lms_zoom.models import CalendarFeed
from lms_core import public_url

FEED_LIMIT = 500


def user_token(user_id: int, renew: bool = False) -> str:
    feed = db.session.get(CalendarFeed, user_id)
    if feed is None or renew:
        if feed is None:
            feed = CalendarFeed(user_id=user_id, token=secrets.token_urlsafe(32))
            db.session.add(feed)
        else:
            feed.token = secrets.token_urlsafe(32)
        db.session.commit()
    return feed.token


def user_of(token: str) -> int | None:
    row = db.session.execute(db.select(CalendarFeed.user_id).where(CalendarFeed.token == token)).first()
    return row[0] if row else None


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="zoom.course-calendar")


def course_signature(course_id: int) -> str:
    return _signer().dumps(course_id)


def course_of(signature: str) -> int | None:
    try:
        return int(_signer().loads(signature))
    except (BadSignature, ValueError, TypeError):
        return None


def build(name: str, occurrences) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//LMS//Live lectures//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    courses = {}
    stamp = utcnow()
    for occurrence in occurrences:
        session = occurrence.session
        course = courses.get(session.course_id) or courses.setdefault(
            session.course_id, db.session.get(Course, session.course_id)
        )
        event = Event()
        event.add("uid", f"zoom-occurrence-{occurrence.id}@{current_app.config['LMS_BASE_URL'].split('//')[-1]}")
        event.add("dtstamp", stamp)
        event.add("dtstart", occurrence.starts_at)
        event.add("dtend", occurrence.ends_at)
        event.add("summary", f"{session.title} — {course.title}")
        url = public_url("zoom.session", session_id=session.id)
        event.add("url", url)
        event.add("description", (session.description + "\n\n" if session.description else "") + url)
        calendar.add_component(event)
    return calendar.to_ical()


def user_feed(user_id: int) -> bytes:
    return build("Live lectures", sessions.upcoming(None, user_id=user_id, limit=FEED_LIMIT))


def course_feed(course: Course) -> bytes:
    return build(course.title, sessions.upcoming([course.id], limit=FEED_LIMIT))
