"""Kinds of badge criteria: what a person must have done to earn a badge.

Every kind, the plugin's own included, comes through the
``lms_gamification_badge_criteria`` hook, so a third-party kind is offered in the badge
editor and checked exactly like the built-in ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms_core import call_hook, db
from lms_core.models import Attempt, Enrollment, Quiz

from lms_gamification.models import ActiveDay, SubmissionFact


@dataclass(frozen=True)
class CriterionParam:
    """A whole-number setting of a criterion, asked for in the badge editor."""

    name: str
    label: object  # a (lazy) translated string
    default: int
    minimum: int = 1
    maximum: int = 100_000


@dataclass(frozen=True)
class BadgeCriterion:
    """A kind of criterion.

    ``met(user_id, course_id, params)`` answers whether the person has done it:
    ``course_id`` is the badge's course, or ``None`` for a platform badge (anywhere on
    the platform); ``params`` holds the badge's values of ``params``. It runs in a job
    after each event the plugin handles, so it should be one or two indexed queries.
    ``describe(params)`` is the sentence shown to learners and put in Open Badges
    criteria; by default the label.
    """

    kind: str
    label: object
    met: Callable[[int, int | None, dict], bool]
    params: tuple[CriterionParam, ...] = field(default=())
    describe: Callable[[dict], str] | None = None

    def sentence(self, params: dict) -> str:
        return self.describe(params) if self.describe else str(self.label)

    def clean_params(self, raw: dict) -> tuple[dict, dict]:
        """Validated params and the errors per field (in the user's language)."""
        values, errors = {}, {}
        for param in self.params:
            value = raw.get(param.name, param.default)
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors[param.name] = _("Enter a whole number.")
                continue
            if not param.minimum <= value <= param.maximum:
                errors[param.name] = _(
                    "Enter a number from %(low)d to %(high)d.", low=param.minimum, high=param.maximum
                )
                continue
            values[param.name] = value
        return values, errors


def _passed_quiz_count(user_id: int, course_id: int | None) -> int:
    query = db.select(db.func.count(db.distinct(Attempt.quiz_id))).where(
        Attempt.user_id == user_id, Attempt.passed.is_(True)
    )
    if course_id is not None:
        query = query.join(Quiz, Quiz.id == Attempt.quiz_id).where(Quiz.course_id == course_id)
    return db.session.execute(query).scalar_one()


def first_quiz_passed(user_id, course_id, params) -> bool:
    return _passed_quiz_count(user_id, course_id) >= 1


def quizzes_passed(user_id, course_id, params) -> bool:
    return _passed_quiz_count(user_id, course_id) >= params.get("count", 5)


def perfect_score(user_id, course_id, params) -> bool:
    query = db.select(Attempt.id).where(
        Attempt.user_id == user_id, Attempt.percent >= 100, Attempt.submitted_at.is_not(None)
    )
    if course_id is not None:
        query = query.join(Quiz, Quiz.id == Attempt.quiz_id).where(Quiz.course_id == course_id)
    return db.session.execute(query.limit(1)).first() is not None


def course_completed(user_id, course_id, params) -> bool:
    query = db.select(Enrollment.id).where(Enrollment.user_id == user_id, Enrollment.status == "completed")
    if course_id is not None:
        query = query.where(Enrollment.course_id == course_id)
    return db.session.execute(query.limit(1)).first() is not None


def assignment_early(user_id, course_id, params) -> bool:
    query = db.select(SubmissionFact.submission_id).where(
        SubmissionFact.user_id == user_id, SubmissionFact.hours_early >= params.get("hours", 24)
    )
    if course_id is not None:
        query = query.where(SubmissionFact.course_id == course_id)
    return db.session.execute(query.limit(1)).first() is not None


def active_streak(user_id, course_id, params) -> bool:
    """``days`` active days in a row, ending on the most recent active day."""
    days = params.get("days", 7)
    query = db.select(ActiveDay.day).where(ActiveDay.user_id == user_id).distinct()
    if course_id is not None:
        query = query.where(ActiveDay.course_id == course_id)
    recent = list(db.session.execute(query.order_by(ActiveDay.day.desc()).limit(days)).scalars())
    if len(recent) < days:
        return False
    return all(a - b == timedelta(days=1) for a, b in zip(recent, recent[1:]))


def builtin_criteria() -> list[BadgeCriterion]:
    return [
        BadgeCriterion("first_quiz_passed", _l("First quiz passed"), first_quiz_passed),
        BadgeCriterion("perfect_score", _l("A perfect score in a quiz"), perfect_score),
        BadgeCriterion(
            "quizzes_passed",
            _l("A number of quizzes passed"),
            quizzes_passed,
            params=(CriterionParam("count", _l("Quizzes"), default=5),),
            describe=lambda p: _("Pass %(count)d quizzes.", count=p.get("count", 5)),
        ),
        BadgeCriterion("course_completed", _l("Course completed"), course_completed),
        BadgeCriterion(
            "assignment_early",
            _l("An assignment handed in early"),
            assignment_early,
            params=(CriterionParam("hours", _l("Hours before the deadline"), default=24),),
            describe=lambda p: _(
                "Hand in an assignment at least %(hours)d hours before its deadline.", hours=p.get("hours", 24)
            ),
        ),
        BadgeCriterion(
            "active_streak",
            _l("A streak of active days"),
            active_streak,
            params=(CriterionParam("days", _l("Days in a row"), default=7, minimum=2, maximum=3650),),
            describe=lambda p: _("Be active %(days)d days in a row.", days=p.get("days", 7)),
        ),
    ]


def criteria_by_kind() -> dict[str, BadgeCriterion]:
    """Every kind offered by an enabled plugin, the plugin's own first."""
    kinds: dict[str, BadgeCriterion] = {}
    for criteria in call_hook("lms_gamification_badge_criteria"):
        for criterion in criteria:
            kinds.setdefault(criterion.kind, criterion)
    return kinds
