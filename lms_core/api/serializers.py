"""Rows to JSON. What a learner may see is decided here: correct answers leave the
server in :func:`quiz` only for the course's staff, and in :func:`attempt` as the
quiz's review policy allows."""

from __future__ import annotations

from flask import g

from lms_core import i18n
from lms_core.extensions import db
from lms_core.i18n import ContentTranslations, translations_in
from lms_core.models import Lesson
from lms_core.services import markdown, quizzes


def when(value) -> str | None:
    return value.isoformat() if value is not None else None


def page_of(query, serialize, page: int, per_page: int) -> dict:
    """One page of a ``select`` and the total number of rows it matches."""
    total = db.session.execute(db.select(db.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars()
    return {"items": [serialize(row) for row in rows], "page": page, "per_page": per_page, "total": total}


def user(row) -> dict:
    return {
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "locale": row.locale,
        "timezone": row.timezone,
        "created_at": when(row.created_at),
    }


def course(row, texts: ContentTranslations, can_edit: bool) -> dict:
    return {
        "id": row.id,
        "slug": row.slug,
        "title": texts.get(row, "title"),
        "summary": texts.get(row, "summary"),
        "default_language": row.default_language,
        "language": texts.language,
        "published": row.published,
        "can_edit": can_edit,
        "updated_at": when(row.updated_at),
    }


def outline_item(item, texts: ContentTranslations, done: bool) -> dict:
    kind = "lesson" if isinstance(item, Lesson) else "quiz"
    entry = {
        "type": kind,
        "id": item.id,
        "title": texts.get(item, "title"),
        "position": item.position,
        "published": item.published,
    }
    entry["completed" if kind == "lesson" else "passed"] = done
    return entry


def lesson(row, texts: ContentTranslations, completed: bool) -> dict:
    body = texts.get(row, "body")
    return {
        "id": row.id,
        "course_id": row.course_id,
        "position": row.position,
        "title": texts.get(row, "title"),
        "body_markdown": body,
        "body_html": str(markdown.render(body)),
        "language": texts.language,
        "published": row.published,
        "completed": completed,
        "updated_at": when(row.updated_at),
    }


def quiz(
    row, texts: ContentTranslations, with_answers: bool, attempts_left: int | None, open_attempt_id: int | None
) -> dict:
    return {
        "id": row.id,
        "course_id": row.course_id,
        "position": row.position,
        "title": texts.get(row, "title"),
        "description": texts.get(row, "description"),
        "language": texts.language,
        "pass_percent": row.pass_percent,
        "max_attempts": row.max_attempts,
        "time_limit_minutes": row.time_limit_minutes,
        "published": row.published,
        "review_policy": row.review_policy,
        "due_at": when(row.due_at),
        "attempts_left": attempts_left,
        "open_attempt_id": open_attempt_id,
        "questions": [question(q, texts, with_answers) for q in row.questions],
    }


def _option_id(row, choice, viewer: int, with_answers: bool) -> int:
    """A learner's id of a matching or ordering option (``quizzes.option_code``): the
    choice's own id would give the answer away."""
    if with_answers or row.kind not in ("matching", "ordering"):
        return choice.id
    return quizzes.option_code(viewer, row.id, choice.id)


def question(row, texts: ContentTranslations, with_answers: bool) -> dict:
    """Learners get an ordering question's items and a matching question's matches
    shuffled (the stored order is the answer); staff get everything as stored."""
    viewer = g.user.id if g.get("user") is not None else 0
    items = row.choices if with_answers or row.kind != "ordering" else quizzes.shuffled(row, viewer)
    entry = {
        "id": row.id,
        "kind": row.kind,
        "text": texts.get(row, "text"),
        "points": row.points,
        "choices": [{"id": _option_id(row, c, viewer, with_answers), "text": texts.get(c, "text")} for c in items],
    }
    if row.kind == "matching":
        matches = row.choices if with_answers else quizzes.shuffled(row, viewer)
        entry["choices"] = [{"id": c.id, "text": texts.get(c, "text")} for c in items]  # the items, in order
        entry["matches"] = [
            {"id": _option_id(row, c, viewer, with_answers), "text": texts.get(c, "match") or ""} for c in matches
        ]
    if with_answers:
        for shown, choice in zip(entry["choices"], row.choices):
            shown["correct"] = choice.correct
        entry["accepted_answers"] = list(row.accepted_answers or [])
        entry["tolerance"] = row.tolerance
        entry["feedback"] = row.feedback or ""
    return entry


def attempt(row, staff: bool = False) -> dict:
    """``staff``: the caller teaches the course (the correct answers whatever the policy)."""
    submitted = row.submitted_at is not None
    deadline = quizzes.deadline(row)
    entry = {
        "id": row.id,
        "quiz_id": row.quiz_id,
        "course_id": row.quiz.course_id,
        "user": {"id": row.user_id, "name": row.user.name},
        "number": row.number,
        "status": "submitted" if submitted else "open",
        "started_at": when(row.started_at),
        "deadline": when(deadline),
        "submitted_at": when(row.submitted_at),
        "answers": row.answers if submitted else {},
        "score": row.score,
        "max_score": row.max_score,
        "percent": row.percent,
        "passed": row.passed,
        "timed_out": row.timed_out,
        "needs_grading": bool(row.needs_grading),
        "graded_at": when(row.graded_at),
        "results": None,
        "comments": dict(row.comments or {}) if submitted else {},
        "review": None,
    }
    if submitted:
        # Points earned per question (null: an essay not graded yet); the correct answers
        # and feedback only as the quiz's review policy allows.
        entry["results"] = quizzes.question_scores(row)
        if quizzes.review_shown(row, staff=staff):
            texts = translations_in(row.quiz.course, content_language_or_default())  # once per course and request
            entry["review"] = {
                str(q.id): {"correct_answer": quizzes.correct_answer(q), "feedback": texts.get(q, "feedback") or ""}
                for q in row.quiz.questions
            }
    return entry


def content_language_or_default() -> str:
    from lms_core.api.validation import content_language

    return content_language()


def enrollment(row) -> dict:
    return {
        "id": row.id,
        "course": {"id": row.course.id, "slug": row.course.slug, "title": i18n.localized(row.course, "title")},
        "status": row.status,
        "hold_reason": row.hold_reason,
        "enrolled_at": when(row.enrolled_at),
        "completed_at": when(row.completed_at),
    }


def progress(course_row, state) -> dict:
    return {
        "course_id": course_row.id,
        "percent": state.percent,
        "met": state.met,
        "total": len(state.requirements),
        "complete": state.complete,
        "enrollment": enrollment(state.enrollment) if state.enrollment is not None else None,
        "requirements": [{"label": str(r.label), "met": bool(r.met), "url": r.url} for r in state.requirements],
    }


def notification(row) -> dict:
    """In the caller's current language where the kind's plugin renders it."""
    from lms_core.services.notifications import shown_texts

    title, body = shown_texts([row])[row.id]
    return {
        "id": row.id,
        "kind": row.kind,
        "title": title,
        "body": body,
        "url": row.url,
        "created_at": when(row.created_at),
        "read_at": when(row.read_at),
        "read": row.read_at is not None,
    }
