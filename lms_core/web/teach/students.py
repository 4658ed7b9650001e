"""A course's students with their progress, time and attempts."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, load_only

from lms_core.auth import require
from lms_core.extensions import db
from lms_core.models import Attempt, Course, Enrollment, Quiz, User
from lms_core.services import activity, progress
from lms_core.web.teach.blueprint import bp


STUDENTS_PER_PAGE = 50
ATTEMPTS_SHOWN = 3  # per learner, the newest; the page's size must not grow with their history


def format_duration(seconds: int) -> str:
    minutes = (seconds or 0) // 60
    if minutes < 1:
        return _("under a minute") if seconds else _("none")
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("%(minutes)d min", minutes=minutes)


@bp.route("/courses/<int:course_id>/students")
def students(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.view_students", course)
    total = db.session.execute(
        db.select(db.func.count(Enrollment.id)).where(Enrollment.course_id == course.id)
    ).scalar_one()
    last_page = max((total + STUDENTS_PER_PAGE - 1) // STUDENTS_PER_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), last_page)
    rows = db.session.execute(
        db.select(Enrollment, User)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.course_id == course.id)
        .order_by(User.name, User.id)
        .limit(STUDENTS_PER_PAGE)
        .offset((page - 1) * STUDENTS_PER_PAGE)
    ).all()
    user_ids = [user.id for _enrollment, user in rows]
    attempts, attempt_counts = _latest_attempts(course.id, user_ids)
    # One query per kind of data for the whole page, not one per learner.
    progress_by_user = progress.learners_progress(
        [user for _e, user in rows], course, {user.id: enrollment for enrollment, user in rows}
    )
    seconds = activity.seconds_of_learners(user_ids, course.id)
    learners = [
        {
            "user": user,
            "enrollment": enrollment,
            "percent": progress_by_user[user.id].percent,
            "seconds": seconds.get(user.id, 0),
            "attempts": attempts.get(user.id, []),
            "more_attempts": attempt_counts.get(user.id, 0) - len(attempts.get(user.id, [])),
        }
        for enrollment, user in rows
    ]
    pages = max((total + STUDENTS_PER_PAGE - 1) // STUDENTS_PER_PAGE, 1)
    return render_template(
        "teach/students.html",
        course=course,
        learners=learners,
        total=total,
        page=page,
        pages=pages,
        duration=format_duration,
    )


def _latest_attempts(course_id: int, user_ids: list[int]) -> tuple[dict[int, list[Attempt]], dict[int, int]]:
    """Each learner's newest attempts in the course (at most ``ATTEMPTS_SHOWN``) and how
    many they have in all: two queries for the page, however long the histories."""
    if not user_ids:
        return {}, {}
    newest = (
        db.select(
            Attempt.id,
            db.func.row_number().over(partition_by=Attempt.user_id, order_by=Attempt.id.desc()).label("nth"),
        )
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course_id, Attempt.user_id.in_(user_ids))
        .subquery()
    )
    attempts: dict[int, list[Attempt]] = {}
    for attempt in db.session.execute(
        db.select(Attempt)
        .join(newest, newest.c.id == Attempt.id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        # what the page shows: not the answers, scores and comments (JSON, decoded per row)
        .options(
            load_only(
                Attempt.user_id, Attempt.quiz_id, Attempt.number, Attempt.submitted_at, Attempt.percent, Attempt.passed
            ),
            contains_eager(Attempt.quiz).load_only(Quiz.title),
        )
        .where(newest.c.nth <= ATTEMPTS_SHOWN)
        .order_by(Attempt.id.desc())
    ).scalars():
        attempts.setdefault(attempt.user_id, []).append(attempt)
    counts = dict(
        db.session.execute(
            db.select(Attempt.user_id, db.func.count(Attempt.id))
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Quiz.course_id == course_id, Attempt.user_id.in_(user_ids))
            .group_by(Attempt.user_id)
        ).all()
    )
    return attempts, counts
