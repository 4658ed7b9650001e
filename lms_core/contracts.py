"""Small value types that hooks return to the core (see ``hookspecs.py``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from lms_core.payloads import NotificationInfo, UserInfo


@dataclass(frozen=True)
class Refusal:
    """A filter hook's answer that stops (or, with ``hold=True``, holds) an action.

    ``reason`` is shown to the user, so pass a translated string (``gettext``);
    ``code`` is the stable machine-readable code returned by the API. A hold may
    name ``url``, where the learner continues (a checkout page, say): the enrolment
    form sends them there.
    """

    reason: str
    code: str = "refused"
    hold: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Requirement:
    """One condition of course completion, shown on the course's progress panel."""

    label: str
    met: bool
    url: str | None = None


@dataclass(frozen=True)
class NavLink:
    """A link in the main menu. ``area`` is ``"main"`` or ``"admin"``; ``"account"``
    links are listed on the user's account page instead of the menu."""

    label: str
    url: str
    area: str = "main"


@dataclass(frozen=True)
class PeriodicTask:
    """A function run every ``interval`` seconds by ``lms scheduler`` (or ``lms tick``).

    ``function`` must be importable at module level (rq enqueues it by name) and take
    no arguments; it runs inside an application context.
    """

    name: str
    function: Callable[[], Any]
    interval: int


class NotificationChannel(ABC):
    """Base class for delivery channels contributed through ``lms_notification_channels``.

    ``deliver`` runs in a job, after the notification is stored in the inbox. It
    receives snapshots (``lms_core.payloads``) and should raise on failure so the job
    is retried.
    """

    name: str = "channel"

    def wants(self, notification: NotificationInfo, user: UserInfo) -> bool:
        """Whether this notification should go out on this channel (default: all)."""
        return True

    @abstractmethod
    def deliver(self, notification: NotificationInfo, user: UserInfo) -> None:
        """Send ``notification`` to ``user``; raise to have the job retried."""
