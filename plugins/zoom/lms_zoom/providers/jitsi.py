"""Jitsi Meet: the default, needing no account.

On the public meet.jit.si a room is only as private as its name, so every session gets
an unguessable one (96 random bits). A self-hosted server with token authentication
(``ZOOM_JITSI_APP_ID`` + ``ZOOM_JITSI_SECRET``, prosody's ``app_id``/``app_secret``)
gets a JWT per learner carrying the LMS user id, so the room knows who is who, and
teachers join as moderators. Jitsi reports nothing back, so the join page itself tells
the LMS while the learner is in the room (heartbeats, see ``attendance.heartbeat``).
"""

from __future__ import annotations

import re
import secrets
import time
from urllib.parse import urlsplit

import jwt

from lms_zoom import settings
from lms_zoom.providers import Created, JoinTarget, Provider


class JitsiProvider(Provider):
    name = "jitsi"
    has_waiting_room = False  # the lobby needs a moderator who is logged in to the server
    has_passcode = False

    def configured(self) -> bool:
        return bool(settings.get("ZOOM_JITSI_URL"))

    @property
    def base_url(self) -> str:
        return settings.get("ZOOM_JITSI_URL").rstrip("/")

    def create(self, session) -> Created:
        slug = re.sub(r"[^a-z0-9]+", "-", session.title.lower()).strip("-")[:30] or "lecture"
        room = f"{slug}-{secrets.token_hex(12)}"
        return Created(meeting_id=room, meeting={"room": room})

    def update(self, session):
        return None  # a room has no schedule

    def delete(self, session) -> None:
        return None  # rooms exist only while someone is in them

    def token(self, session, occurrence, user, moderator: bool) -> str | None:
        app_id, secret = settings.get("ZOOM_JITSI_APP_ID"), settings.get("ZOOM_JITSI_SECRET")
        if not (app_id and secret):
            return None
        now = int(time.time())
        claims = {
            "aud": "jitsi",
            "iss": app_id,
            "sub": urlsplit(self.base_url).hostname,
            "room": session.meeting["room"],
            "nbf": now - 60,
            "exp": int(occurrence.ends_at.timestamp()) + 3 * 3600,
            "context": {
                "user": {"id": str(user.id), "name": user.name, "email": user.email, "moderator": moderator},
                "features": {"recording": moderator},
            },
            "moderator": moderator,
        }
        return jwt.encode(claims, secret, algorithm="HS256")

    def join(self, session, occurrence, user, moderator: bool) -> JoinTarget:
        return JoinTarget(
            embed={
                "base": self.base_url,
                "room": session.meeting["room"],
                "jwt": self.token(session, occurrence, user, moderator),
                "name": user.name,
            }
        )
