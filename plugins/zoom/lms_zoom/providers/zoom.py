"""Zoom: Server-to-Server OAuth, the Meetings API and registrants.

* Token: ``POST {oauth}/oauth/token?grant_type=account_credentials&account_id=…`` with
  HTTP basic auth (client id, secret). Kept in ``zoom_provider_tokens`` and shared by
  every process until five minutes before it expires; a 401 drops it and asks again once.
* A session is a scheduled meeting (type 2), or a recurring one with a fixed time
  (type 8, weekly on the chosen days, until a date or N times); Zoom's occurrence ids
  are kept on our occurrences. Registration is required and approved automatically:
  each learner is registered under their LMS account's e-mail and gets a personal join
  URL, and the ``registrant_id`` Zoom sends in participant webhooks says who joined.
* Webhooks are verified in ``lms_zoom.webhooks``.
"""

from __future__ import annotations

import base64
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from lms_core import db
from lms_core.models import utcnow

from lms_zoom import settings
from lms_zoom.providers import Created, JoinTarget, NotConfigured, Provider, ProviderRefused
from lms_zoom.providers.http import call

TOKEN_MARGIN = timedelta(minutes=5)


def zoom_weekday(weekday: int) -> int:
    """Our weekdays count from Monday = 0; Zoom's from Sunday = 1."""
    return (weekday + 1) % 7 + 1


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


class ZoomProvider(Provider):
    name = "zoom"
    has_waiting_room = True
    has_passcode = True

    def configured(self) -> bool:
        return all(settings.get(k) for k in ("ZOOM_ZOOM_ACCOUNT_ID", "ZOOM_ZOOM_CLIENT_ID", "ZOOM_ZOOM_CLIENT_SECRET"))

    # ------------------------------------------------------------------ the token

    def access_token(self, fresh: bool = False) -> str:
        from lms_zoom.models import ProviderToken

        if not self.configured():
            raise NotConfigured(self.name)
        row = db.session.get(ProviderToken, self.name)
        if row is not None and not fresh and row.expires_at - TOKEN_MARGIN > utcnow():
            return row.access_token
        basic = base64.b64encode(
            f"{settings.get('ZOOM_ZOOM_CLIENT_ID')}:{settings.get('ZOOM_ZOOM_CLIENT_SECRET')}".encode()
        ).decode()
        response = call(
            "POST",
            settings.get("ZOOM_ZOOM_OAUTH_URL").rstrip("/") + "/oauth/token",
            params={"grant_type": "account_credentials", "account_id": settings.get("ZOOM_ZOOM_ACCOUNT_ID")},
            headers={"Authorization": f"Basic {basic}"},
            expect=(200,),
        )
        body = response.json()
        expires_at = utcnow() + timedelta(seconds=int(body.get("expires_in", 3600)))
        if row is None:
            row = ProviderToken(provider=self.name, access_token=body["access_token"], expires_at=expires_at)
            db.session.add(row)
        else:
            row.access_token, row.expires_at = body["access_token"], expires_at
        # Kept at once, for the other processes, and so that no write lock is held
        # while the meeting call that follows waits for Zoom.
        db.session.commit()
        return body["access_token"]

    def api(self, method: str, path: str, **kwargs):
        url = settings.get("ZOOM_ZOOM_API_URL").rstrip("/") + path
        try:
            return call(method, url, headers={"Authorization": f"Bearer {self.access_token()}"}, **kwargs)
        except ProviderRefused as exc:
            if exc.status != 401:
                raise
            # The cached token was revoked or expired early: one fresh token, one more try.
            return call(method, url, headers={"Authorization": f"Bearer {self.access_token(fresh=True)}"}, **kwargs)

    # ------------------------------------------------------------------ meetings

    def meeting_body(self, session) -> dict:
        tz = ZoneInfo(session.timezone)
        body = {
            "topic": session.title[:200],
            "agenda": (session.description or "")[:2000],
            "type": 2,
            "start_time": session.starts_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S"),
            "timezone": session.timezone,
            "duration": session.duration_minutes,
            "settings": {
                "waiting_room": bool(session.waiting_room),
                "join_before_host": False,
                "approval_type": 0,  # registration required, approved automatically
                "registration_type": 1,  # register once, attend every occurrence
                "registrants_email_notification": False,  # the LMS tells learners itself
            },
        }
        if session.passcode:
            body["password"] = session.passcode
        if session.recurrence:
            recurrence = {
                "type": 2,
                "repeat_interval": 1,
                "weekly_days": ",".join(str(zoom_weekday(d)) for d in sorted(session.recurrence["weekdays"])),
            }
            if session.recurrence.get("count"):
                recurrence["end_times"] = int(session.recurrence["count"])
            else:
                until = datetime.combine(
                    datetime.fromisoformat(session.recurrence["until"]).date(), time(23, 59, 59), tz
                )
                recurrence["end_date_time"] = until.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            body["type"] = 8
            body["recurrence"] = recurrence
        return body

    def _occurrence_ids(self, session, answer: dict) -> dict[int, str]:
        by_start = {
            parse_time(o.get("start_time")): str(o["occurrence_id"])
            for o in answer.get("occurrences") or []
            if o.get("status", "available") != "deleted"
        }
        return {o.number: by_start[o.starts_at] for o in session.occurrences if o.starts_at in by_start}

    def create(self, session) -> Created:
        user = settings.get("ZOOM_ZOOM_USER") or "me"
        answer = self.api("POST", f"/users/{user}/meetings", json=self.meeting_body(session), expect=(201,)).json()
        return Created(
            meeting_id=str(answer["id"]),
            meeting={
                "uuid": answer.get("uuid"),
                "join_url": answer.get("join_url"),
                "registration_url": answer.get("registration_url"),
            },
            occurrences=self._occurrence_ids(session, answer),
        )

    def update(self, session):
        self.api("PATCH", f"/meetings/{session.meeting_id}", json=self.meeting_body(session), expect=(204,))
        answer = self.api("GET", f"/meetings/{session.meeting_id}", expect=(200,)).json()
        return {"occurrences": self._occurrence_ids(session, answer)}

    def delete(self, session) -> None:
        if session.meeting_id:
            self.api(
                "DELETE",
                f"/meetings/{session.meeting_id}",
                params={"schedule_for_reminder": "false"},
                expect=(204,),
                allow_missing=True,
            )

    # ------------------------------------------------------------------ joining

    def register(self, session, user) -> dict:
        first, _, last = user.name.partition(" ")
        return self.api(
            "POST",
            f"/meetings/{session.meeting_id}/registrants",
            json={"email": user.email, "first_name": first[:64] or user.email, "last_name": last[:64]},
            expect=(201,),
        ).json()

    def join(self, session, occurrence, user, moderator: bool) -> JoinTarget:
        if moderator:
            # The host's start URL expires after two hours: ask for a fresh one.
            answer = self.api("GET", f"/meetings/{session.meeting_id}", expect=(200,)).json()
            return JoinTarget(url=answer["start_url"])
        from lms_zoom.models import Registrant

        registrant = db.session.execute(
            db.select(Registrant).where(Registrant.session_id == session.id, Registrant.user_id == user.id)
        ).scalar_one_or_none()
        if registrant is None:
            answer = self.register(session, user)
            registrant = Registrant(
                session_id=session.id,
                user_id=user.id,
                registrant_id=str(answer["registrant_id"]),
                join_url=answer["join_url"],
            )
            db.session.add(registrant)
            db.session.commit()
        return JoinTarget(url=registrant.join_url)
