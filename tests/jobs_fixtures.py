"""Job functions used by the tests (rq enqueues functions by their import path)."""
from lms_core.extensions import db
from lms_core.models import Notification

CALLS = []


def write_note(user_id: int, title: str) -> None:
    db.session.add(Notification(user_id=user_id, kind="test", title=title))
    db.session.commit()


def always_fails(reason: str) -> None:
    raise RuntimeError(reason)
