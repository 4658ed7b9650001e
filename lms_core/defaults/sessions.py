"""Ended log-in sessions lose their live connections, through the event log: when Redis
(the Socket.IO message queue) is unreachable at the moment a session ends, the log-out
itself still succeeds and the disconnect is delivered again once Redis is back."""

from __future__ import annotations

from hookspecs import hookimpl


@hookimpl(trylast=True)
def on_sessions_ended(user, session_ids):
    from lms_core.realtime import disconnect_sessions

    disconnect_sessions(session_ids)  # raises while Redis is unreachable: redelivered later
