"""The chat's periodic work."""

from __future__ import annotations


def remove_orphan_files() -> int:
    """Delete stored files no message refers to (a crash between writing a file and
    committing its message), and unfinished ``.part`` files; returns how many went."""
    from lms_core import db

    from lms_chat.messages import store
    from lms_chat.models import ChatAttachment

    known = set(db.session.execute(db.select(ChatAttachment.stored_name)).scalars())
    return store().remove_orphans(known)
