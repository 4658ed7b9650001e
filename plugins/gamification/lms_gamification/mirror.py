"""Redis sorted sets mirroring the ``gamification_scores`` table (when ``REDIS_URL`` is set).

Each board is a sorted set of members (zero-padded user ids, so ties sort by id as
in SQL) beside a hash of the version each member was last written with. A write
carries the row's version and is ignored when Redis already holds a newer one, so
writes may arrive twice or out of order (two workers, a retried job, the repair
sweep) and the mirror still ends equal to the table. Hidden people are not members.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lms_core import redis_connection

from lms_gamification.boards import WEEKS_KEPT, ScoreRow, is_weekly

PREFIX = "lms:gamification:"
MEMBER_WIDTH = 12
WEEKLY_TTL = WEEKS_KEPT * 7 * 86400

# KEYS: (sorted set, versions hash) per row; ARGV: (member, points, version, hidden, ttl) per row.
_APPLY = """
local applied = 0
for i = 1, #KEYS, 2 do
  local j = (i - 1) / 2 * 5
  local member, version, ttl = ARGV[j + 1], tonumber(ARGV[j + 3]), tonumber(ARGV[j + 5])
  local seen = tonumber(redis.call('HGET', KEYS[i + 1], member) or '0')
  if version > seen then
    redis.call('HSET', KEYS[i + 1], member, version)
    if ARGV[j + 4] == '1' then
      redis.call('ZREM', KEYS[i], member)
    else
      redis.call('ZADD', KEYS[i], ARGV[j + 2], member)
    end
    if ttl > 0 then
      redis.call('EXPIRE', KEYS[i], ttl)
      redis.call('EXPIRE', KEYS[i + 1], ttl)
    end
    applied = applied + 1
  end
end
return applied
"""

# One round trip for a leaderboard page: the top, the size and the window around
# ARGV[1] (when a member), with the count of members above the window's first entry;
# then, for everyone shown, their cached details (ARGV[4] .. user id: name and badges,
# null when not cached) and, when ARGV[5] names another board, their points on it.
# The answer is one JSON text (the cached details are JSON already and go in as they
# are), so the client parses one string instead of seventy replies.
_STANDING = """
local key, member, top_n, radius = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local people_prefix, other_board = ARGV[4], ARGV[5]
local top = {}
if top_n > 0 then top = redis.call('ZREVRANGE', key, 0, top_n - 1, 'WITHSCORES') end
local total = redis.call('ZCARD', key)
local position = false
if member ~= '' then position = redis.call('ZREVRANK', key, member) end
local start, above, window = 0, 0, {}
if position then
  start = position - radius
  if start < 0 then start = 0 end
  window = redis.call('ZREVRANGE', key, start, position + radius, 'WITHSCORES')
  above = redis.call('ZCOUNT', key, '(' .. window[2], '+inf')
