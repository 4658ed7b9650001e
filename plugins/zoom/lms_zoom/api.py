"""The JSON API under ``/api/v1/zoom``: a course's live lectures (with a join link signed
for the caller when the lecture is open) and a date's attendance for the staff. Same
permissions as the pages; errors are ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from flask import jsonify

from lms_core import api_blueprint, can, current_user, public_url
from lms_core.api.access import allow, find
from lms_core.models import Course, utcnow

from lms_zoom import attendance, sessions
from lms_zoom.models import Occurrence

bp = api_blueprint("zoom_api", __name__, "/api/v1/zoom")  # the core API's rules: a token or the session


def _occurrence(occurrence: Occurrence, now) -> dict:
    from lms_zoom.views import join_token

    open_now = sessions.can_join_now(occurrence, now)
    return {
        "id": occurrence.id,
        "number": occurrence.number,
        "starts_at": occurrence.starts_at.isoformat(),
        "ends_at": occurrence.ends_at.isoformat(),
        "can_join": open_now,
        "join_url": public_url("zoom.join", token=join_token(occurrence, current_user)) if open_now else None,
    }


@bp.get("/courses/<int:course_id>/sessions")
def course_sessions(course_id):
    course = find(Course, course_id)
    allow("zoom.view", course)
    staff = can(current_user, "zoom.manage", course)
    now = utcnow()
    items = []
    for live in sessions.course_sessions(course.id, staff):
        item = {
            "id": live.id,
            "title": live.title,
            "description": live.description,
            "provider": live.provider,
            "timezone": live.timezone,
            "duration_minutes": live.duration_minutes,
            "recurrence": live.recurrence,
            "completion_percent": live.completion_percent,
            "occurrences": [_occurrence(o, now) for o in live.occurrences if not o.cancelled],
        }
        if staff:
            item.update(state=live.state, last_error=live.last_error)
        items.append(item)
    return jsonify({"sessions": items})


@bp.get("/occurrences/<int:occurrence_id>/attendance")
def occurrence_attendance(occurrence_id):
    occurrence = find(Occurrence, occurrence_id)
    allow("zoom.manage", occurrence)
    rows = attendance.occurrence_rows(occurrence, sessions.learners(occurrence.session.course_id))
    return jsonify(
        {
            "occurrence_id": occurrence.id,
            "learners": [
                {
                    "user_id": r.user.id,
                    "name": r.user.name,
                    "joins": r.joins,
                    "first_join": r.first_join.isoformat() if r.first_join else None,
                    "last_leave": r.last_leave.isoformat() if r.last_leave else None,
                    "measured_minutes": r.measured,
                    "minutes": r.minutes,
                    "percent": attendance.percent(r.minutes, occurrence),
                    "correction_reason": r.correction.reason if r.correction else None,
                }
                for r in rows
            ],
        }
    )
