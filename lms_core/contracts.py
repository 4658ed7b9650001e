"""Small value types that hooks return to the core (see ``hookspecs.py``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, ClassVar

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
    links are listed on the user's account page instead of the menu. Any other area is
    shown as a main link."""

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


@dataclass(frozen=True)
class WorkspaceTab:
    """A tab of a course's teacher workspace (``lms_course_workspace_tabs``).

    ``key`` names the tab (the page it opens marks it current with the same key: pass
    it to the ``course_tabs`` macro); ``count`` is shown beside the label when set (work
    waiting, e.g. hand-ins to grade); tabs are sorted by ``order`` then label.
    """

    key: str
    label: str
    url: str
    count: int | None = None
    order: int = 100


@dataclass(frozen=True)
class GradebookItem:
    """One graded column of a course's gradebook (``lms_gradebook_items``).

    ``key`` is stable and unique in the course (``"<plugin>:<kind>:<id>"``): overrides
    and categories are stored against it. ``scores`` maps a learner's user id to the
    points they have (learners without a grade yet are left out: "missing");
    ``max_points`` is the item's maximum (greater than 0). ``url`` opens the item for
    the teacher. ``settles_at`` (an aware UTC ``datetime``): until then the points change
    with time alone (an attendance still being measured); leave it ``None`` when they
    change only when something is recorded. ``tracked``: ``True`` when the plugin calls
    ``lms_core.gradebook_changed`` in every transaction that changes a learner's points
    of this item; the gradebook's filters then trust their stored summaries. Left
    ``False`` (the default), the points are taken as live: the filters' summaries follow
    them at most ``LIVE_LAYOUT_SECONDS`` (a minute) behind, at the cost of recomputing
    the course's summaries each minute a filter is used.
    """

    key: str
    title: str
    max_points: float
    scores: dict[int, float]
    url: str | None = None
    date: Any = None
    settles_at: Any = None
    tracked: bool = False


@dataclass(frozen=True)
class UpcomingItem:
    """Something coming up for a learner, on their dashboard (``lms_dashboard_upcoming``):
    a deadline (``kind="deadline"``: ``at`` is when it is due) or a live session
    (``kind="live_session"``: ``at`` is its start, ``ends_at`` its end). ``at`` is an
    aware UTC ``datetime``; the dashboard shows it in the reader's time zone. ``title``
    (in the reader's language) links to ``url``; ``label`` says what it is ("Assignment"),
    ``note`` its state ("Draft saved"); ``action_label``/``action_url`` add a button
    ("Join"). ``course_id`` names the course it belongs to."""

    DEADLINE: ClassVar[str] = "deadline"
    LIVE_SESSION: ClassVar[str] = "live_session"
    KINDS: ClassVar[tuple[str, ...]] = (DEADLINE, LIVE_SESSION)

    kind: str
    title: str
    url: str
    at: datetime
    course_id: int | None = None
    label: str = ""
    note: str = ""
    ends_at: datetime | None = None
    action_label: str = ""
    action_url: str = ""


@dataclass(frozen=True)
class TodoItem:
    """Work waiting for a teacher (``lms_teacher_todo``): ``count`` things at ``url``
    (e.g. "3 hand-ins to grade"), in the course ``course_id`` when it belongs to one."""

    label: str
    url: str
    count: int
    course_id: int | None = None
