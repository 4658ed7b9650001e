"""What a learner does: the dashboard, lessons (with activity heartbeats) and quizzes."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms_core import i18n
from lms_core.auth import login_required, require
from lms_core.permissions import can
from lms_core.extensions import db
from lms_core.models import Attempt, Course, CourseStaff, Enrollment, Lesson, Quiz
from lms_core.payloads import UserInfo
from lms_core.services import ServiceError, activity, courses, progress, quizzes

bp = Blueprint("learn", __name__)


@bp.route("/dashboard")
@login_required
def dashboard():
    rows = db.session.execute(
        db.select(Enrollment, Course)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == g.user.id)
        .order_by(Enrollment.enrolled_at.desc())
    ).all()
    taught = taught_courses(g.user)
    # Every course's progress and title together: a few statements however many courses.
    i18n.preload_content_translations([course for _enrollment, course in rows] + taught)
    found = progress.progress_of_many([(g.user, course, enrollment) for enrollment, course in rows])
    items = [(enrollment, course, item) for (enrollment, course), item in zip(rows, found)]
    # "Continue where you left off": each course's first requirement not met yet.
    following = {
        course.id: next((r for r in item.requirements if not r.met and r.url), None) for _e, course, item in items
    }
    return render_template(
        "learn/dashboard.html",
        items=items,
        following=following,
        upcoming=upcoming_items(g.user, rows, [course.id for course in taught]),
        taught=taught,
        user_info=UserInfo.of(g.user),
    )


def taught_courses(user) -> list[Course]:
    """The courses ``user`` is a teacher of (staff), for the "Coming up" list: one
    query, none for a learner."""
    if not (user.is_teacher or user.is_admin):
        return []
    return list(
        db.session.execute(
            db.select(Course)
            .join(CourseStaff, CourseStaff.course_id == Course.id)
            .where(CourseStaff.user_id == user.id)
            .order_by(Course.id)
        ).scalars()
    )


def upcoming_items(user, rows, taught_ids=()) -> list:
    """The dashboard's "Coming up": what the core (quiz deadlines) and every plugin
    (``lms_dashboard_upcoming``: assignments, live sessions...) report for the
    courses of these (enrolment, course) rows and, as their teacher sees them, the
    courses ``taught_ids``, in time order, the first ``UPCOMING_LIMIT``. An item a
    plugin got wrong is left out (and logged), not shown half-drawn. The ids come from
    the enrolments: reading the courses' own attributes here could reload them."""
    from datetime import datetime

    from lms_core.contracts import UpcomingItem
    from lms_core.defaults.dashboard import UPCOMING_LIMIT
    from lms_core.plugins import get_plugin_manager

    taught_course_ids = sorted(set(taught_ids))
    # A teacher enrolled in a course they teach sees it as its teacher.
    course_ids = sorted(
        {enrollment.course_id for enrollment, _course in rows if enrollment.status in ("active", "completed")}
        - set(taught_course_ids)
    )
    if not course_ids and not taught_course_ids:
        return []
    found = []
    for item in get_plugin_manager().call_flat(
        "lms_dashboard_upcoming", user=UserInfo.of(user), course_ids=course_ids, taught_course_ids=taught_course_ids
    ):
        if (
            isinstance(item, UpcomingItem)
            and item.kind in UpcomingItem.KINDS
            and isinstance(item.at, datetime)
            and item.at.tzinfo is not None
        ):
            found.append(item)
        else:
            current_app.logger.warning("lms_dashboard_upcoming returned an item the dashboard cannot use: %r", item)
    found.sort(key=lambda item: (item.at, item.title))
    return found[:UPCOMING_LIMIT]


def neighbours(item):
    outline = courses.outline(item.course)
    index = next(i for i, other in enumerate(outline) if other is item)
    return (outline[index - 1] if index > 0 else None), (outline[index + 1] if index + 1 < len(outline) else None)


