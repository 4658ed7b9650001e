"""Anonymous marking: graders see a stable pseudonym instead of the student's name
until that student's grade is released."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _


def pseudonym(assignment_id: int, user_id: int) -> str:
    """The same code for a student throughout one assignment, unrelated across
    assignments, so graders cannot link attempts to people by comparing lists."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"assignment:{assignment_id}:user:{user_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:6].upper()


def hides_name(submission) -> bool:
    grade = submission.grade
    return submission.assignment.anonymous and (grade is None or grade.released_at is None)


def student_label(submission) -> str:
    """The student's name, or the pseudonym while marking is anonymous."""
    if hides_name(submission):
        return _("Student %(code)s", code=pseudonym(submission.assignment_id, submission.user_id))
    return submission.user.name
