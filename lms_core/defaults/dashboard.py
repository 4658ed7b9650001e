"""The core's own part of the dashboard's "Coming up" list: the deadlines of published
quizzes, through the same ``lms_dashboard_upcoming`` hook plugins implement."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from hookspecs import hookimpl

UPCOMING_LIMIT = 10


@hookimpl(trylast=True)
def lms_dashboard_upcoming(user, course_ids, taught_course_ids):
    """A learner's quiz deadlines; in the courses the user teaches, their learners'
    deadlines, opening the teacher's page of the quiz. One query for both."""
    from lms_core.contracts import UpcomingItem
    from lms_core.extensions import db
    from lms_core.i18n import localized
    from lms_core.models import Quiz, utcnow

    taught = set(taught_course_ids or ())
    wanted = [*course_ids, *taught]
    if not wanted:
        return []
    quizzes_due = db.session.execute(
        db.select(Quiz)
        .where(Quiz.course_id.in_(wanted), Quiz.published.is_(True), Quiz.due_at > utcnow())
        .order_by(Quiz.due_at)
        .limit(UPCOMING_LIMIT)
    ).scalars()
    # quiz.course is in the session already (the dashboard read the user's courses).
    return [
        UpcomingItem(
            UpcomingItem.DEADLINE,
            localized(quiz, "title", quiz.course),
            url_for("teach.quiz", quiz_id=quiz.id)
            if quiz.course_id in taught
            else url_for("learn.quiz", quiz_id=quiz.id),
            quiz.due_at,
            course_id=quiz.course_id,
            label=_("Quiz"),
            note=_("Deadline of your learners") if quiz.course_id in taught else "",
        )
        for quiz in quizzes_due
    ]
