"""The one interface every video provider implements, and the registry of providers.

The rest of the plugin never knows which provider a session uses: it asks the
provider object to create, update or delete the meeting (always in a job), to send a
learner into it (``join``), and, where the provider can be asked afterwards, for
attendance and recordings. Every call to another host goes through ``http.call`` with
the configured timeout; a failure raises ``ProviderError`` (``retryable`` when trying
again later may help: a timeout, a 5xx, a rate limit) or ``ProviderRefused`` (the
provider refuses our credentials: the admin has to fix the settings).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from lms_zoom import settings


class ProviderError(Exception):
    """A provider call failed. ``str(error)`` is shown to the teacher."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class ProviderRefused(ProviderError):
    """The provider refused our credentials (401/403, a bad checksum, invalid_client)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message, retryable=False, status=status)


class NotConfigured(ProviderError):
    def __init__(self, name: str):
        super().__init__(f"The provider “{name}” is not configured on this site.", retryable=False)


@dataclass
class Created:
    """What ``create`` returns: the provider's id for the meeting, what else we need to
    keep (join URLs, room names, ...), and provider ids of the occurrences by number."""

    meeting_id: str
    meeting: dict = field(default_factory=dict)
    occurrences: dict[int, str] = field(default_factory=dict)


@dataclass
class JoinTarget:
    """Where a learner goes: a provider URL (``url``) or an embedded room (``embed``)."""

    url: str | None = None
    embed: dict | None = None


@dataclass(frozen=True)
class Interval:
    """Attendance reported by a provider, already mapped to an LMS user id."""

    user_id: int
    source_key: str
    joined_at: datetime
    left_at: datetime | None


@dataclass(frozen=True)
class FoundRecording:
    external_id: str
    url: str
    duration_seconds: int | None
    recorded_at: datetime | None


class Provider(ABC):
    name: str = ""
    label = ""
    has_waiting_room = False
    has_passcode = False

    @abstractmethod
    def configured(self) -> bool:
        """Whether the admin gave this provider what it needs."""

    @abstractmethod
    def create(self, session) -> Created:
        """Create the meeting for ``session`` (every occurrence)."""

    def update(self, session) -> dict | None:
        """Bring the provider's meeting in line with ``session``; returns new meeting data or None."""
        return None

    @abstractmethod
    def delete(self, session) -> None:
        """Remove the meeting. A meeting the provider no longer knows is not an error."""

    @abstractmethod
    def join(self, session, occurrence, user, moderator: bool) -> JoinTarget:
        """Where ``user`` (a ``User`` row) goes to join ``occurrence``."""

    def attendance(self, session, occurrence, users_by_email: dict[str, int]) -> list[Interval] | None:
        """Attendance the provider reports after the meeting, or None when it pushes it instead."""
        return None

    def recordings(self, session, occurrence) -> list[FoundRecording] | None:
        """Recordings to ask for after the meeting, or None when the provider pushes them."""
        return None


def _registry() -> dict[str, type[Provider]]:
    from lms_zoom.providers.bigbluebutton import BigBlueButtonProvider
    from lms_zoom.providers.jitsi import JitsiProvider
    from lms_zoom.providers.teams import TeamsProvider
    from lms_zoom.providers.zoom import ZoomProvider

    return {p.name: p for p in (JitsiProvider, ZoomProvider, TeamsProvider, BigBlueButtonProvider)}


NAMES = ("jitsi", "zoom", "teams", "bigbluebutton")
LABELS = {
    "jitsi": _l("Jitsi Meet"),
    "zoom": _l("Zoom"),
    "teams": _l("Microsoft Teams"),
    "bigbluebutton": _l("BigBlueButton"),
}


def get(name: str) -> Provider:
    cls = _registry().get(name)
    if cls is None:
        raise NotConfigured(name)
    return cls()


def enabled() -> list[str]:
    """The providers a teacher may choose: the admin's list, or every configured one."""
    chosen = settings.get("ZOOM_ENABLED_PROVIDERS")
    if chosen:
        names = [n.strip() for n in (chosen.split(",") if isinstance(chosen, str) else chosen) if n.strip() in NAMES]
    else:
        names = list(NAMES)
    return [n for n in names if get(n).configured()]


def default() -> str:
    names = enabled()
    preferred = settings.get("ZOOM_DEFAULT_PROVIDER")
    return preferred if preferred in names else (names[0] if names else "jitsi")
