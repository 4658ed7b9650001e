"""Leaderboards: the top, and the viewer's own rank with the ranks around it.

Standings come from Redis sorted sets when ``REDIS_URL`` is set and from the
``gamification_scores`` table otherwise; both order by points, then by user id
(descending), and rank by competition (ties share a rank: 1, 2, 2, 4), so they give
the same answer. Hidden people are not on any board; a hidden viewer still sees where
they would stand.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms_core import ServiceError, db
from lms_core.models import Course, User, utcnow

from lms_gamification import mirror
from lms_gamification.boards import PERIODS, board_key
from lms_gamification.levels import level_of, levels_for
from lms_gamification.models import BadgeAward, Score
from lms_gamification.privacy import course_mode

TOP_N = 10
RADIUS = 2


@dataclass(frozen=True)
class Entry:
    position: int  # 0-based place in the order
    rank: int
    user_id: int
    points: int


@dataclass
class Standing:
    top: list[Entry]
    total: int  # people on the board
    me: Entry | None = None  # the viewer, also when hidden (then not on the board)
    me_hidden: bool = False
    window: list[Entry] = field(default_factory=list)  # others around the viewer
    people: dict[int, dict | None] = field(default_factory=dict)  # cached details (Redis only)
    other_points: dict[int, int] = field(default_factory=dict)  # points on another board (Redis only)


def ranked(pairs, start: int, above_first: int) -> list[Entry]:
    """Entries for consecutive (user id, points) pairs from ``start``; ``above_first`` is
    how many people have more points than the first pair."""
    entries, rank = [], above_first + 1
    for offset, (user_id, points) in enumerate(pairs):
        if offset and points != pairs[offset - 1][1]:
            rank = start + offset + 1
        entries.append(Entry(start + offset, rank, user_id, points))
    return entries


# Built once (statements of the leaderboard pages and API).
_MINE = db.select(Score.points, Score.hidden).where(
    Score.board == db.bindparam("board"), Score.user_id == db.bindparam("user_id")
)
_POINTS_OF = db.select(Score.user_id, Score.points).where(
    Score.board == db.bindparam("board"), Score.user_id.in_(db.bindparam("user_ids", expanding=True))
)
_DETAILS = (
    db.select(User.id, User.name, BadgeAward.id, BadgeAward.course_id, BadgeAward.expires_at)
    .outerjoin(BadgeAward, (BadgeAward.user_id == User.id) & BadgeAward.revoked_at.is_(None))
    .where(User.id.in_(db.bindparam("user_ids", expanding=True)))
)


class SqlStandings:
    """From the summary table, with index range scans (no ``GROUP BY`` over the ledger)."""

    name = "sql"

    def standing(self, board: str, user_id: int | None, top_n: int = TOP_N, radius: int = RADIUS) -> Standing:
        visible = (Score.board == board) & (Score.hidden == False)  # noqa: E712 (an index condition)
        order = (Score.points.desc(), Score.user_id.desc())
        top = db.session.execute(
            db.select(Score.user_id, Score.points).where(visible).order_by(*order).limit(top_n)
        ).all()
        total = db.session.execute(db.select(db.func.count()).select_from(Score).where(visible)).scalar_one()
        result = Standing(ranked([tuple(r) for r in top], 0, 0), total)
        mine = db.session.execute(_MINE, {"board": board, "user_id": user_id}).first() if user_id else None
        if mine is None:
            return result
        points, hidden = mine.points, bool(mine.hidden)
        better = Score.points > points
        ahead = better if hidden else better | ((Score.points == points) & (Score.user_id > user_id))
        behind = ~ahead if hidden else (Score.points < points) | ((Score.points == points) & (Score.user_id < user_id))
        # Counting is a scan of the index over everyone ahead: done once, for those with
        # more points; the rest are counts over the few rows beside the viewer.
        above_me = _count(visible & better)
        position = (
            above_me if hidden else above_me + _count(visible & (Score.points == points) & (Score.user_id > user_id))
        )
        before = db.session.execute(
            db.select(Score.user_id, Score.points)
            .where(visible & ahead)
            .order_by(Score.points.asc(), Score.user_id.asc())
            .limit(radius)
        ).all()
        after = db.session.execute(
            db.select(Score.user_id, Score.points).where(visible & behind).order_by(*order).limit(radius)
        ).all()
        window = [tuple(r) for r in reversed(before)]
        start = position - len(window)
        first_above = (  # more points than the window's first: all but those between it and the viewer
            above_me
            if not window or window[0][1] == points
            else above_me - _count(visible & better & (Score.points <= window[0][1]))
        )
        if not hidden:
            window.append((user_id, points))
        window += [tuple(r) for r in after]
        entries = ranked(window, start, first_above)
        result.me = Entry(position, above_me + 1, user_id, points)
        result.me_hidden = hidden
        result.window = [e for e in entries if e.user_id != user_id]
        return result


def _count(condition) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Score).where(condition)).scalar_one()


class RedisStandings:
    """From the Redis mirror: one script call for the top, the viewer's window and the
    cached details of everyone shown."""

    name = "redis"

    def standing(
        self,
        board: str,
        user_id: int | None,
        top_n: int = TOP_N,
        radius: int = RADIUS,
        other_board: str | None = None,
        with_people: bool = False,
        sent: mirror.StandingCall | None = None,
    ) -> Standing:
        params = (board, user_id, top_n, radius, other_board, with_people)
        # A call sent earlier in the request is used when it asked for just this.
        found = sent.answer() if sent is not None and sent.params == params else mirror.standing(*params)
        result = Standing(ranked(found.top, 0, 0), found.total)
        result.people, result.other_points = found.people, found.other_points
        if found.position is not None:
            entries = ranked(found.window, found.start, found.above)
            result.me = next(e for e in entries if e.user_id == user_id)
            result.window = [e for e in entries if e.user_id != user_id]
            return result
        if not user_id:
            return result
        mine = db.session.execute(_MINE, {"board": board, "user_id": user_id}).first()
        if mine is None:
            return result
        # Not on the board (hidden): the place they would take, before everybody tied.
        _total, position, start, above, window = mirror.around_score(board, mine.points, radius)
        result.me = Entry(position, position + 1, user_id, mine.points)
        result.me_hidden = bool(mine.hidden)
        result.window = ranked(window, start, above)
        result.people = {}  # the window differs from what the script read: ask SQL
        return result


def standings_backend():
    return RedisStandings() if mirror.connection() is not None else SqlStandings()


# ---------------------------------------------------------------- what a viewer sees


def _redis_params(viewer_id: int, course_id: int | None, period: str) -> tuple:
    """What ``view`` asks the Redis mirror for (``RedisStandings.standing``'s arguments)."""
    # levels follow all-time points, whatever the period shown
    all_time = board_key(course_id) if period != "all" else None
    return (board_key(course_id, period), viewer_id, TOP_N, RADIUS, all_time, True)


@contextmanager
def sent_early(viewer: User, course_id: int | None, period: str = "all"):
    """Send the Redis call ``view(viewer, course, period)`` will make now, and read it
    when ``view`` is called inside the block: the request's SQL in between (the course,
    the permission checks) then overlaps the Redis round trip. Only standings are read
    early, never a decision: who may see the board is still judged, as always, before
    ``view``, and a reply nobody used is dropped when the block ends. Yields ``None``
    without Redis or for an unknown period."""
    if period not in PERIODS or mirror.connection() is None:
        yield None
        return
    with mirror.StandingCall(*_redis_params(viewer.id, course_id, period)) as call:
        yield call


def view(
    viewer: User,
    course: Course | None,
    period: str = "all",
    staff: bool = False,
    sent: mirror.StandingCall | None = None,
) -> dict:
    """The board as ``viewer`` may see it (``staff``: the course's teachers, who always
    see the whole board; ``sent``: the call ``sent_early`` made). Raises
    ``ServiceError`` for an unknown period or a board the teacher turned off."""
    if period not in PERIODS:
        raise ServiceError(
            "invalid_period",
            _("Unknown period: choose “all” or “week”."),
            400,
            {"period": _("Choose one of the listed options.")},
        )
    mode = course_mode(course.id) if course else "full"
    if mode == "off" and not staff:
        raise ServiceError("leaderboard_off", _("The leaderboard of this course is turned off."), 403)
    viewer_id = viewer.id  # once: the viewer is often ``current_user``, a proxy
    board = board_key(course.id if course else None, period)
    backend = standings_backend()
    if isinstance(backend, RedisStandings):
        standing = backend.standing(*_redis_params(viewer_id, course.id if course else None, period), sent=sent)
    else:
        standing = backend.standing(board, viewer_id)
    show_top = mode == "full" or staff
    top = standing.top if show_top else []
    me = standing.me
    around = []
    if me is not None and (standing.me_hidden or all(t.user_id != viewer_id for t in top)):
        shown = {t.user_id for t in top}
        around = sorted(
            [e for e in standing.window if e.user_id not in shown] + [me],
            key=lambda e: (e.position, e.user_id != viewer_id),
        )
    people = _people([*top, *around, *([me] if me else [])], course.id if course else None, period, standing)

    def describe(entries):
        return [
            {
                "rank": e.rank,
                "user_id": e.user_id,
                "points": e.points,
                "me": e.user_id == viewer_id,
                **people[e.user_id],
            }
            for e in entries
        ]

    return {
        "scope": "course" if course else "platform",
        "course_id": course.id if course else None,
        "period": period,
        "mode": mode,
        "participants": standing.total,
        "top": describe(top),
        "around": describe(around),
        "me": describe([me])[0] if me else None,
        "hidden": standing.me_hidden,
        "backend": backend.name,
    }


def _people(entries: list[Entry], course_id: int | None, period: str, standing: Standing) -> dict[int, dict]:
    """Name, level and badge count of everyone shown. With Redis, names and badges come
    from the cache the standings script read in the same round trip, and only those
    missing from it from one query; without, from one query: the page's cost must not
    grow with what it shows."""
    ids = sorted({e.user_id for e in entries})
    if not ids:
        return {}
    now = utcnow().timestamp()
    cached = standing.people
    details = {user_id: cached[user_id] for user_id in ids if cached.get(user_id) is not None}
    missing = [user_id for user_id in ids if user_id not in details]
    if missing:
        found = _details_from_sql(missing)
        details.update(found)
        mirror.remember_people({user_id: json.dumps(d) for user_id, d in found.items()})  # with Redis
    if period == "all":
        points = {e.user_id: e.points for e in entries}
    elif standing.other_points:
        points = standing.other_points
    else:  # levels follow all-time points, whatever the period shown
        points = dict(db.session.execute(_POINTS_OF, {"board": board_key(course_id), "user_ids": ids}).all())
    levels = levels_for(course_id)
    level_names = {}  # each level's name translated once, not once per person shown

    def level_name(user_points):
        level = level_of(user_points, levels)
        if level.position not in level_names:
            level_names[level.position] = str(level.name)
        return level_names[level.position]

    scope = str(course_id) if course_id is not None else None
    return {
        user_id: {
            "name": details[user_id]["name"],
            # Platform badges, and this course's (not other courses'), neither revoked nor expired.
            "badges": sum(
                1
                for badge_course, expires in details[user_id]["badges"]
                if (badge_course is None or badge_course == scope) and (expires is None or expires > now)
            ),
            "level": level_name(points.get(user_id, 0)),
        }
        for user_id in ids
        if user_id in details
    }


def _details_from_sql(user_ids: list[int]) -> dict[int, dict]:
    """Each person's name and unrevoked badges as (course id or ``None``, expiry time
    stamp or ``None``), in one query."""
    rows = db.session.execute(_DETAILS, {"user_ids": user_ids}).all()
    details: dict[int, dict] = {}
    for user_id, name, award_id, badge_course, expires_at in rows:
        person = details.setdefault(user_id, {"name": name, "badges": []})
        if award_id is not None:
            person["badges"].append(
                [
                    str(badge_course) if badge_course is not None else None,
                    expires_at.timestamp() if expires_at is not None else None,
                ]
            )
    return details
