"""The core's own completion requirements: every published lesson done and every
published quiz passed. Plugins add theirs through the same hook."""
from __future__ import annotations

from flask import g, url_for
from flask_babel import gettext as _

from hookspecs import hookimpl
from lms_core.extensions import db
from lms_core.models import Attempt, Lesson, LessonCompletion, Quiz
from lms_core.services.progress import learners_in_view


@hookimpl(trylast=True)
def lms_completion_requirements(user, course):
    from lms_core.contracts import Requirement

    lessons, quizzes = _outline(course.id)
    done, passed = _learner_progress(user.id, course.id)
    return ([Requirement(label=label, met=lesson_id in done, url=url) for lesson_id, label, url in lessons]
            + [Requirement(label=label, met=quiz_id in passed, url=url) for quiz_id, label, url in quizzes])


def _outline(course_id: int):
    """Published lessons and quizzes as (id, label, url); read and worded once per
    request for a page that asks about many learners (``learners_in_view``)."""
    many = bool(learners_in_view(course_id))
    memo = g.setdefault("lms_completion_outline", {}) if many else {}
    if course_id not in memo:
        lessons = db.session.execute(
            db.select(Lesson.id, Lesson.title).where(Lesson.course_id == course_id, Lesson.published.is_(True))
            .order_by(Lesson.position, Lesson.id)
        ).all()
        quizzes = db.session.execute(
            db.select(Quiz.id, Quiz.title).where(Quiz.course_id == course_id, Quiz.published.is_(True))
            .order_by(Quiz.position, Quiz.id)
        ).all()
        memo[course_id] = (
            [(lesson_id, _("Read the lesson “%(title)s”", title=title), _url("learn.lesson", lesson_id=lesson_id))
             for lesson_id, title in lessons],
            [(quiz_id, _("Pass the quiz “%(title)s”", title=title), _url("learn.quiz", quiz_id=quiz_id))
             for quiz_id, title in quizzes])
    return memo[course_id]


def _learner_progress(user_id: int, course_id: int) -> tuple[set[int], set[int]]:
    """Lessons done and quizzes passed; for every learner in view at once."""
    user_ids = learners_in_view(course_id)
    if user_id not in user_ids:
        user_ids = [user_id]
    memo = g.setdefault("lms_completion_progress", {}) if len(user_ids) > 1 else {}
    key = (course_id, user_id)
    if key not in memo:
        found = {(course_id, uid): (set(), set()) for uid in user_ids}
        for uid, lesson_id in db.session.execute(
                db.select(LessonCompletion.user_id, LessonCompletion.lesson_id)
                .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
                .where(LessonCompletion.user_id.in_(user_ids), Lesson.course_id == course_id)):
            found[(course_id, uid)][0].add(lesson_id)
        for uid, quiz_id in db.session.execute(
                db.select(Attempt.user_id, Attempt.quiz_id).join(Quiz, Quiz.id == Attempt.quiz_id)
                .where(Attempt.user_id.in_(user_ids), Quiz.course_id == course_id, Attempt.passed.is_(True))):
            found[(course_id, uid)][1].add(quiz_id)
        memo.update(found)
    return memo.pop(key) if len(user_ids) > 1 else memo[key]


def _url(endpoint, **values):
    try:
        return url_for(endpoint, **values)
    except RuntimeError:  # outside a request (a job): no URL needed
        return None
