"""Who is online in a room: the sockets that joined it, kept in Redis (shared by every
web process) or, without Redis, in this process. A process that dies leaves entries
that expire within a day; a member with two tabs counts once."""

from __future__ import annotations

import threading

from flask import current_app

from lms_core import redis_connection

TTL = 86400
_lock = threading.Lock()


def _redis():
    return redis_connection() if current_app.config.get("REDIS_URL") else None


def _local() -> dict:
    return current_app.extensions.setdefault("chat_presence", {"rooms": {}, "sids": {}})


def _room_key(room_id: int) -> str:
    return f"lms:chat:online:{room_id}"


def _sid_key(sid: str) -> str:
    return f"lms:chat:sid-rooms:{sid}"


def joined(room_id: int, sid: str, user) -> list[dict]:
    value = f"{user.id}|{user.name}"
    redis = _redis()
    if redis is not None:
        pipe = redis.pipeline()
        pipe.hset(_room_key(room_id), sid, value)
        pipe.expire(_room_key(room_id), TTL)
        pipe.sadd(_sid_key(sid), room_id)
        pipe.expire(_sid_key(sid), TTL)
        pipe.execute()
    else:
        with _lock:
            state = _local()
            state["rooms"].setdefault(room_id, {})[sid] = value
            state["sids"].setdefault(sid, set()).add(room_id)
    return online(room_id)


def left(room_id: int, sid: str) -> list[dict]:
    redis = _redis()
    if redis is not None:
        redis.hdel(_room_key(room_id), sid)
        redis.srem(_sid_key(sid), room_id)
    else:
        with _lock:
            state = _local()
            state["rooms"].get(room_id, {}).pop(sid, None)
            state["sids"].get(sid, set()).discard(room_id)
    return online(room_id)


def left_everywhere(sid: str) -> list[tuple[int, list[dict]]]:
    redis = _redis()
    if redis is not None:
        room_ids = [int(r) for r in redis.smembers(_sid_key(sid))]
        redis.delete(_sid_key(sid))
    else:
        with _lock:
            room_ids = list(_local()["sids"].pop(sid, ()))
    return [(room_id, left(room_id, sid)) for room_id in room_ids]


def online(room_id: int) -> list[dict]:
    redis = _redis()
    if redis is not None:
        values = [v.decode() for v in redis.hvals(_room_key(room_id))]
    else:
        with _lock:
            values = list(_local()["rooms"].get(room_id, {}).values())
    people = {}
    for value in values:
        user_id, _, name = value.partition("|")
        people[int(user_id)] = name
    return [{"id": user_id, "name": name} for user_id, name in sorted(people.items(), key=lambda p: p[1])]
