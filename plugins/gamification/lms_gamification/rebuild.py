"""Rebuilding the leaderboards from the ledger, and the periodic repair.

``rebuild()`` (``lms gamification rebuild``) recomputes every ``gamification_scores``
row from ``gamification_awards`` and reloads Redis from the result. ``repair()`` runs
every few minutes: it re-sends recently changed rows to Redis (a process that died
between its commit and its Redis write leaves the mirror behind; versions make the
re-send harmless), fixes rows whose hidden flag lags the person's choice, and drops
weekly rows no longer shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from lms_core import db
from lms_core.models import utcnow

from lms_gamification import mirror
from lms_gamification.boards import ScoreRow, boards_for_award, is_weekly, weekly_cutoff
from lms_gamification.models import PointAward, Profile, Score

REPAIR_LOOKBACK = timedelta(minutes=15)
BATCH = 5000


@dataclass
class RebuildReport:
    boards: int = 0
    rows: int = 0
    changed: int = 0
    removed: int = 0


def compute_totals(now: datetime | None = None) -> dict[tuple[str, int], int]:
    """Every (board, user id) total, straight from the ledger."""
    now = now or utcnow()
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for user_id, points in db.session.execute(
        db.select(PointAward.user_id, db.func.sum(PointAward.points)).group_by(PointAward.user_id)
    ):
        totals[("all", user_id)] += int(points)
    for course_id, user_id, points in db.session.execute(
        db.select(PointAward.course_id, PointAward.user_id, db.func.sum(PointAward.points))
        .where(PointAward.course_id.is_not(None))
        .group_by(PointAward.course_id, PointAward.user_id)
    ):
        totals[(f"c{course_id}", user_id)] += int(points)
    since = datetime.combine(weekly_cutoff(now), time(), tzinfo=timezone.utc)
    for user_id, course_id, created_at, points in db.session.execute(
        db.select(PointAward.user_id, PointAward.course_id, PointAward.created_at, PointAward.points).where(
            PointAward.created_at >= since
        )
    ):
        for board in boards_for_award(course_id, created_at, now):
            if is_weekly(board):
                totals[(board, user_id)] += points
    return totals


def rebuild() -> RebuildReport:
    """Make the summary table equal to the ledger, then Redis equal to the table."""
    now = utcnow()
    report = RebuildReport()
    if db.session.get_bind().dialect.name == "postgresql":
        # Awards made meanwhile wait for this transaction, then add to the rebuilt rows.
        db.session.execute(db.text("LOCK TABLE gamification_scores IN EXCLUSIVE MODE"))
    totals = compute_totals(now)
    hidden_people = set(db.session.execute(db.select(Profile.user_id).where(Profile.hidden.is_(True))).scalars())
    existing = {
        (r.board, r.user_id): r
        for r in db.session.execute(
            db.select(Score.board, Score.user_id, Score.points, Score.hidden, Score.version)
        ).all()
    }
    stale = [key for key in existing if key not in totals]
    for start in range(0, len(stale), BATCH):
        for board, user_id in stale[start : start + BATCH]:
            db.session.execute(db.delete(Score).where(Score.board == board, Score.user_id == user_id))
    report.removed = len(stale)
    inserts = []
    for (board, user_id), points in totals.items():
        hidden = user_id in hidden_people
        row = existing.get((board, user_id))
        if row is None:
            inserts.append(
                {
                    "board": board,
                    "user_id": user_id,
                    "points": points,
                    "hidden": hidden,
                    "version": 1,
                    "updated_at": now,
                }
            )
        elif row.points != points or bool(row.hidden) != hidden:
            db.session.execute(
                db.update(Score)
                .where(Score.board == board, Score.user_id == user_id)
                .values(points=points, hidden=hidden, version=row.version + 1, updated_at=now)
            )
            report.changed += 1
    for start in range(0, len(inserts), BATCH):
        db.session.execute(db.insert(Score), inserts[start : start + BATCH])
    report.changed += len(inserts)
    db.session.commit()

    boards: dict[str, list[ScoreRow]] = defaultdict(list)
    for board, user_id, points, hidden, version in db.session.execute(
        db.select(Score.board, Score.user_id, Score.points, Score.hidden, Score.version)
    ):
        boards[board].append(ScoreRow(board, user_id, points, version, bool(hidden)))
    mirror.reload(boards)
    report.boards, report.rows = len(boards), sum(len(rows) for rows in boards.values())
    return report


def repair(now: datetime | None = None) -> int:
    """The periodic sweep; returns how many rows it sent to Redis."""
    now = now or utcnow()
    lagging = db.session.execute(
        db.select(Score.board, Score.user_id, Profile.hidden)
        .join(Profile, Profile.user_id == Score.user_id)
        .where(Score.hidden != Profile.hidden)
        .order_by(Score.user_id, Score.board)
    ).all()
    for board, user_id, hidden in lagging:
        db.session.execute(
            db.update(Score)
            .where(Score.board == board, Score.user_id == user_id)
            .values(hidden=hidden, version=Score.version + 1, updated_at=now)
        )
    cutoff = datetime.combine(weekly_cutoff(now), time(), tzinfo=timezone.utc)
    db.session.execute(db.delete(Score).where(Score.board.like("%:w%"), Score.updated_at < cutoff))
    db.session.commit()
    if mirror.connection() is None:
        return 0
    recent = db.session.execute(
        db.select(Score.board, Score.user_id, Score.points, Score.version, Score.hidden).where(
            Score.updated_at >= now - REPAIR_LOOKBACK
        )
    ).all()
    rows = [ScoreRow(b, u, p, v, bool(h)) for b, u, p, v, h in recent]
    for start in range(0, len(rows), 500):
        mirror.apply(rows[start : start + 500])
    return len(rows)
