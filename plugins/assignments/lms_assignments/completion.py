"""The plugin's part of course completion: every required, published assignment
graded (and released) at or above its pass mark."""
from __future__ import annotations

from flask_babel import gettext as _

from lms_core import path_for, ContentTranslations, Requirement, db
from lms_core.models import Course

from lms_assignments import authoring, messages
from lms_assignments.models import SubmissionGrade, Submission


def requirements(user, course) -> list[Requirement]:
    """``user`` and ``course`` are the core's snapshots."""
    assignments = [a for a in authoring.course_assignments_in_transaction(course.id) if a.published and a.required]
    if not assignments:
        return []
    best = dict(db.session.execute(
        db.select(Submission.assignment_id, db.func.max(SubmissionGrade.points))
        .join(SubmissionGrade, SubmissionGrade.submission_id == Submission.id)
        .where(Submission.user_id == user.id, Submission.assignment_id.in_([a.id for a in assignments]),
               SubmissionGrade.released_at.is_not(None))
        .group_by(Submission.assignment_id)).all())
    texts = ContentTranslations(db.session.get(Course, course.id), _language(course))
    result = []
    for assignment in assignments:
        title = texts.get(assignment, "title")
        if assignment.pass_points > 0:
            label = _("Get at least %(points)s points for “%(title)s”", points=messages.number(assignment.pass_points),
                      title=title)
        else:
            label = _("Hand in “%(title)s” and get it graded", title=title)
        score = best.get(assignment.id)
        result.append(Requirement(label=label, met=score is not None and score >= assignment.pass_points,
                                  url=path_for("assignments.assignment", assignment_id=assignment.id)))
    return result


def _language(course) -> str:
    from flask_babel import get_locale

    return str(get_locale() or course.default_language)
