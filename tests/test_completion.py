"""Course completion: lessons, quizzes and the requirements plugins add."""

from dataclasses import FrozenInstanceError

import pytest

from lms_core import Requirement, hookimpl
from lms_core.extensions import db
from lms_core.models import Enrollment
from lms_core.services import progress


def test_a_course_is_complete_only_when_every_lesson_is_done_and_every_quiz_passed(factory):
    course = factory.course()
    first, second = factory.lesson(course), factory.lesson(course)
    quiz = factory.quiz(course)
    student = factory.user()
    enrollment = factory.enrol(student, course)

    progress.complete_lesson(student, first)
    factory.attempt(student, quiz)
    assert db.session.get(Enrollment, enrollment.id).status == "active"
    assert progress.course_progress(student, course).percent == 67
    progress.complete_lesson(student, second)
    assert db.session.get(Enrollment, enrollment.id).status == "completed"


def test_unpublished_lessons_are_not_required(factory):
    course = factory.course()
    factory.lesson(course, published=False)
    lesson = factory.lesson(course)
    student = factory.user()
    enrollment = factory.enrol(student, course)
    progress.complete_lesson(student, lesson)
    assert db.session.get(Enrollment, enrollment.id).status == "completed"


def test_a_plugin_requirement_holds_completion_until_it_is_met(app, factory):
    state = {"met": False}

    class Homework:
        @hookimpl
        def lms_completion_requirements(self, user, course):
            return [Requirement("Hand in the homework", state["met"])]

    app.extensions["lms_plugins"].register(Homework(), name="homework")
    course = factory.course()
    lesson = factory.lesson(course)
    student = factory.user()
    enrollment = factory.enrol(student, course)
    progress.complete_lesson(student, lesson)
    assert db.session.get(Enrollment, enrollment.id).status == "active"
    assert [r.label for r in progress.course_progress(student, course).requirements if not r.met] == [
        "Hand in the homework"
    ]
    state["met"] = True
    assert progress.check_completion(student.id, course.id) is True
    assert progress.check_completion(student.id, course.id) is False  # once only
    assert db.session.get(Enrollment, enrollment.id).status == "completed"


def test_on_course_completed_fires_once_with_snapshots(app, factory):
    seen = []

    class Listener:
        @hookimpl
        def on_course_completed(self, user, course, enrollment):
            seen.append((user, course, enrollment))

    app.extensions["lms_plugins"].register(Listener(), name="listener")
    course = factory.course()
    lesson = factory.lesson(course)
    student = factory.user()
    factory.enrol(student, course)
    progress.complete_lesson(student, lesson)
    progress.complete_lesson(student, lesson)
    progress.check_completion(student.id, course.id)
    assert len(seen) == 1
    user, course_info, enrollment = seen[0]
    assert user.id == student.id and course_info.slug == course.slug and enrollment.status == "completed"
    with pytest.raises(FrozenInstanceError):
        user.name = "changed"  # payloads are read-only snapshots


def test_removing_the_last_missing_lesson_completes_waiting_learners(factory, run_jobs):
    from lms_core.services import courses

    course = factory.course()
    done, extra = factory.lesson(course), factory.lesson(course)
    student = factory.user()
    enrollment = factory.enrol(student, course)
    progress.complete_lesson(student, done)
    assert db.session.get(Enrollment, enrollment.id).status == "active"
    courses.delete_lesson(extra)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).status == "completed"


def test_time_spent_on_a_deleted_lesson_stays_in_the_course_total(factory, app):
    from lms_core.models import ActivityFact
    from lms_core.services import activity, courses

    course = factory.course()
    lesson = factory.lesson(course)
    student = factory.user()
    factory.enrol(student, course)
    activity.record_heartbeat(student, lesson, 30)
    courses.delete_lesson(lesson)
    db.session.expire_all()
    assert activity.seconds_on_course(student.id, course.id) == 30
    assert db.session.execute(db.select(ActivityFact.lesson_id)).scalar_one() is None


def test_the_step_that_completes_a_course_is_committed_with_the_completion(factory):
    """A process killed between two commits must not leave a learner with every lesson
    done and every quiz passed and the course not completed (the fault-injected
    deployment test found one): every commit that stores the last step stores the
    completion too."""
    from sqlalchemy import event, func, select

    from lms_core.models import Attempt, LessonCompletion

    course = factory.course()
    lesson, quiz = factory.lesson(course), factory.quiz(course)
    student = factory.user()
    factory.enrol(student, course)
    seen = []

    def after_commit(_session):
        with db.engine.connect() as other:  # what another process would read now
            seen.append(
                (
                    other.execute(select(func.count()).select_from(LessonCompletion)).scalar_one(),
                    other.execute(
                        select(func.count()).select_from(Attempt).where(Attempt.passed.is_(True))
                    ).scalar_one(),
                    other.execute(select(Enrollment.status)).scalar_one(),
                )
            )

    session = db.session()
    event.listen(session, "after_commit", after_commit)
    try:
        factory.attempt(student, quiz, correct=True)
        progress.complete_lesson(student, lesson)
    finally:
        event.remove(session, "after_commit", after_commit)
    assert (1, 1, "active") not in seen, seen
    assert seen[-1] == (1, 1, "completed")
