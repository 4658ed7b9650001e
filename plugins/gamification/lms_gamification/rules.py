"""What each achievement is worth, and the awards each event earns.

The points come from the course's rules, falling back to the platform's defaults (set
by an admin), falling back to ``DEFAULT_POINTS``. Every award names its cause, which
keeps it to one per person and cause (see ``lms_gamification.ledger``).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms_core import ServiceError, cache, db

from lms_gamification import ledger
from lms_gamification.models import PointRules

DEFAULT_POINTS = {
    "quiz_pass": 10,
    "quiz_score_bonus": 5,
    "quiz_first_attempt_bonus": 5,
    "lesson_completed": 2,
    "course_completed": 50,
    "assignment_graded": 20,
}
RULE_LABELS = {
    "quiz_pass": _l("Passing a quiz"),
    "quiz_score_bonus": _l("Score bonus (for full marks, in proportion below)"),
    "quiz_first_attempt_bonus": _l("Bonus for passing on the first attempt"),
    "lesson_completed": _l("Completing a lesson"),
    "course_completed": _l("Completing the course"),
    "assignment_graded": _l("A graded assignment (for full marks, in proportion below)"),
}
MAX_POINTS = 100_000
CACHE = "gamification-rules"


def scope_of(course_id: int | None) -> str:
    return f"course:{course_id}" if course_id else "platform"


def stored_rules(course_id: int | None) -> dict[str, int | None]:
    """The values set for this scope (``None``: inherited)."""
    row = db.session.get(PointRules, scope_of(course_id))
    return {name: getattr(row, name) if row else None for name in DEFAULT_POINTS}


def effective_rules(course_id: int | None) -> dict[str, int]:
    def compute():
        values = dict(DEFAULT_POINTS)
        for scope_course in [None, course_id] if course_id else [None]:
            values.update({k: v for k, v in stored_rules(scope_course).items() if v is not None})
        return values

    return cache.get_or_compute(CACHE, scope_of(course_id), compute)


def set_rules(course_id: int | None, raw: dict) -> dict[str, int | None]:
    """Store a scope's rules from form or JSON values; an empty value inherits."""
    values, errors = {}, {}
    for name in DEFAULT_POINTS:
        value = raw.get(name)
        if value in (None, ""):
            values[name] = None
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number.")
            continue
        if not 0 <= value <= MAX_POINTS:
            errors[name] = _("Enter a number from %(low)d to %(high)d.", low=0, high=MAX_POINTS)
            continue
        values[name] = value
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    row = db.session.get(PointRules, scope_of(course_id)) or PointRules(scope=scope_of(course_id), course_id=course_id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.add(row)
    db.session.commit()
    cache.invalidate(CACHE)
    return values


def proportion(points: int, share: float) -> int:
    return max(0, round(points * min(max(share, 0.0), 1.0)))


# ---------------------------------------------------------------- awards per event


def award_quiz_pass(
    user_id: int, course_id: int, quiz_id: int, quiz_title: str, attempt_number: int, percent: float
) -> list[ledger.LedgerChange]:
    """Base points once per quiz, the score bonus raised by a better retake, and the
    first-attempt bonus only for attempt number 1."""
    rules = effective_rules(course_id)
    details = {"quiz": quiz_title, "percent": percent, "attempt": attempt_number}
    awards = [
        ("quiz_pass", f"quiz:{quiz_id}:pass", rules["quiz_pass"], ledger.ONCE),
        (
            "quiz_score_bonus",
            f"quiz:{quiz_id}:score",
            proportion(rules["quiz_score_bonus"], percent / 100),
            ledger.BEST,
        ),
    ]
    if attempt_number == 1:
        awards.append(
            (
                "quiz_first_attempt_bonus",
                f"quiz:{quiz_id}:first-attempt",
                rules["quiz_first_attempt_bonus"],
                ledger.ONCE,
            )
        )
    return _record_all(user_id, course_id, awards, details)


def award_lesson(user_id: int, course_id: int, lesson_id: int, lesson_title: str) -> list[ledger.LedgerChange]:
    points = effective_rules(course_id)["lesson_completed"]
    return _record_all(
        user_id,
        course_id,
        [("lesson_completed", f"lesson:{lesson_id}:done", points, ledger.ONCE)],
        {"lesson": lesson_title},
    )


def award_course(user_id: int, course_id: int, course_title: str) -> list[ledger.LedgerChange]:
    points = effective_rules(course_id)["course_completed"]
    return _record_all(
        user_id,
        course_id,
        [("course_completed", f"course:{course_id}:completed", points, ledger.ONCE)],
        {"course": course_title},
    )


def award_assignment(
    user_id: int, course_id: int, assignment_id: int, assignment_title: str, grade_points: float, max_points: float
) -> list[ledger.LedgerChange]:
    """In proportion to the grade; a regrade replaces the earlier value (up or down)."""
    share = grade_points / max_points if max_points else 0.0
    points = proportion(effective_rules(course_id)["assignment_graded"], share)
    details = {"assignment": assignment_title, "grade": grade_points, "max": max_points}
    return _record_all(
        user_id,
        course_id,
        [("assignment_graded", f"assignment:{assignment_id}:grade", points, ledger.REPLACE)],
        details,
    )


def _record_all(user_id, course_id, awards, details) -> list[ledger.LedgerChange]:
    changes = []
    for rule, cause, points, mode in awards:
        if mode == ledger.ONCE and points <= 0:
            continue  # a rule set to 0 awards nothing, and leaves no row to block it later
        change = ledger.record(user_id, course_id, rule, cause, points, details, mode)
        if change is not None:
            changes.append(change)
    return changes


# What an award's cause names (``quiz:12:pass``), as content translations name it.
_CAUSE_OBJECTS = {"quiz": ("quizzes", "quiz"), "lesson": ("lessons", "lesson"), "course": ("courses", "course")}
_CAUSE_OBJECTS["assignment"] = ("assignments_assignments", "assignment")


def describe_all(awards) -> dict[int, str]:
    """``{award id: why}`` for a page of the ledger, in the reader's language, the
    quiz, lesson, course or assignment titled as the reader reads the course (its
    default language as the fallback): every course's translations in one query."""
    from flask import has_request_context

    from lms_core import content_text, preload_content_translations
    from lms_core.models import Course

    awards = list(awards)
    course_ids = sorted({a.course_id for a in awards if a.course_id})
    courses = {}
    if course_ids and has_request_context():
        courses = {c.id: c for c in db.session.execute(db.select(Course).where(Course.id.in_(course_ids))).scalars()}
        preload_content_translations(list(courses.values()))
    described = {}
    for award in awards:
        details = dict(award.details or {})
        kind, _sep, rest = (award.cause or "").partition(":")
        found = _CAUSE_OBJECTS.get(kind)
        course = courses.get(award.course_id)
        object_id = rest.partition(":")[0]
        if found and course is not None and object_id.isdigit() and details.get(found[1]):
            details[found[1]] = content_text(course, found[0], int(object_id), "title", details[found[1]])
        described[award.id] = describe(award, details)
    return described


def describe(award, details: dict | None = None) -> str:
    """Why a ledger entry was awarded, in the reader's language (``details``: the
    award's, with titles in the reader's language; see ``describe_all``)."""
    d = details if details is not None else (award.details or {})
    texts = {
        "quiz_pass": lambda: _("Passed the quiz “%(title)s”", title=d.get("quiz", "")),
        "quiz_score_bonus": lambda: _(
            "Score bonus for the quiz “%(title)s” (best score %(percent)s %%)",
            title=d.get("quiz", ""),
            percent=_number(d.get("percent")),
        ),
        "quiz_first_attempt_bonus": lambda: _(
            "Passed the quiz “%(title)s” on the first attempt", title=d.get("quiz", "")
        ),
        "lesson_completed": lambda: _("Completed the lesson “%(title)s”", title=d.get("lesson", "")),
        "course_completed": lambda: _("Completed the course “%(title)s”", title=d.get("course", "")),
        "assignment_graded": lambda: _(
            "Assignment “%(title)s” graded %(grade)s of %(max)s",
            title=d.get("assignment", ""),
            grade=_number(d.get("grade")),
            max=_number(d.get("max")),
        ),
    }
    text = texts.get(award.rule)
    return text() if text else award.rule


def _number(value) -> str:
    from flask_babel import format_decimal

    return format_decimal(value or 0, "#,##0.##")
