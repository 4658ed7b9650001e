"""The event the live-lectures plugin declares for other plugins (through
``lms_addhooks``); delivered through the core's event log like the core's own events.

An xAPI or analytics plugin records attendance like this::

    from lms_core import hookimpl

    @hookimpl(optionalhook=True)
    def on_live_session_attended(user, session, occurrence, minutes, event):
        record(user.id, session["title"], minutes, key=event.id)
"""

from lms_core import hookspec


@hookspec
def on_live_session_attended(user, session: dict, occurrence: dict, minutes: int, event) -> None:
    """A learner's attendance of one meeting of a live session is final: the meeting
    ended and the provider's report was read (for every provider, a few minutes after
    the end). Fires once per learner and meeting, for every learner with at least one
    minute. ``user`` is a ``UserInfo``; ``session`` is ``{"id", "title", "course_id",
    "provider"}``; ``occurrence`` is ``{"id", "number", "starts_at"}`` (ISO 8601, UTC);
    ``minutes`` the learner's minutes in it, corrections applied. Implement it with
    ``optionalhook=True``, so your plugin also loads where this one is not installed."""