end
local ids, seen = {}, {}
for _, list in ipairs({top, window}) do
  for i = 1, #list, 2 do
    if not seen[list[i]] then seen[list[i]] = true; ids[#ids + 1] = list[i] end
  end
end
if member ~= '' and not seen[member] then ids[#ids + 1] = member end
local people, others = {}, {}
if people_prefix ~= '' and #ids > 0 then
  local keys = {}
  for i, id in ipairs(ids) do keys[i] = people_prefix .. tonumber(id) end
  people = redis.call('MGET', unpack(keys))
end
if other_board ~= '' then
  for i, id in ipairs(ids) do others[i] = redis.call('ZSCORE', other_board, id) or '0' end
end
local function flat(list)
  local out = {}
  for i = 1, #list, 2 do out[#out + 1] = string.format('%d', tonumber(list[i])) .. ',' .. list[i + 1] end
  return '[' .. table.concat(out, ',') .. ']'
end
local numbers, texts = {}, {}
for i, id in ipairs(ids) do numbers[i] = string.format('%d', tonumber(id)) end
for i = 1, #ids do texts[i] = people[i] or 'null' end
return '[' .. table.concat({
  flat(top), total, position and position or 'null', start, above, flat(window),
  '[' .. table.concat(numbers, ',') .. ']',
  people_prefix ~= '' and '[' .. table.concat(texts, ',') .. ']' or '[]',
  '[' .. table.concat(others, ',') .. ']',
}, ',') .. ']'
"""

# The window around a score that is not a member (the viewer hides from the board).
_AROUND_SCORE = """
local key, score, radius = KEYS[1], ARGV[1], tonumber(ARGV[2])
local total = redis.call('ZCARD', key)
local position = redis.call('ZCOUNT', key, '(' .. score, '+inf')
local start = position - radius
if start < 0 then start = 0 end
local window = {}
if position + radius - 1 >= start then
  window = redis.call('ZREVRANGE', key, start, position + radius - 1, 'WITHSCORES')
end
local above = 0
if #window > 0 then above = redis.call('ZCOUNT', key, '(' .. window[2], '+inf') end
return {total, position, start, above, window}
"""


def connection():
    """The app's Redis client, or ``None`` when the deployment has no Redis."""
    return redis_connection()


def member(user_id: int) -> str:
    return f"{user_id:0{MEMBER_WIDTH}d}"


def user_id_of(value) -> int:
    return int(value)


def board_key(board: str) -> str:
    return f"{PREFIX}board:{board}"


def versions_key(board: str) -> str:
    return f"{PREFIX}versions:{board}"


def _script(redis, source):
    cache = redis.__dict__.setdefault("_lms_gamification_scripts", {})
    if source not in cache:
        cache[source] = redis.register_script(source)
    return cache[source]


def apply(rows: list[ScoreRow]) -> int:
    """Write changed rows; returns how many were newer than what Redis held."""
    redis = connection()
    if redis is None or not rows:
        return 0
    keys, args = [], []
    for row in rows:
        keys += [board_key(row.board), versions_key(row.board)]
        args += [
            member(row.user_id),
            row.points,
            row.version,
            "1" if row.hidden else "0",
            WEEKLY_TTL if is_weekly(row.board) else 0,
        ]
    return int(_script(redis, _APPLY)(keys=keys, args=args))


def reload(boards: dict[str, list[ScoreRow]]) -> None:
    """Replace every board with the given rows (``lms gamification rebuild``). Each board
    is built under a temporary name and renamed over the old one, so readers never see
    a half-built board; boards that no longer have rows are removed."""
    redis = connection()
    if redis is None:
        return
    for board, rows in boards.items():
        temp_board, temp_versions = board_key(board) + ":building", versions_key(board) + ":building"
        pipe = redis.pipeline(transaction=False)
        pipe.delete(temp_board, temp_versions)
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            visible = {member(r.user_id): r.points for r in chunk if not r.hidden}
            if visible:
                pipe.zadd(temp_board, visible)
            pipe.hset(temp_versions, mapping={member(r.user_id): r.version for r in chunk})
        pipe.execute()
        pipe = redis.pipeline(transaction=True)
        for temp, final in ((temp_board, board_key(board)), (temp_versions, versions_key(board))):
            if redis.exists(temp):
                pipe.rename(temp, final)
                if is_weekly(board):
                    pipe.expire(final, WEEKLY_TTL)
            else:
                pipe.delete(final)
        pipe.execute()
    for prefix in (f"{PREFIX}board:", f"{PREFIX}versions:"):
        for key in redis.scan_iter(prefix + "*", count=1000):
            name = key.decode()[len(prefix) :]
            if name not in boards and not name.endswith(":building"):
                redis.delete(key)


def _pairs(flat) -> list[tuple[int, int]]:
    return [(user_id_of(flat[i]), int(float(flat[i + 1]))) for i in range(0, len(flat), 2)]


PERSON_PREFIX = f"{PREFIX}person:"


def person_key(user_id: int) -> str:
    return f"{PERSON_PREFIX}{user_id}"


PERSON_TTL = 120  # seconds a cached name may lag a renamed account


@dataclass
class RedisStanding:
    """What one script call answers: pairs of (user id, points); ``position`` is
    ``None`` when ``user_id`` is not on the board. ``people`` holds the cached details
    (``{"name", "badges"}``, or ``None`` when not cached) and ``other_points`` the
    points on ``other_board``, of every user shown (and of the viewer)."""

    top: list
    total: int
    position: int | None
    start: int
    above: int
    window: list
    people: dict[int, dict | None]
    other_points: dict[int, int]


def standing(
    board: str, user_id: int | None, top_n: int, radius: int, other_board: str | None = None, with_people: bool = True
) -> RedisStanding:
    """The top, the viewer's window and the people to show, in one round trip."""
    keys, args = _standing_call(board, user_id, top_n, radius, other_board, with_people)
    return _standing_of(_script(connection(), _STANDING)(keys=keys, args=args))


def _standing_call(board, user_id, top_n, radius, other_board, with_people) -> tuple[list, list]:
    return [board_key(board)], [
        member(user_id) if user_id else "",
        top_n,
        radius,
        PERSON_PREFIX if with_people else "",
        board_key(other_board) if other_board else "",
    ]


def _standing_of(raw) -> RedisStanding:
    top, total, position, start, above, window, ids, people, others = json.loads(raw)
    return RedisStanding(
        _number_pairs(top),
        total,
        position,
        start,
        above,
        _number_pairs(window),
        dict(zip(ids, people or [None] * len(ids))),
        {i: int(o) for i, o in zip(ids, others)},
    )


def _connection_lost() -> tuple[type[BaseException], ...]:
    """The errors of a connection gone (redis is imported only where it is used)."""
    from redis.exceptions import ConnectionError, TimeoutError

    return (ConnectionError, TimeoutError, OSError)


def _pooled(pool):
    try:
        return pool.get_connection()
    except TypeError:  # redis-py before 5.3 wants the command's name
        return pool.get_connection("EVALSHA")


class StandingCall:
    """``standing(*params)`` sent at once and read when ``answer()`` is called, so the
    SQL a request runs meanwhile (the course, the permission checks) overlaps Redis's
    round trip instead of following it. Use it in a ``with`` block: leaving it reads
    (and drops) a reply nobody asked for, so the connection goes back to the pool
    clean. Whatever goes wrong on the way (no connection, Redis restarted and forgot
    the script) ``answer()`` makes the call the usual way, with the client's retries."""

    def __init__(self, *params):
        self.params = params
        self._pool = self._connection = None
        redis = connection()
        script = _script(redis, _STANDING)
        keys, args = _standing_call(*params)
        self._pool = redis.connection_pool
        try:
            self._connection = _pooled(self._pool)
            self._connection.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        except _connection_lost():
            self._release(broken=True)
        except BaseException:
            self._release(broken=True)
            raise

    def answer(self) -> RedisStanding:
        if self._connection is None:
            return standing(*self.params)
        from redis.exceptions import NoScriptError

        try:
            raw = self._connection.read_response()
        except NoScriptError:  # the reply was read: the connection is clean
            self._release()
            return standing(*self.params)  # loads the script
        except _connection_lost():
            self._release(broken=True)
            return standing(*self.params)
        except BaseException:
            self._release(broken=True)
            raise
        self._release()
        return _standing_of(raw)

    def close(self) -> None:
        if self._connection is None:
            return
        clean = False
        try:
            self._connection.read_response()
            clean = True
        except Exception:  # nobody wanted the reply: an error in it, or a lost connection, is dropped with it
            pass
        finally:
            self._release(broken=not clean)

    def _release(self, broken: bool = False) -> None:
        connection_, self._connection = self._connection, None
        if connection_ is None:
            return
        if broken:
            connection_.disconnect()
        self._pool.release(connection_)

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()
        return False


def _number_pairs(flat: list) -> list[tuple[int, int]]:
    return [(flat[i], int(flat[i + 1])) for i in range(0, len(flat), 2)]


def remember_people(details: dict[int, str]) -> None:
    """Cache people's details (JSON text) for the leaderboards, ``PERSON_TTL`` seconds."""
    redis = connection()
    if redis is None or not details:
        return
    pipe = redis.pipeline(transaction=False)
    for user_id, text in details.items():
        pipe.set(person_key(user_id), text, ex=PERSON_TTL)
    pipe.execute()


def forget_people(user_ids) -> None:
    """Drop cached details (a badge was awarded or revoked)."""
    redis = connection()
    if redis is not None and user_ids:
        redis.delete(*[person_key(u) for u in user_ids])


def around_score(board: str, points: int, radius: int):
    """``(total, position, window_start, above_window, window)`` for someone not on the
    board with ``points``: the place they would take, before everybody tied with them."""
    total, position, start, above, window = _script(connection(), _AROUND_SCORE)(
        keys=[board_key(board)], args=[points, radius]
    )
    return int(total), int(position), int(start), int(above), _pairs(window)
