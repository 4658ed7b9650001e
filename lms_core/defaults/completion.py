"""The core's own completion requirements: every published lesson done and every
published quiz passed. Plugins add theirs through the same hook."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from hookspecs import hookimpl
from lms_core.extensions import db
from lms_core.models import Attempt, Lesson, LessonCompletion, Quiz


@hookimpl(trylast=True)
def lms_completion_requirements(user, course):
    lessons = db.session.execute(
        db.select(Lesson.id, Lesson.title).where(Lesson.course_id == course.id, Lesson.published.is_(True))
        .order_by(Lesson.position, Lesson.id)
    ).all()
    done = set(db.session.execute(
        db.select(LessonCompletion.lesson_id).join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(LessonCompletion.user_id == user.id, Lesson.course_id == course.id)
    ).scalars())
    quizzes = db.session.execute(
        db.select(Quiz.id, Quiz.title).where(Quiz.course_id == course.id, Quiz.published.is_(True))
        .order_by(Quiz.position, Quiz.id)
    ).all()
    passed = set(db.session.execute(
        db.select(Attempt.quiz_id).join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == user.id, Quiz.course_id == course.id, Attempt.passed.is_(True))
    ).scalars())
    requirements = [
        _requirement(_("Read the lesson “%(title)s”", title=title), lesson_id in done,
                     "learn.lesson", lesson_id=lesson_id)
        for lesson_id, title in lessons
    ]
    requirements += [
        _requirement(_("Pass the quiz “%(title)s”", title=title), quiz_id in passed, "learn.quiz", quiz_id=quiz_id)
        for quiz_id, title in quizzes
    ]
    return requirements


def _requirement(label, met, endpoint, **values):
    from lms_core.contracts import Requirement

    try:
        url = url_for(endpoint, **values)
    except RuntimeError:  # outside a request (a job): no URL needed
        url = None
    return Requirement(label=label, met=met, url=url)
