"""The plugin's notification (a teacher's message to a learner at risk), its title drawn
in the language of whoever reads it (``lms_notification_texts``); the message itself is
shown as the teacher wrote it."""

from __future__ import annotations

from flask_babel import gettext as _

from lms_core import notification_name

MESSAGE = "analytics.message"


def message_title(params: dict) -> str | None:
    if "sender" not in params:  # written before the title's parts were kept: as stored
        return None
    return _(
        "A message from %(name)s about %(course)s",
        name=params.get("sender", ""),
        course=notification_name(params, "course"),
    )


def texts() -> dict:
    return {MESSAGE: message_title}
