"""Levels: points thresholds with names. A course uses its teachers' levels, or the
platform's (set by an admin), or the built-in ones; the platform's leaderboard uses the
platform's. Reaching a level is announced once, even if points drop and rise again."""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms_core import ServiceError, db, notify
from lms_core.models import Course, User

from lms_gamification.models import Level, LevelUp, Score
from lms_gamification.upsert import insert

DEFAULT_LEVELS = [
    (0, _l("Newcomer")),
    (50, _l("Explorer")),
    (150, _l("Apprentice")),
    (400, _l("Achiever")),
    (1000, _l("Expert")),
    (2500, _l("Master")),
]
MAX_LEVELS = 20
MEMO_SECONDS = 5.0  # a renamed level shows in other processes within this time


@dataclass(frozen=True)
class LevelInfo:
    position: int  # 1 for the first level
    threshold: int
    name: object  # a string, or a lazy translated string for the built-in levels


def scope_of(course_id: int | None) -> str:
    return f"course:{course_id}" if course_id else "platform"


def _stored(scope: str) -> list[tuple[int, str]]:
    """A scope's own levels; each process keeps them ``MEMO_SECONDS`` (every leaderboard
    row shows a level, and a round trip per page would cost more than the page)."""
    memo = current_app.extensions.setdefault("lms_gamification_levels", {})
    now = time.monotonic()
    hit = memo.get(scope)
    if hit is not None and now - hit[0] < MEMO_SECONDS:
        return hit[1]
    rows = [
        tuple(r)
        for r in db.session.execute(
            db.select(Level.threshold, Level.name).where(Level.scope == scope).order_by(Level.position)
        ).all()
    ]
    memo[scope] = (now, rows)
    return rows


def levels_for(course_id: int | None) -> list[LevelInfo]:
    """The levels in force, names in the reader's language for the built-in ones."""
    stored = _stored(scope_of(course_id)) if course_id else []
    if not stored:
        stored = _stored("platform")
    if not stored:
        stored = DEFAULT_LEVELS
    return [LevelInfo(i, t, n) for i, (t, n) in enumerate(stored, 1)]


def level_of(points: int, levels: list[LevelInfo]) -> LevelInfo:
    index = bisect_right([lv.threshold for lv in levels], points) - 1
    return levels[max(index, 0)]


MAX_THRESHOLD = 10**12  # points: far past any real total, and within a 64-bit column


def set_levels(course_id: int | None, pairs: list[tuple[object, object]]) -> list[LevelInfo]:
    """Replace a scope's levels with (threshold, name) pairs; the first starts at 0."""
    errors, cleaned = {}, []
    for index, (threshold, name) in enumerate(pairs):
        name = (name or "").strip()
        if threshold in (None, "") and not name:
            continue
        try:
            value = int(threshold)
            if not 0 <= value <= MAX_THRESHOLD:
                raise ValueError
        except (TypeError, ValueError):
            errors[f"threshold-{index}"] = _("Enter a whole number.")
            continue
        if not name:
            errors[f"name-{index}"] = _("Name the level.")
        elif len(name) > 80:
            errors[f"name-{index}"] = _("The name is too long (80 characters at most).")
        cleaned.append((value, name))
    if not errors:
        thresholds = [t for t, _n in cleaned]
        if not cleaned:
            errors["levels"] = _("Give at least one level.")
        elif thresholds[0] != 0:
            errors["levels"] = _("The first level starts at 0 points.")
        elif any(b <= a for a, b in zip(thresholds, thresholds[1:])):
            errors["levels"] = _("Each level needs more points than the one before.")
        elif len(cleaned) > MAX_LEVELS:
            errors["levels"] = _("At most %(n)d levels.", n=MAX_LEVELS)
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    scope = scope_of(course_id)
    db.session.execute(db.delete(Level).where(Level.scope == scope))
    for position, (threshold, name) in enumerate(cleaned, 1):
        db.session.add(Level(scope=scope, course_id=course_id, position=position, threshold=threshold, name=name))
    db.session.commit()
    current_app.extensions.pop("lms_gamification_levels", None)
    return levels_for(course_id)


def announce_new_levels(user_id: int, course_id: int | None) -> list[LevelInfo]:
    """Tell the person about each scope's highest newly reached level (platform, and the
    course when given); returns the levels announced."""
    announced = []
    for scope_course in [None, course_id] if course_id else [None]:
        board = f"c{scope_course}" if scope_course else "all"
        points = (
            db.session.execute(
                db.select(Score.points).where(Score.board == board, Score.user_id == user_id)
            ).scalar_one_or_none()
            or 0
        )
        levels = levels_for(scope_course)
        reached = level_of(points, levels)
        if reached.position <= 1:
            continue
        scope = scope_of(scope_course)
        new = []
        for level in levels[1 : reached.position]:
            inserted = db.session.execute(
                insert(LevelUp)
                .values(user_id=user_id, scope=scope, position=level.position)
                .on_conflict_do_nothing(index_elements=["user_id", "scope", "position"])
                .returning(LevelUp.id)
            ).scalar_one_or_none()
            if inserted is not None:
                new.append(level)
        db.session.commit()
        if new:
            _announce(user_id, scope_course, new[-1])
            announced.append(new[-1])
    return announced


def _announce(user_id: int, course_id: int | None, level: LevelInfo) -> None:
    from lms_core import path_for

    from lms_gamification import notices

    from lms_core import name_params

    params = {"level": str(level.name), "course": ""}
    course = db.session.get(Course, course_id) if course_id else None
    if course is not None:
        params.update(name_params("course", course, db.session.get(User, user_id)))
    if not isinstance(level.name, str):  # a built-in level: its name is translated when shown
        params["builtin_level"] = level.position
    notify(user_id, notices.LEVEL, url=path_for("gamification.profile"), params=params)
