"""The core's own completion requirements: every published lesson done and every
published quiz passed. Plugins add theirs through the same hook."""

from __future__ import annotations

from flask import g, has_request_context, url_for
from flask_babel import gettext as _

from hookspecs import hookimpl
from lms_core.extensions import db
from lms_core.models import Attempt, Course, Lesson, LessonCompletion, Quiz
from lms_core.services.progress import OUTLINE_MEMO, PROGRESS_MEMO, courses_in_view, done_and_passed, learners_in_view


@hookimpl(trylast=True)
def lms_completion_requirements(user, course):
    lessons, quizzes = _outline(user.id, course.id)  # (id, met, not met) each
    done, passed = _learner_progress(user.id, course.id)
    return [met if lesson_id in done else unmet for lesson_id, met, unmet in lessons] + [
        met if quiz_id in passed else unmet for quiz_id, met, unmet in quizzes
    ]


def _both(item_id: int, label: str, url: str | None) -> tuple:
    """(id, the requirement met, the same not met): built once per outline and shared by
    every learner's list (a Requirement is frozen), not built again for each of them: a
    page of 50 learners of a course with 200 items would build 10,000."""
    from lms_core.contracts import Requirement

    return item_id, Requirement(label=label, met=True, url=url), Requirement(label=label, met=False, url=url)


def _outline(user_id: int, course_id: int):
    """Published lessons and quizzes as (id, met, not met) (see ``_both``), kept between
    requests under the course's content version. One course: from its outline (shared
    with the course page). Many courses in view (a dashboard): those not kept yet read
    together, one query per table."""
    course_ids = courses_in_view(user_id)
    if course_id not in course_ids:
        from lms_core.services.courses.content_cache import kept

        course = db.session.get(Course, course_id)
        return kept(course, "completion.requirements", lambda: _worded_outline(course))
    memo = g.setdefault(OUTLINE_MEMO, {})
    if course_id not in memo:
        from lms_core.services.courses.content_cache import kept_many

        wanted = [c for c in course_ids if c not in memo]
        memo.update(kept_many(_courses(wanted), "completion.requirements.many", _read_outlines))
    return memo.get(course_id, ((), ()))  # a course deleted meanwhile has nothing to meet


def _read_outlines(courses) -> dict:
    """Each course's published lessons and quizzes, worded: one query per table for all."""
    wanted = [course.id for course in courses]
    translations = _translations(courses) if has_request_context() else {}
    lessons: dict[int, list] = {c: [] for c in wanted}
    quizzes: dict[int, list] = {c: [] for c in wanted}
    for row in db.session.execute(
        db.select(Lesson.course_id, Lesson.id, Lesson.title, Lesson.position).where(
            Lesson.course_id.in_(wanted), Lesson.published.is_(True)
        )
    ):
        lessons[row.course_id].append(row)
    for row in db.session.execute(
        db.select(Quiz.course_id, Quiz.id, Quiz.title, Quiz.position).where(
            Quiz.course_id.in_(wanted), Quiz.published.is_(True)
        )
    ):
        quizzes[row.course_id].append(row)
    return {c: _worded(lessons[c], quizzes[c], translations.get(c)) for c in wanted}


def _courses(course_ids) -> list[Course]:
    """The courses, from the session when the page has them already (a dashboard has)."""
    from lms_core.services.courses import courses_by_id

    return list(courses_by_id(course_ids).values())


def _translations(courses) -> dict:
    """Each course's content in the reader's language (with the course's default as the
    fallback), every course's read in one query and kept for the request."""
    if not has_request_context():  # a job: the labels are not shown to anyone
        return {}
    from lms_core.i18n import content_translations, preload_content_translations

    preload_content_translations(courses)
    return {course.id: content_translations(course) for course in courses}


def _worded(lessons, quizzes, translations=None):
    by_place = lambda item: (item.position, item.id)  # noqa: E731

    def title(kind: str, item) -> str:
        return translations.text(kind, item.id, "title", item.title) if translations is not None else item.title

    return (
        tuple(
            _both(
                lesson.id,
                _("Read the lesson “%(title)s”", title=title("lessons", lesson)),
                _url("learn.lesson", lesson_id=lesson.id),
            )
            for lesson in sorted((lesson for lesson in lessons if getattr(lesson, "published", True)), key=by_place)
        ),
        tuple(
            _both(
                quiz.id,
                _("Pass the quiz “%(title)s”", title=title("quizzes", quiz)),
                _url("learn.quiz", quiz_id=quiz.id),
            )
            for quiz in sorted((quiz for quiz in quizzes if getattr(quiz, "published", True)), key=by_place)
        ),
    )


def _worded_outline(course):
    """The labelled requirements of one course, from its outline (kept between requests)."""
    from lms_core.services.courses.outline import published_outline

    lessons, quizzes = [], []
    for entry in published_outline(course):
        if entry.kind == "lesson":
            lessons.append(_both(entry.id, _("Read the lesson “%(title)s”", title=entry.title), entry.url))
        else:
            quizzes.append(_both(entry.id, _("Pass the quiz “%(title)s”", title=entry.title), entry.url))
    return tuple(lessons), tuple(quizzes)


def _learner_progress(user_id: int, course_id: int) -> tuple[set[int], set[int]]:
    """Lessons done and quizzes passed; for every pair in view at once."""
    user_ids = learners_in_view(course_id)
    course_ids = courses_in_view(user_id)
    if user_id not in user_ids:
        return done_and_passed(user_id, course_id)
    memo = g.setdefault(PROGRESS_MEMO, {})
    key = (course_id, user_id)
    if key not in memo:
        if len(user_ids) >= 2:
            users, courses = user_ids, [course_id]
        else:
            users, courses = [user_id], course_ids
        found = {(c, u): (set(), set()) for u in users for c in courses}
        for uid, cid, lesson_id in db.session.execute(
            db.select(LessonCompletion.user_id, Lesson.course_id, LessonCompletion.lesson_id)
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .where(LessonCompletion.user_id.in_(users), Lesson.course_id.in_(courses))
        ):
            found[(cid, uid)][0].add(lesson_id)
        for uid, cid, quiz_id in db.session.execute(
            db.select(Attempt.user_id, Quiz.course_id, Attempt.quiz_id)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.user_id.in_(users), Quiz.course_id.in_(courses), Attempt.passed.is_(True))
        ):
            found[(cid, uid)][1].add(quiz_id)
        memo.update(found)
    return memo.pop(key)


def _url(endpoint, **values):
    try:
        return url_for(endpoint, **values)
    except RuntimeError:  # outside a request (a job): no URL needed
        return None
