"""The points ledger: one row per person and cause, the source of truth for points.

``record`` is idempotent by construction: the row's unique key is the award's cause
(``quiz:12:pass``), so a replayed event, a retried job, a double click or a second
worker finds the row already there and changes nothing. Awards that may change later
(a regraded assignment, a better score) are rewritten to their new value with a
compare-and-set, and the difference is what moves the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lms_core import db
from lms_core.models import utcnow

from lms_gamification import mirror
from lms_gamification.boards import ScoreRow, boards_for_award
from lms_gamification.models import PointAward, Profile, Score
from lms_gamification.upsert import insert

ONCE = "once"  # the first award for a cause stands
REPLACE = "replace"  # the latest value stands (a regrade)
BEST = "best"  # the highest value stands (a retake with a better score)
MODES = (ONCE, REPLACE, BEST)
COMPARE_AND_SET_TRIES = 20


class LedgerConflict(RuntimeError):
    """An award kept changing under us; the job fails and is retried."""


@dataclass
class LedgerChange:
    """What one ``record`` call changed: the person's points moved by ``delta``."""

    user_id: int
    course_id: int | None
    rule: str
    delta: int
    scores: list[ScoreRow] = field(default_factory=list)


def record(
    user_id: int,
    course_id: int | None,
    rule: str,
    cause: str,
    points: int,
    details: dict | None = None,
    mode: str = ONCE,
) -> LedgerChange | None:
    """Award ``points`` to a person for ``cause`` and move their totals; commits.

    Returns the change, or ``None`` when nothing changed (already awarded, or the new
    value is not different). Safe to call any number of times, from any number of
    processes at once.
    """
    if mode not in MODES:
        raise ValueError(mode)
    details = details or {}
    now = utcnow()
    for _try in range(COMPARE_AND_SET_TRIES):
        existing = db.session.execute(
            db.select(PointAward.id, PointAward.points, PointAward.created_at).where(
                PointAward.user_id == user_id, PointAward.cause == cause
            )
        ).first()
        if existing is None:
            inserted = db.session.execute(
                insert(PointAward)
                .values(
                    user_id=user_id,
                    course_id=course_id,
                    rule=rule,
                    cause=cause,
                    points=points,
                    details=details,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["user_id", "cause"])
                .returning(PointAward.id)
            ).scalar_one_or_none()
            if inserted is not None:
                delta, created_at = points, now
                break
            db.session.rollback()  # another worker inserted it a moment ago
            if mode == ONCE:
                return None
            continue
        if mode == ONCE:
            return None
        target = points if mode == REPLACE else max(points, existing.points)
        if target == existing.points:
            return None
        changed = db.session.execute(
            db.update(PointAward)
            .where(PointAward.id == existing.id, PointAward.points == existing.points)
            .values(points=target, details=details, updated_at=now)
        ).rowcount
        if changed:
            delta, created_at = target - existing.points, existing.created_at
            break
        db.session.rollback()
    else:
        raise LedgerConflict(f"award {cause!r} of user {user_id} kept changing")
    scores = add_to_scores(user_id, boards_for_award(course_id, created_at, now), delta, now) if delta else []
    db.session.commit()
    return LedgerChange(user_id, course_id, rule, delta, scores)


def add_to_scores(user_id: int, boards: list[str], delta: int, now) -> list[ScoreRow]:
    """Add ``delta`` to the person's row on each board, atomically in the database
    (no read-modify-write), and return the rows as they now are."""
    hidden = db.func.coalesce(db.select(Profile.hidden).where(Profile.user_id == user_id).scalar_subquery(), False)
    rows = []
    for board in boards:
        statement = insert(Score).values(
            board=board, user_id=user_id, points=delta, hidden=hidden, version=1, updated_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["board", "user_id"],
            set_={"points": Score.points + statement.excluded.points, "version": Score.version + 1, "updated_at": now},
        ).returning(Score.board, Score.points, Score.version, Score.hidden)
        row = db.session.execute(statement).one()
        rows.append(ScoreRow(row.board, user_id, row.points, row.version, bool(row.hidden)))
    return rows


def publish(changes: list[LedgerChange]) -> None:
    """After commit: mirror the new totals to Redis and tell the open pages."""
    from lms_core.realtime import course_room, push, user_room

    rows = [row for change in changes for row in change.scores]
    if not rows:
        return
    mirror.apply(rows)
    user_id = changes[0].user_id
    total = next((r.points for r in reversed(rows) if r.board == "all"), None)
    push(user_room(user_id), "gamification.points", {"points": total})
    # Course rooms learn only that the board changed, never whose points moved: a
    # student who hides from leaderboards stays hidden; each page asks for its view.
    for course_id in sorted({c.course_id for c in changes if c.course_id}):
        push(course_room(course_id), "gamification.leaderboard", {"course_id": course_id})


def total_points(user_id: int, board: str = "all") -> int:
    return (
        db.session.execute(
            db.select(Score.points).where(Score.board == board, Score.user_id == user_id)
        ).scalar_one_or_none()
        or 0
    )


def points_on_boards(user_id: int, boards: list[str]) -> dict[str, int]:
    """The user's points on each of these boards (0 where they have none), one query."""
    if not boards:
        return {}
    query = db.select(Score.board, Score.points).where(Score.user_id == user_id, Score.board.in_(boards))
    found = dict(db.session.execute(query).all())
    return {board: found.get(board) or 0 for board in boards}


def history(user_id: int, limit: int = 200) -> list[PointAward]:
    return list(
        db.session.execute(
            db.select(PointAward)
            .where(PointAward.user_id == user_id)
            .order_by(PointAward.created_at.desc(), PointAward.id.desc())
            .limit(limit)
        ).scalars()
    )
