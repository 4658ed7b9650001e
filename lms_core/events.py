"""Event hooks fire after the change that caused them is committed.

Services call ``emit(...)`` while they change rows, then ``commit()``: the events are
queued on the session, discarded if it rolls back, and dispatched one implementation
at a time once the commit succeeded. Handlers may commit and emit in turn.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from lms_core.extensions import db

_QUEUE_KEY = "lms_pending_events"


def emit(hook_name: str, **payload) -> None:
    """Queue an event for dispatch after the next successful ``commit()``."""
    db.session.info.setdefault(_QUEUE_KEY, []).append((hook_name, payload))


def commit() -> None:
    """Commit the session, then dispatch the events queued while it was open."""
    db.session.commit()
    dispatch()


def dispatch() -> None:
    from lms_core.plugins import get_plugin_manager

    plugins = get_plugin_manager()
    queue = db.session.info.get(_QUEUE_KEY)
    while queue:
        hook_name, payload = queue.pop(0)
        plugins.call_each(hook_name, **payload)
        if db.session.new or db.session.dirty or db.session.deleted:
            # a handler changed rows without committing: do not let them leak into
            # the next request's transaction
            db.session.rollback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_events_of_rolled_back_work(session, previous_transaction):
    session.info.pop(_QUEUE_KEY, None)
