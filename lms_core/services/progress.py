from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy.exc import IntegrityError

from lms_core import events
from lms_core.contracts import Requirement
from lms_core.extensions import db
from lms_core.models import Attempt, Course, Enrollment, Lesson, LessonCompletion, Quiz, User, utcnow
from lms_core.payloads import CourseInfo, EnrollmentInfo, LessonInfo, UserInfo
from lms_core.extensions import get_plugin_manager
from lms_core.services import enrolment
from lms_core.sql import read


@dataclass
class CourseProgress:
    requirements: list[Requirement]
    enrollment: Enrollment | None

    @property
    def met(self) -> int:
        return sum(1 for r in self.requirements if r.met)

    @property
    def percent(self) -> int:
        if not self.requirements:
            return 100 if self.complete else 0
        return round(100 * self.met / len(self.requirements))

    @property
    def complete(self) -> bool:
        return self.enrollment is not None and self.enrollment.status == "completed"


def requirements(user: User, course: Course) -> list[Requirement]:
    return get_plugin_manager().call_flat(
        "lms_completion_requirements", user=UserInfo.of(user), course=CourseInfo.of(course)
    )


def course_progress(user: User, course: Course, enrollment: Enrollment | None = ...) -> CourseProgress:
    """``enrollment``: the learner's, when the caller has already read it."""
    if enrollment is ...:
        enrollment = enrolment.find(user.id, course.id)
    return CourseProgress(requirements(user, course), enrollment)


_IN_VIEW = "lms_progress_in_view"
# What the core's own requirements keep for one ``progress_of_many`` call.
OUTLINE_MEMO = "lms_completion_outline"
PROGRESS_MEMO = "lms_completion_progress"
_VIEW_MEMOS = "lms_progress_view_memos"


def progress_of_many(items: list[tuple[User, Course, Enrollment | None]]) -> list[CourseProgress]:
    """Progress of many (learner, course, enrolment) at once: a teacher's page about
    many learners of a course, a learner's dashboard of many courses.

    The requirement hooks are still asked pair by pair, but they may read all the
    pairs' data at once on the first call: ``learners_in_view(course_id)`` and
    ``courses_in_view(user_id)`` name the others while this runs (the core's own
    requirements do so), so a page costs a few statements whatever its length."""
    previous = g.get(_IN_VIEW)
    setattr(g, _IN_VIEW, _View({(user.id, course.id) for user, course, _e in items}))
    try:
        return [CourseProgress(requirements(user, course), enrollment) for user, course, enrollment in items]
    finally:
        setattr(g, _IN_VIEW, previous)
        g.pop(OUTLINE_MEMO, None)
        g.pop(PROGRESS_MEMO, None)
        g.pop(_VIEW_MEMOS, None)


def learners_progress(
    users: list[User], course: Course, enrollments: dict[int, Enrollment]
) -> dict[int, CourseProgress]:
    """Progress of many learners of one course, by user id (see ``progress_of_many``)."""
    found = progress_of_many([(user, course, enrollments.get(user.id)) for user in users])
    return {user.id: item for user, item in zip(users, found)}


class _View:
    """The (learner, course) pairs of one ``progress_of_many`` call, with each course's
    learners and each learner's courses sorted once: every requirement hook asks for
    them once per pair, so a page of 50 learners asks 150 times or more."""

    def __init__(self, pairs: set[tuple[int, int]]):
        self.pairs = pairs
        self._learners: dict[int, list[int]] | None = None
        self._courses: dict[int, list[int]] | None = None

    def learners(self, course_id: int) -> list[int]:
        if self._learners is None:
            self._learners = {}
            for user_id, other in sorted(self.pairs):
                self._learners.setdefault(other, []).append(user_id)
        return list(self._learners.get(course_id, ()))

    def courses(self, user_id: int) -> list[int]:
        if self._courses is None:
            self._courses = {}
            for other, course_id in sorted(self.pairs, key=lambda pair: (pair[1], pair[0])):
                self._courses.setdefault(other, []).append(course_id)
        return list(self._courses.get(user_id, ()))


def _view() -> _View | None:
    if not has_app_context():
        return None
    return g.get(_IN_VIEW)


def learners_in_view(course_id: int) -> list[int]:
    """The learners whose progress in ``course_id`` is being worked out together
    (``progress_of_many``), or an empty list. A requirement hook may load their data
    in one query and answer each of them from a memo kept for the request."""
    view = _view()
    return view.learners(course_id) if view is not None else []


def view_memo(name: str) -> dict:
    """A dict a requirement hook keeps while ``progress_of_many`` runs (what it read for
    every learner or course in view on the first call), dropped when it ends; outside
    such a call a new empty dict each time, so nothing outlives the page that read it.
    Name it after the plugin: ``view_memo("zoom.course_rules")``."""
    view = _view()
    if view is None or not view.pairs:
        return {}
    return g.setdefault(_VIEW_MEMOS, {}).setdefault(name, {})


