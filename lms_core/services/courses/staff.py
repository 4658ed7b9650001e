"""The teachers of a course."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms_core import events
from lms_core.extensions import db
from lms_core.payloads import CourseInfo, UserInfo
from lms_core.models import Course, CourseStaff, User
from lms_core.services import ServiceError
from lms_core.services.courses.catalogue import course_changed


def add_staff(course: Course, email: str) -> CourseStaff:
    """Make the teacher with this e-mail address a co-teacher of the course."""
    email = (email or "").strip().lower()
    user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.active:
        raise ServiceError(
            "unknown_user",
            _("Nobody with this e-mail address has an account."),
            404,
            {"email": _("Nobody with this e-mail address has an account.")},
        )
    if not user.is_teacher:
        message = _("%(name)s is not a teacher. An administrator can give them the teacher role.", name=user.name)
        raise ServiceError("not_a_teacher", message, 409, {"email": message})
    if any(member.user_id == user.id for member in course.staff):
        message = _("%(name)s already teaches this course.", name=user.name)
        raise ServiceError("already_staff", message, 409, {"email": message})
    member = CourseStaff(course=course, user=user)
    db.session.add(member)
    try:
        db.session.commit()
    except IntegrityError:  # a double click: the first request added them
        db.session.rollback()
        message = _("%(name)s already teaches this course.", name=user.name)
        raise ServiceError("already_staff", message, 409, {"email": message}) from None
    course_changed()  # the catalogue names the teachers
    return member


def remove_staff(course: Course, user_id: int) -> None:
    member = next((m for m in course.staff if m.user_id == user_id), None)
    if member is None:
        raise ServiceError("not_found", _("This person does not teach the course."), 404)
    if len(course.staff) == 1:
        raise ServiceError("last_teacher", _("A course needs at least one teacher: add another one first."), 409)
    user, course_info = UserInfo.of(member.user), CourseInfo.of(course)
    course.staff.remove(member)
    events.emit("on_staff_removed", user=user, course=course_info)
    events.commit()
    course_changed()
