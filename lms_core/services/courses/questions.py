"""A quiz's questions and their options."""

from __future__ import annotations

from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import Choice, Question, Quiz
from lms_core.models.quizzes import QUESTION_KINDS
from lms_core.services.courses.checks import _check_position, _raise_invalid, _text
from lms_core.services.courses.translations import _forget_translations


def _check_question(kind: str, text: str, points, choices, accepted_answers, position=None):
    """The question's data cleaned, or ServiceError with every field's problem.
    ``choices`` are (text, correct) or (text, correct, choice_id) tuples."""
    errors = {}
    if kind not in QUESTION_KINDS:
        errors["kind"] = _("Unknown question type.")
    text = _text(text)
    if not text.strip():
        errors["text"] = _("Enter the question.")
    if points is None or points < 0:
        errors["points"] = _("Points must be zero or more.")
    _check_position(position, errors)
    choices = [(c[0].strip(), bool(c[1]), c[2] if len(c) > 2 else None) for c in choices if (c[0] or "").strip()]
    if kind in ("single", "multiple"):
        if len(choices) < 2:
            errors["choices"] = _("Give at least two options.")
        elif kind == "single" and sum(1 for c in choices if c[1]) != 1:
            errors["choices"] = _("Mark exactly one option as correct.")
        elif kind == "multiple" and not any(c[1] for c in choices):
            errors["choices"] = _("Mark at least one option as correct.")
    accepted = [a.strip() for a in accepted_answers if (a or "").strip()]
    if kind == "text" and not accepted:
        errors["accepted_answers"] = _("Give at least one accepted answer.")
    _raise_invalid(errors)
    if kind == "text":
        return text.strip(), [], accepted
    return text.strip(), choices, []


def add_question(
    quiz: Quiz, kind: str, text: str, points: int = 1, choices=(), accepted_answers=(), position: int | None = None
) -> Question:
    """``choices`` is a list of (text, correct) pairs for choice questions; without
    ``position`` the question comes last."""
    text, choices, accepted = _check_question(kind, text, points, choices, accepted_answers, position)
    question = Question(
        kind=kind, text=text, points=points, accepted_answers=accepted, position=len(quiz.questions) + 1
    )
    question.choices = [Choice(text=t, correct=c, position=i) for i, (t, c, _id) in enumerate(choices, 1)]
    quiz.questions.append(question)
    if position is not None:
        _place_question(quiz, question, position)
    db.session.commit()
    return question


def update_question(
    question: Question, kind: str, text: str, points: int, choices=(), accepted_answers=(), position: int | None = None
) -> Question:
    """Change a question. Options given with their id keep it (and so their translations
    and the answers of past attempts); options left out are deleted. Attempts already
    submitted keep their score."""
    text, choices, accepted = _check_question(kind, text, points, choices, accepted_answers, position)
    existing = {c.id: c for c in question.choices}
    kept = []
    for number, (choice_text, correct, choice_id) in enumerate(choices, 1):
        choice = existing.pop(choice_id, None) if choice_id is not None else None
        choice = choice or Choice(text=choice_text, correct=correct)
        choice.text, choice.correct, choice.position = choice_text, correct, number
        kept.append(choice)
    _forget_translations(existing.values())
    question.kind, question.text, question.points = kind, text, points
    question.accepted_answers = accepted
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