def courses_in_view(user_id: int) -> list[int]:
    """The courses in which ``user_id``'s progress is being worked out together (a
    dashboard), or an empty list; see ``learners_in_view``."""
    view = _view()
    return view.courses(user_id) if view is not None else []


def completed_lesson_ids(user_id: int, course_id: int) -> set[int]:
    return set(done_and_passed(user_id, course_id)[0])


# Built once: the course page runs it on every view (building a SELECT costs about as
# much as running this one on SQLite).
_DONE_AND_PASSED = db.union_all(
    db.select(db.literal("lesson"), LessonCompletion.lesson_id)
    .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
    .where(LessonCompletion.user_id == db.bindparam("user_id"), Lesson.course_id == db.bindparam("course_id")),
    db.select(db.literal("quiz"), Attempt.quiz_id)
    .join(Quiz, Quiz.id == Attempt.quiz_id)
    .where(
        Attempt.user_id == db.bindparam("user_id"),
        Quiz.course_id == db.bindparam("course_id"),
        Attempt.passed.is_(True),
    ),
)


def done_and_passed(user_id: int, course_id: int) -> tuple[frozenset[int], frozenset[int]]:
    """The lessons a learner has done and the quizzes they passed in a course, in one
    statement, read once per database transaction (a page asks for them twice: the
    requirements and the outline; a commit starts a new transaction, so a change
    committed in between is always read afresh)."""
    session = db.session()
    transaction = session.get_transaction()
    memo = g.setdefault("lms_done_and_passed", {}) if has_app_context() else {}
    hit = memo.get((user_id, course_id))
    if transaction is not None and hit is not None and hit[0] is transaction:
        return hit[1]
    done, passed = set(), set()
    for kind, item_id in read(_DONE_AND_PASSED, {"user_id": user_id, "course_id": course_id}):
        (done if kind == "lesson" else passed).add(item_id)
    value = (frozenset(done), frozenset(passed))
    memo[(user_id, course_id)] = (session.get_transaction(), value)
    return value


def complete_lesson(user: User, lesson: Lesson) -> bool:
    """Mark a lesson done; ``on_lesson_completed`` fires the first time only."""
    if db.session.execute(
        db.select(LessonCompletion.id).where(
            LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson.id
        )
    ).first():
        return False
    db.session.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    events.emit("on_lesson_completed", user=UserInfo.of(user), lesson=LessonInfo.of(lesson))
    complete_if_met(user.id, lesson.course_id)  # in the same transaction: never done without it
    events.commit()
    return True


def check_completion(user_id: int, course_id: int) -> bool:
    """Complete the enrolment when every requirement is met; fires
    ``on_course_completed`` exactly once. Plugins call this when one of their own
    requirements becomes met (for example an assignment graded). Commits."""
    completed = complete_if_met(user_id, course_id)
    events.commit()
    return completed


def complete_if_met(user_id: int, course_id: int) -> bool:
    """``check_completion`` inside the caller's transaction, which commits it: the change
    that met the last requirement (a lesson done, a quiz passed) and the course's
    completion are written together, so a process that dies after the commit cannot
    leave a learner with everything done and the course not completed."""
    user = db.session.get(User, user_id)
    course = db.session.get(Course, course_id)
    enrollment = enrolment.find(user_id, course_id)
    if user is None or course is None or enrollment is None or enrollment.status != "active":
        return False
    if has_app_context():  # what this transaction read of the learner's progress before the change
        g.get("lms_done_and_passed", {}).pop((user_id, course_id), None)
        g.get(PROGRESS_MEMO, {}).pop((course_id, user_id), None)
    reqs = requirements(user, course)
    if not reqs or not all(r.met for r in reqs):
        return False
    # Conditional update: of two racing requests only one flips the state.
    now = utcnow()
    flipped = db.session.execute(
        db.update(Enrollment)
        .where(Enrollment.id == enrollment.id, Enrollment.status == "active")
        .values(status="completed", completed_at=now)
    ).rowcount
    if not flipped:
        return False
    db.session.refresh(enrollment)
    events.emit(
        "on_course_completed",
        user=UserInfo.of(user),
        course=CourseInfo.of(course),
        enrollment=EnrollmentInfo.of(enrollment),
    )
    return True


def recheck_course(course_id: int) -> int:
    """Job: check completion for every active learner of a course (after its
    requirements changed). Returns how many completed now."""
    user_ids = (
        db.session.execute(
            db.select(Enrollment.user_id).where(Enrollment.course_id == course_id, Enrollment.status == "active")
        )
        .scalars()
        .all()
    )
    return sum(1 for user_id in user_ids if check_completion(user_id, course_id))
