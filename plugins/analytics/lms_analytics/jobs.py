"""The plugin's jobs. Event hooks enqueue them with ids only; each recomputes what the
event touched (never adds to it), so a redelivered event or a retried job is harmless."""

from __future__ import annotations

from sqlalchemy import select

from lms_core import db
from lms_core.models import Attempt, Enrollment, Lesson, LessonCompletion

from lms_analytics import quizfold, reporting, rollups


def lesson_completed(user_id: int, lesson_id: int) -> None:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        return
    done = db.session.execute(
        select(LessonCompletion.completed_at).where(
            LessonCompletion.user_id == user_id, LessonCompletion.lesson_id == lesson_id
        )
    ).scalar_one_or_none()
    rollups.recompute_funnel(lesson.course_id, "lesson", lesson.id)
    rollups.recompute_learner(lesson.course_id, user_id)
    if done is not None:
        rollups.recompute_course_day(lesson.course_id, rollups.utc_day(done))
    db.session.commit()


def quiz_submitted(user_id: int, attempt_id: int) -> None:
    quizfold.fold_attempt(attempt_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.submitted_at is None:
        return
    course_id = attempt.quiz.course_id
    rollups.recompute_funnel(course_id, "quiz", attempt.quiz_id)
    rollups.recompute_learner(course_id, user_id)
    rollups.recompute_course_day(course_id, rollups.utc_day(attempt.submitted_at))
    db.session.commit()


def enrolment_changed(user_id: int, course_id: int) -> None:
    """An enrolment started or a course was completed."""
    enrollment = db.session.execute(
        select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id)
    ).scalar_one_or_none()
    rollups.recompute_learner(course_id, user_id)
    if enrollment is not None:
        for moment in (enrollment.enrolled_at, enrollment.completed_at):
            if moment is not None:
                rollups.recompute_course_day(course_id, rollups.utc_day(moment))
    reporting.ensure_learner_keys([user_id])
    db.session.commit()


def fold() -> dict:
    """The periodic job: new activity facts since the watermark, attempts no event
    brought, and the pseudonyms of new accounts."""
    done = rollups.fold_new_facts()
    done["attempts"] = quizfold.fold_pending()
    done["keys"] = reporting.ensure_learner_keys()
    reporting.refresh_hidden()
    db.session.commit()
    return done


def rebuild() -> dict:
    done = rollups.rebuild_activity()
    done["attempts"] = quizfold.rebuild_quizzes()
    done["keys"] = reporting.rebuild_learner_keys()
    db.session.commit()
    return done


def learner_registered(user_id: int) -> None:
    reporting.ensure_learner_keys([user_id])
    db.session.commit()
