"""Who may do what with assignments (answered through ``lms_permission_allowed``).

Course staff (the course's teachers and admins) manage and grade; enrolled students
see published assignments and hand in; an attempt and its files are seen only by the
student who handed it in and by the course's staff.
"""

from __future__ import annotations

from lms_core import is_enrolled, is_staff

from lms_assignments.models import Assignment, Submission, SubmissionFile

ACTIONS = (
    "assignments.manage",
    "assignments.view",
    "assignments.submit",
    "assignments.grade",
    "assignments.submission.view",
    "assignments.file.download",
)


def allowed(user, action: str, target) -> bool | None:
    """``None`` for actions this plugin does not own, so the core's rules answer."""
    if action not in ACTIONS:
        return None
    if user is None or not user.active:
        return False
    if action == "assignments.manage":
        return is_staff(user, target)
    if isinstance(target, SubmissionFile):
        target = target.submission
    if isinstance(target, Submission):
        return target.user_id == user.id or is_staff(user, target.assignment.course)
    if not isinstance(target, Assignment):
        return False
    course = target.course
    if action == "assignments.grade":
        return is_staff(user, course)
    if action == "assignments.view" and is_staff(user, course):
        return True
    return course.published and target.published and is_enrolled(user, course)
