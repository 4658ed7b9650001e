"""Who may do what with certificates, answered through ``lms_permission_allowed``;
a plugin of the institution can answer differently with ``@hookimpl(tryfirst=True)``.

* ``certificate.view`` (a ``Certificate``): its owner, staff of its course, admins;
  seeing it includes downloading its PDF.
* ``certificate.manage`` (a ``Course``): staff of the course and admins: the design,
  revoking, re-issuing, re-generating, the ZIP of all PDFs.
* ``certificate.verify``: anyone, signed in or not.
"""

from __future__ import annotations

from lms_core import db, is_staff
from lms_core.models import Course
from lms_certificates.models import Certificate

ACTIONS = ("certificate.view", "certificate.manage", "certificate.verify")


def decide(user, action: str, target) -> bool | None:
    if action not in ACTIONS:
        return None
    if action == "certificate.verify":
        return True
    if user is None or not user.active:
        return False
    if action == "certificate.manage":
        return isinstance(target, Course) and is_staff(user, target)
    if not isinstance(target, Certificate):
        return False
    if user.is_admin or target.user_id == user.id:
        return True
    course = db.session.get(Course, target.course_id) if target.course_id else None
    return course is not None and is_staff(user, course)
