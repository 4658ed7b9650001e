"""A quiz's questions and their options."""

from __future__ import annotations

import math

from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import Choice, Question, Quiz
from lms_core.models.quizzes import QUESTION_KINDS
from lms_core.services.courses.checks import _check_position, _raise_invalid, _text
from lms_core.services.courses.translations import _forget_translations


def parse_number(raw) -> float | None:
    """A number as people type it: ``3.5``, ``3,5``, ``-2``, `` 1e3 ``; None when it is not one."""
    text = str(raw).strip().replace(",", ".").replace("\u2212", "-")
    if not text or len(text) > 50:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check_question(kind, text, points, choices, accepted_answers, position, tolerance, feedback, matches):
    """The question's data cleaned, or ServiceError with every field's problem.
    ``choices`` are (text, correct) or (text, correct, choice_id) tuples; ``matches`` (for
    matching questions) the text each choice is matched with, in the same order."""
    errors = {}
    if kind not in QUESTION_KINDS:
        errors["kind"] = _("Unknown question type.")
    text = _text(text)
    if not text.strip():
        errors["text"] = _("Enter the question.")
    if points is None or points < 0:
        errors["points"] = _("Points must be zero or more.")
    _check_position(position, errors)
    matches = list(matches or ())
    rows = []
    for index, c in enumerate(choices):
        match = (matches[index] if index < len(matches) else "") or ""
        if (c[0] or "").strip() or (kind == "matching" and match.strip()):
            rows.append(((c[0] or "").strip(), bool(c[1]), c[2] if len(c) > 2 else None, match.strip()))
    if kind in ("single", "multiple", "matching", "ordering") and len(rows) < 2:
        errors["choices"] = _("Give at least two options.")
    elif kind == "single" and sum(1 for c in rows if c[1]) != 1:
        errors["choices"] = _("Mark exactly one option as correct.")
    elif kind == "multiple" and not any(c[1] for c in rows):
        errors["choices"] = _("Mark at least one option as correct.")
    elif kind == "matching" and not all(c[0] and c[3] for c in rows):
        errors["choices"] = _("Give every item the text it is matched with.")
    elif kind == "matching" and len({c[3].casefold() for c in rows}) != len(rows):
        errors["choices"] = _("Each item needs its own match: two items have the same one.")
    accepted = [a.strip() for a in accepted_answers if (a or "").strip()]
    if kind == "text" and not accepted:
        errors["accepted_answers"] = _("Give at least one accepted answer.")
    if kind == "numeric":
        if not accepted:
            errors["accepted_answers"] = _("Give at least one accepted number.")
        elif any(parse_number(a) is None for a in accepted):
            errors["accepted_answers"] = _("Each accepted answer must be a number, such as 3.14.")
        if tolerance is not None and (not math.isfinite(tolerance) or tolerance < 0):
            errors["tolerance"] = _("The tolerance must be zero or more.")
    feedback = _text(feedback or "")
    _raise_invalid(errors)
    if kind in ("single", "multiple"):
        rows = [(t, c, i, None) for t, c, i, _m in rows]
    elif kind in ("matching", "ordering"):
        rows = [(t, True, i, m if kind == "matching" else None) for t, _c, i, m in rows]
    else:
        rows = []
    if kind not in ("text", "numeric"):
        accepted = []
    if kind == "numeric":
        accepted = [repr_number(parse_number(a)) for a in accepted]
    return dict(
        text=text.strip(),
        choices=rows,
        accepted=accepted,
        tolerance=(tolerance or 0.0) if kind == "numeric" else None,
        feedback=feedback.strip(),
    )


def repr_number(value: float) -> str:
    """``3.0`` as ``3``, other numbers as Python writes them."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def add_question(
    quiz: Quiz,
    kind: str,
    text: str,
    points: int = 1,
    choices=(),
    accepted_answers=(),
    position: int | None = None,
    *,
    tolerance: float | None = None,
    feedback: str = "",
    matches=(),
) -> Question:
    """``choices`` is a list of (text, correct) pairs for choice questions, the items in
    their correct order for ordering questions, and the left-hand items for matching
    questions (``matches`` their right-hand texts); without ``position`` the question
    comes last. Numeric questions take their accepted numbers in ``accepted_answers``."""
    clean = _check_question(kind, text, points, choices, accepted_answers, position, tolerance, feedback, matches)
    question = Question(
        kind=kind,
        text=clean["text"],
        points=points,
        accepted_answers=clean["accepted"],
        tolerance=clean["tolerance"],
        feedback=clean["feedback"],
        position=len(quiz.questions) + 1,
    )
    question.choices = [
        Choice(text=t, correct=c, match=m, position=i) for i, (t, c, _id, m) in enumerate(clean["choices"], 1)
    ]
    quiz.questions.append(question)
    if position is not None:
        _place_question(quiz, question, position)
    db.session.commit()
    return question


def update_question(
    question: Question,
    kind: str,
    text: str,
    points: int,
    choices=(),
    accepted_answers=(),
    position: int | None = None,
    *,
    tolerance: float | None = None,
    feedback: str = "",
    matches=(),
) -> Question:
    """Change a question. Options given with their id keep it (and so their translations
    and the answers of past attempts); options left out are deleted. Attempts already
    submitted keep their score."""
    clean = _check_question(kind, text, points, choices, accepted_answers, position, tolerance, feedback, matches)
    existing = {c.id: c for c in question.choices}
    kept = []
    for number, (choice_text, correct, choice_id, match) in enumerate(clean["choices"], 1):
        choice = existing.pop(choice_id, None) if choice_id is not None else None
        choice = choice or Choice(text=choice_text, correct=correct)
        choice.text, choice.correct, choice.match, choice.position = choice_text, correct, match, number
        kept.append(choice)
    _forget_translations(existing.values())
    question.kind, question.text, question.points = kind, clean["text"], points
    question.accepted_answers = clean["accepted"]
    question.tolerance = clean["tolerance"]
    question.feedback = clean["feedback"]
    question.choices = kept
    if position is not None:
        _place_question(question.quiz, question, position)
    db.session.commit()
    return question


def delete_question(question: Question) -> None:
    quiz = question.quiz
    _forget_translations([question, *question.choices])
    quiz.questions.remove(question)
    for number, other in enumerate(quiz.questions, 1):
        other.position = number
    db.session.commit()


def _place_question(quiz: Quiz, question: Question, position: int) -> None:
    others = [q for q in quiz.questions if q is not question]
    index = min(max(position, 1), len(others) + 1) - 1
    for number, other in enumerate([*others[:index], question, *others[index:]], 1):
        other.position = number
