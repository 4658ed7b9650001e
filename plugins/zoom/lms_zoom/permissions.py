"""Who may do what with live sessions (answered through ``lms_permission_allowed``).
The course's staff schedule, see attendance and remove recordings; enrolled learners
see the course's ready sessions, join them and watch the recordings."""

from __future__ import annotations

from lms_core import db, is_enrolled, is_staff
from lms_core.models import Course

from lms_zoom.models import LiveSession, Occurrence, Recording

ACTIONS = ("zoom.manage", "zoom.view")


def course_of(target):
    if isinstance(target, Course):
        return target
    if isinstance(target, LiveSession):
        return db.session.get(Course, target.course_id)
    if isinstance(target, Occurrence):
        return db.session.get(Course, target.session.course_id)
    if isinstance(target, Recording):
        return db.session.get(Course, target.occurrence.session.course_id)
    return None


def allowed(user, action: str, target) -> bool | None:
    if action not in ACTIONS:
        return None
    if user is None or not user.active:
        return False
    course = course_of(target)
    if course is None:
        return False
    if action == "zoom.manage":
        return is_staff(user, course)
    if is_staff(user, course):
        return True
    if isinstance(target, (LiveSession, Occurrence)):
        session = target if isinstance(target, LiveSession) else target.session
        if not session.visible:
            return False
    return course.published and is_enrolled(user, course)