@bp.route("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    require("lesson.view", lesson)
    done = lesson.id in progress.completed_lesson_ids(g.user.id, lesson.course_id)
    previous, following = neighbours(lesson) if lesson.published else (None, None)
    return render_template(
        "learn/lesson.html",
        lesson=lesson,
        course=lesson.course,
        done=done,
        previous=previous,
        following=following,
        heartbeat_seconds=current_app.config["LMS_HEARTBEAT_SECONDS"],
    )


@bp.route("/lessons/<int:lesson_id>/complete", methods=["POST"])
@login_required
def complete_lesson(lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    require("lesson.learn", lesson)
    progress.complete_lesson(g.user, lesson)
    flash(_("Lesson marked as done."), "success")
    following = neighbours(lesson)[1]
    if following is not None:
        endpoint = "learn.lesson" if isinstance(following, Lesson) else "learn.quiz"
        key = "lesson_id" if isinstance(following, Lesson) else "quiz_id"
        return redirect(url_for(endpoint, **{key: following.id})), 303
    return redirect(url_for("catalogue.course", slug=lesson.course.slug)), 303


@bp.route("/lessons/<int:lesson_id>/heartbeat", methods=["POST"])
@login_required
def heartbeat(lesson_id):
    """Seconds of active, visible reading since the last heartbeat (JSON, CSRF header)."""
    lesson = db.get_or_404(Lesson, lesson_id)
    require("lesson.learn", lesson)
    payload = request.get_json(silent=True) or {}
    seconds = payload.get("seconds")
    if not isinstance(seconds, int) or seconds < 0:
        return jsonify({"error": {"code": "invalid", "message": _("seconds must be a whole number.")}}), 400
    return jsonify({"counted": activity.record_heartbeat(g.user, lesson, seconds)})


@bp.route("/quizzes/<int:quiz_id>")
@login_required
def quiz(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    require("quiz.take", quiz)
    return render_quiz(quiz)


def render_quiz(quiz, given=None, answer_errors=None, status=200):
    attempts = quizzes.attempts_of(g.user.id, quiz.id)
    current = next((a for a in attempts if a.submitted_at is None), None)
    return render_template(
        "learn/quiz.html",
        quiz=quiz,
        course=quiz.course,
        attempts=attempts,
        current=current,
        attempts_left=quizzes.attempts_left(g.user, quiz),
        deadline=quizzes.deadline(current) if current else None,
        closed=quizzes.is_closed(quiz),
        shuffled=quizzes.shuffled,
        given=given or {},
        answer_errors=answer_errors or {},
    ), status


@bp.route("/quizzes/<int:quiz_id>/start", methods=["POST"])
@login_required
def start_quiz(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    require("quiz.take", quiz)
    try:
        quizzes.start_attempt(g.user, quiz)
    except ServiceError as exc:
        flash(exc.message, "error")
    return redirect(url_for("learn.quiz", quiz_id=quiz.id)), 303


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit_attempt(attempt_id):
    attempt = db.get_or_404(Attempt, attempt_id)
    if attempt.user_id != g.user.id:
        abort(403)
    require("quiz.take", attempt.quiz)  # still a learner of the course
    raw = {key: request.form.getlist(key) for key in request.form if key.isdigit()}
    try:
        quizzes.submit_attempt(g.user, attempt, raw)
    except ServiceError as exc:
        if exc.code == "invalid_answers" and exc.fields:
            # The page again with what the learner gave and the problem at each question.
            flash(exc.message, "error")
            return render_quiz(attempt.quiz, given=raw, answer_errors=exc.fields, status=400)
        flash(exc.message, "error")
        return redirect(url_for("learn.quiz", quiz_id=attempt.quiz_id)), 303
    return redirect(url_for("learn.attempt", attempt_id=attempt.id)), 303


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id):
    attempt = db.get_or_404(Attempt, attempt_id)
    require("attempt.view", attempt)
    staff = can(g.user, "course.edit", attempt.quiz.course)
    return render_template(
        "learn/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        course=attempt.quiz.course,
        scored=quizzes.question_scores(attempt) if attempt.submitted_at else {},
        show_correct=quizzes.review_shown(attempt, staff=staff),
        staff=staff,
    )
