"""@mentions: ``@Full Name`` of a member who may read the room notifies them (the
notification scenario ``chat.mention``) once the message is committed: ``notify``
commits, so it must not run inside the message's transaction."""

from __future__ import annotations

from lms_core import gettext as _, lazy_gettext as _l, name_params, notification_name, notify, path_for

from lms_chat import rooms

MENTION = "chat.mention"


def mentioned(room, message, author) -> list:
    """The members named with ``@`` in ``message`` who may read the room (found before
    the message's commit; ``notify_mentioned`` tells them after it)."""
    if "@" not in message.body:
        return []
    text = message.body.casefold()
    if room.kind == "direct":
        candidates = [room.user_a if room.user_b_id == author.id else room.user_b]
    else:
        candidates = rooms.members(room.course)
    # The longest name first: "@Ann Lee" is Ann Lee, not also a member called "Ann".
    found, taken = [], text
    for member in sorted(candidates, key=lambda m: -len(m.name)):
        needle = "@" + member.name.casefold()
        if member.id != author.id and needle in taken and rooms.may_read(member, room):
            found.append(member)
            taken = taken.replace(needle, " ")
    return found


def notify_mentioned(room, seq: int, body: str, author, found: list) -> None:
    """Tell each of ``found`` they were mentioned in message ``seq`` (after its commit:
    each ``notify`` commits)."""
    if not found:
        return
    url = path_for("chat.room", room_id=room.id) + f"#m{seq}"
    for member in found:
        notify(
            member,
            MENTION,
            url=url,
            params={
                "author": author.name,
                **name_params("course", room.course, member),
                "excerpt": body[:300],
                "url": url,
            },
        )


def mention_texts(params: dict) -> tuple[str, str]:
    """A mention, in the language of whoever reads it (``lms_notification_texts``)."""
    title = _(
        "%(name)s mentioned you in the chat of “%(course)s”",
        name=params.get("author", ""),
        course=notification_name(params, "course"),
    )
    return title, params.get("excerpt", "")


def scenarios() -> list[dict]:
    return [
        {
            "name": MENTION,
            "label": _l("Mentioned in a chat"),
            "description": _l("Sent when someone writes @ and your name in a course chat or a direct message."),
            "audience": "anyone",
            "channels": ["push", "email"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("{{ author }} mentioned you in the chat of “{{ course }}”"),
                "text": _l("{{ author }} wrote: {{ excerpt }}\n\nAnswer in the chat: {{ url }}"),
                "short": _l("{{ author }}: {{ excerpt }}"),
            },
            "sample": {
                "author": "Ann Lee",
                "course": "Python basics",
                "excerpt": "@Bob see lesson 3",
                "url": "/chat/1",
            },
        },
        {
            "name": "chat.report",
            "label": _l("A chat message was reported"),
            "description": _l("Sent to a course's teachers when a member reports a message in its chat."),
            "audience": "teacher",
            "channels": ["push", "email"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("{{ reporter }} reported a message in the chat of “{{ course }}”"),
                "text": _l("{{ author }} wrote: {{ excerpt }}\n\nReason: {{ reason }}"),
                "short": _l("{{ reporter }} reported: {{ excerpt }}"),
            },
            "sample": {
                "reporter": "Bob Stone",
                "author": "Ann Lee",
                "course": "Python basics",
                "excerpt": "rude words",
                "reason": "insulting",
            },
        },
    ]
