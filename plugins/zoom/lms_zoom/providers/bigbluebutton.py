"""BigBlueButton: its XML API, every call signed with the shared secret.

``checksum = hash(callName + queryString + secret)`` (``ZOOM_BBB_CHECKSUM``: sha1,
sha256, ...). BigBlueButton meetings live only while they run, so scheduling checks
that the server accepts our secret (``getMeetings``), and each occurrence's meeting is
created when its first person joins (``create`` is idempotent for a running meeting).
Everyone joins with ``userID`` = the LMS user id, the teacher as MODERATOR and learners
as VIEWER, so the analytics callback (``meta_analytics-callback-url``, a JSON document
sent after the meeting with a JWT signed with the same secret) reports attendance by
LMS account. Recordings come from ``getRecordings``.
"""

from __future__ import annotations

import hashlib
import secrets
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import urlencode

from lms_zoom import settings
from lms_zoom.providers import (
    Created,
    FoundRecording,
    JoinTarget,
    NotConfigured,
    Provider,
    ProviderError,
    ProviderRefused,
)
from lms_zoom.providers.http import call

ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def checksum(call_name: str, query: str, secret: str, algorithm: str = "sha256") -> str:
    return ALGORITHMS[algorithm]((call_name + query + secret).encode()).hexdigest()


class BigBlueButtonProvider(Provider):
    name = "bigbluebutton"
    has_waiting_room = True  # guestPolicy=ASK_MODERATOR
    has_passcode = False

    def configured(self) -> bool:
        return bool(settings.get("ZOOM_BBB_URL") and settings.get("ZOOM_BBB_SECRET"))

    def signed_url(self, call_name: str, params: dict) -> str:
        if not self.configured():
            raise NotConfigured(self.name)
        query = urlencode(params)
        algorithm = settings.get("ZOOM_BBB_CHECKSUM") or "sha256"
        digest = checksum(call_name, query, settings.get("ZOOM_BBB_SECRET"), algorithm)
        base = settings.get("ZOOM_BBB_URL").rstrip("/")
        return f"{base}/{call_name}?{query}{'&' if query else ''}checksum={digest}"

    def api(self, call_name: str, params: dict) -> ET.Element:
        response = call("GET", self.signed_url(call_name, params), expect=(200,))
        try:
            root = ET.fromstring(response.content)
        except ET.ParseError:
            raise ProviderError("BigBlueButton answered something that is not XML.") from None
        if root.findtext("returncode") != "SUCCESS":
            key, message = root.findtext("messageKey") or "", root.findtext("message") or ""
            if key == "checksumError":
                raise ProviderRefused(f"BigBlueButton refused the shared secret ({key}: {message}).")
            if key in ("notFound", "noRecordings"):
                return root
            raise ProviderError(f"BigBlueButton: {key}: {message}", retryable=False)
        return root

    def meeting_id(self, session, occurrence) -> str:
        return f"{session.meeting['prefix']}-{occurrence.number}"

    def create(self, session) -> Created:
        self.api("getMeetings", {})  # is the secret right? (a wrong one answers checksumError)
        prefix = f"lms-{session.id}-{secrets.token_hex(8)}"
        return Created(meeting_id=prefix, meeting={"prefix": prefix})

    def delete(self, session) -> None:
        for occurrence in session.occurrences:
            if occurrence.ended_at is None:
                self.api("end", {"meetingID": self.meeting_id(session, occurrence)})  # notFound: not running

    def start(self, session, occurrence, callbacks: dict) -> None:
        """Create the occurrence's meeting (idempotent while it runs)."""
        params = {
            "name": session.title[:200],
            "meetingID": self.meeting_id(session, occurrence),
            "record": "true",
            "autoStartRecording": "false",
            "allowStartStopRecording": "true",
            "duration": str(occurrence.duration_minutes + 60),
            "guestPolicy": "ASK_MODERATOR" if session.waiting_room else "ALWAYS_ACCEPT",
            "meetingKeepEvents": "true",
            "meta_analytics-callback-url": callbacks["analytics"],
            "meta_endCallbackUrl": callbacks["end"],
            "meta_bbb-origin": "lms",
        }
        self.api("create", params)

    def join(self, session, occurrence, user, moderator: bool) -> JoinTarget:
        from lms_zoom import webhooks

        self.start(session, occurrence, webhooks.bbb_callbacks(occurrence))
        return JoinTarget(
            url=self.signed_url(
                "join",
                {
                    "fullName": user.name,
                    "meetingID": self.meeting_id(session, occurrence),
                    "role": "MODERATOR" if moderator else "VIEWER",
                    "userID": str(user.id),
                    "guest": "false",
                    "redirect": "true",
                },
            )
        )

    def end(self, session, occurrence) -> None:
        self.api("end", {"meetingID": self.meeting_id(session, occurrence)})

    def recordings(self, session, occurrence) -> list[FoundRecording]:
        root = self.api("getRecordings", {"meetingID": self.meeting_id(session, occurrence)})
        found = []
        for recording in root.iter("recording"):
            if (recording.findtext("published") or "true") != "true":
                continue
            record_id = recording.findtext("recordID")
            for playback in recording.iter("format"):
                if playback.findtext("type") not in ("presentation", "video"):
                    continue
                length = playback.findtext("length")
                start = recording.findtext("startTime")
                found.append(
                    FoundRecording(
                        external_id=f"{record_id}:{playback.findtext('type')}",
                        url=playback.findtext("url"),
                        duration_seconds=int(length) * 60 if length and length.isdigit() else None,
                        recorded_at=datetime.fromtimestamp(int(start) / 1000, timezone.utc)
                        if start and start.isdigit()
                        else None,
                    )
                )
                break
        return found
