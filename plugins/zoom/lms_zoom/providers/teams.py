"""Microsoft Teams through Microsoft Graph, with an application token.

* Token: msal's ``ConfidentialClientApplication`` (client credentials, scope
  ``{graph}/.default``), one per process; msal keeps the token and asks for a new one
  when it expires. The authority (``ZOOM_TEAMS_AUTHORITY_URL``) and Graph
  (``ZOOM_TEAMS_GRAPH_URL``) are settings.
* A session is one ``onlineMeeting`` of the organizer (``ZOOM_TEAMS_ORGANIZER``):
  ``POST /users/{organizer}/onlineMeetings``; a recurring session keeps one meeting
  whose join link serves every occurrence. Waiting room = the lobby for everyone but
  the organizer; otherwise people of the organisation bypass it.
* Attendance: after an occurrence ends, ``GET …/onlineMeetings/{id}/attendanceReports``
  and each report with ``attendanceRecords``; a record is matched to an LMS account by
  its e-mail address (the account's identity in the tenant), never by display name.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import msal
import requests

from lms_zoom import settings
from lms_zoom.providers import Created, Interval, JoinTarget, NotConfigured, Provider, ProviderError, ProviderRefused
from lms_zoom.providers.http import call

_APPS: dict[tuple, msal.ConfidentialClientApplication] = {}
REPORT_MATCH = timedelta(hours=1)  # a report belongs to the occurrence it started near


def graph_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.0000000+00:00")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.replace("Z", "+00:00")
    if "." in value:  # Graph sends up to seven decimals; Python reads six
        head, _, tail = value.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        value = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


class _Session(requests.Session):
    """msal's HTTP client with our timeout, and our CA bundle even where the
    environment names another one (requests lets REQUESTS_CA_BUNDLE win over a
    session's own ``verify``)."""

    def __init__(self, verify, timeout: float):
        super().__init__()
        self._verify, self._timeout = verify, timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self._timeout)
        if kwargs.get("verify") is None:
            kwargs["verify"] = self._verify
        return super().request(method, url, **kwargs)


class TeamsProvider(Provider):
    name = "teams"
    has_waiting_room = True
    has_passcode = False

    def configured(self) -> bool:
        return all(
            settings.get(k)
            for k in (
                "ZOOM_TEAMS_TENANT_ID",
                "ZOOM_TEAMS_CLIENT_ID",
                "ZOOM_TEAMS_CLIENT_SECRET",
                "ZOOM_TEAMS_ORGANIZER",
            )
        )

    @property
    def verify(self):
        return settings.get("ZOOM_TEAMS_CA_BUNDLE") or True

    def access_token(self) -> str:
        if not self.configured():
            raise NotConfigured(self.name)
        authority = settings.get("ZOOM_TEAMS_AUTHORITY_URL").rstrip("/") + "/" + settings.get("ZOOM_TEAMS_TENANT_ID")
        key = (
            authority,
            settings.get("ZOOM_TEAMS_CLIENT_ID"),
            settings.get("ZOOM_TEAMS_CLIENT_SECRET"),
            str(self.verify),
        )
        app = _APPS.get(key)
        try:
            if app is None:
                app = msal.ConfidentialClientApplication(
                    key[1],
                    client_credential=key[2],
                    authority=authority,
                    instance_discovery=False,
                    http_client=_Session(self.verify, float(settings.get("ZOOM_HTTP_TIMEOUT"))),
                )
                _APPS[key] = app
            graph = settings.get("ZOOM_TEAMS_GRAPH_URL").rstrip("/")
            scope = graph.rsplit("/", 1)[0] if graph.rsplit("/", 1)[-1].startswith(("v1", "beta")) else graph
            result = app.acquire_token_for_client(scopes=[scope + "/.default"])
        except ValueError as exc:  # authority discovery failed: wrong tenant or authority
            _APPS.pop(key, None)
            raise ProviderRefused(f"Microsoft Entra ID: {exc}"[:300]) from exc
        except Exception as exc:  # requests' network errors surface from inside msal
            _APPS.pop(key, None)
            raise ProviderError(f"Microsoft Entra ID could not be reached ({type(exc).__name__}).") from exc
        if "access_token" not in result:
            message = f"Microsoft Entra ID: {result.get('error')}: {result.get('error_description', '')}"[:300]
            if result.get("error") in ("invalid_client", "unauthorized_client", "invalid_request"):
                raise ProviderRefused(message)
            raise ProviderError(message)
        return result["access_token"]

    def graph(self, method: str, path: str, **kwargs):
        url = settings.get("ZOOM_TEAMS_GRAPH_URL").rstrip("/") + path
        return call(
            method, url, headers={"Authorization": f"Bearer {self.access_token()}"}, verify=self.verify, **kwargs
        )

    def _meetings(self) -> str:
        return f"/users/{quote(settings.get('ZOOM_TEAMS_ORGANIZER'), safe='')}/onlineMeetings"

    def meeting_body(self, session) -> dict:
        last = session.occurrences[-1] if session.occurrences else None
        end = last.ends_at if last else session.starts_at + timedelta(minutes=session.duration_minutes)
        return {
            "subject": session.title[:200],
            "startDateTime": graph_time(session.starts_at),
            "endDateTime": graph_time(end),
            "lobbyBypassSettings": {
                "scope": "organizer" if session.waiting_room else "organization",
                "isDialInBypassEnabled": False,
            },
            "allowedPresenters": "organizer",
            "recordAutomatically": False,
        }

    def create(self, session) -> Created:
        answer = self.graph("POST", self._meetings(), json=self.meeting_body(session), expect=(201,)).json()
        return Created(meeting_id=answer["id"], meeting={"join_url": answer.get("joinWebUrl") or answer.get("joinUrl")})

    def update(self, session):
        answer = self.graph(
            "PATCH", f"{self._meetings()}/{session.meeting_id}", json=self.meeting_body(session), expect=(200,)
        ).json()
        return {"join_url": answer.get("joinWebUrl") or session.meeting.get("join_url")}

    def delete(self, session) -> None:
        if session.meeting_id:
            self.graph("DELETE", f"{self._meetings()}/{session.meeting_id}", expect=(204,), allow_missing=True)

    def join(self, session, occurrence, user, moderator: bool) -> JoinTarget:
        return JoinTarget(url=session.meeting["join_url"])

    def attendance(self, session, occurrence, users_by_email: dict[str, int]) -> list[Interval]:
        base = f"{self._meetings()}/{session.meeting_id}/attendanceReports"
        reports = self.graph("GET", base, expect=(200,)).json().get("value", [])
        found = []
        for report in reports:
            started = parse_time(report.get("meetingStartDateTime"))
            if started is None or abs(started - occurrence.starts_at) > REPORT_MATCH + timedelta(
                minutes=occurrence.duration_minutes
            ):
                continue
            detail = self.graph(
                "GET", f"{base}/{report['id']}", params={"$expand": "attendanceRecords"}, expect=(200,)
            ).json()
            for record in detail.get("attendanceRecords", []):
                user_id = users_by_email.get((record.get("emailAddress") or "").strip().lower())
                if user_id is None:
                    continue  # a guest or someone outside the course: never guessed from a name
                for number, interval in enumerate(record.get("attendanceIntervals") or []):
                    joined = parse_time(interval.get("joinDateTime"))
                    if joined is None:
                        continue
                    found.append(
                        Interval(
                            user_id=user_id,
                            source_key=f"teams:{report['id']}:{record.get('id')}:{number}",
                            joined_at=joined,
                            left_at=parse_time(interval.get("leaveDateTime")),
                        )
                    )
        return found
