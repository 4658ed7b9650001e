from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime

from flask import current_app
from flask_babel import force_locale

from lms_core import events
from lms_core.extensions import db
from lms_core.models import Notification, User, utcnow
from lms_core.payloads import NotificationInfo, UserInfo
from lms_core.sql import read

# The person a notification is being written for while notify() renders it: its dates
# are then in the recipient's time zone, not that of whoever caused it.
_RECIPIENT: ContextVar[User | None] = ContextVar("lms_notification_recipient", default=None)


def notify(user, kind: str, title=None, body="", url: str | None = None, params: dict | None = None) -> Notification:
    """Store a notification in ``user``'s inbox, push it live and hand it to every
    channel (e-mail, SMS, push, ...) in a job.

    ``title`` and ``body`` may be callables taking no argument: they are then
    rendered in the recipient's language (``lambda: _("Grade released")``). Without a
    ``title``, the kind's own renderer (``lms_notification_texts``) draws title and body
    from ``params`` in the recipient's language: the same function then renders it again
    in each reader's language whenever it is shown.
    ``user`` is a ``User`` row, a snapshot or an id. ``kind`` names the scenario
    (``"assignments.deadline"``); ``params`` (JSON values) are what the message was
    made from, kept with it so that channels can render the scenario's own templates.
    """
    user_id = user if isinstance(user, int) else user.id
    recipient = db.session.get(User, user_id)
    locale = recipient.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]
    token = _RECIPIENT.set(recipient)
    try:
        with force_locale(locale):
            title_text, body_text = _texts(kind, title, body, params)
    finally:
        _RECIPIENT.reset(token)
    notification = Notification(
        user_id=user_id, kind=kind, title=title_text[:300], body=body_text, url=url, params=dict(params or {})
    )
    db.session.add(notification)
    db.session.flush()
    info, user_info = NotificationInfo.of(notification), UserInfo.of(recipient)
    # Each channel's delivery is a delivery of the event, written with the notification:
    # Redis down or a crash after the commit delays it, never loses it.
    events.emit_to(
        "on_notification_created",
        {"notification": info, "user": user_info},
        extra_targets=tuple(channel_targets(info, user_info)),
    )
    db.session.commit()
    push_notification(info)
    events.dispatch()
    return notification


def _texts(kind: str, title, body, params) -> tuple[str, str]:
    """Title and body in the current (forced) language: the kind's renderer when no
    title is given, else the given texts (callables are called)."""
    if title is None:
        render = _renderers().get(kind)
        if render is None:
            raise ValueError(f"notify(): no title given and no lms_notification_texts renderer for {kind!r}")
        result = render(dict(params or {}))
        title, body = result if isinstance(result, tuple) else (result, body)
    return str(title() if callable(title) else title), str((body() if callable(body) else body) or "")


def moment_param(moment: datetime | None) -> str:
    """A moment as a notification's params keep it (ISO 8601, UTC), for
    ``notification_when``."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # the database's UTC without its zone (SQLite)
        from datetime import timezone

        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def name_params(key: str, obj, recipient=None, field: str = "title", course=None) -> dict:
    """The name of a course's content (the course itself, a lesson, a quiz, a plugin's
    assignment...) as a notification's params keep it: ``{key: text, key + "_names":
    names}``, where ``names`` holds its text in the course's default language and in
    every language it is translated to, so that ``notification_name(params, key)``
    shows it in the language of whoever reads it, and ``text`` is what ``recipient``
    (a ``User`` or snapshot; ``None``: the course's language) reads now, for the
    channels' templates and for code that reads the plain key. ``course`` is found from
    ``obj`` (itself, or its ``course``) unless given. One query.
    """
    from lms_core.i18n import object_type
    from lms_core.models import Course, Translation

    if course is None:
        course = obj if isinstance(obj, Course) else getattr(obj, "course", None)
    translations = {
        language: text
        for language, text in db.session.execute(
            db.select(Translation.language, Translation.text).where(
                Translation.object_type == object_type(obj),
                Translation.object_id == obj.id,
                Translation.field == field,
            )
        )
        if text
    }
    names = {
        "language": course.default_language if course is not None else "",
        "text": str(getattr(obj, field) or ""),
        "translations": translations,
    }
    language = getattr(recipient, "locale", None) or (
        current_app.config["LMS_DEFAULT_LANGUAGE"] if recipient is not None else names["language"]
    )
    return {key: _name_in(names, language), f"{key}_names": names}


def _name_in(names: dict, language: str) -> str:
    text = names.get("text")
    if language != names.get("language"):
        translations = names.get("translations") or {}
        text = translations.get(language) or translations.get(language.split("_")[0]) or text
    return str(text or "")


def notification_name(params: dict, key: str) -> str:
    """``params[key]`` in the reader's current language: from what ``name_params``
    kept, its translation, else its text in the course's language; else the text kept
    under ``key`` itself (a row written before names were kept, or a name that is not
    course content)."""
    from flask_babel import get_locale

    names = params.get(f"{key}_names")
    if isinstance(names, dict):
        text = _name_in(names, str(get_locale() or ""))
        if text:
            return text
    return str(params.get(key) or "")


def notification_when(value, fallback: str = "", with_date: bool = True) -> str:
    """A moment kept in a notification's params (``moment_param``) written in the current
    language and the reader's time zone, without seconds and with the zone named. While
    ``notify`` writes it, the reader is the recipient; when it is shown, whoever reads
    it. ``fallback`` (the text an older row stored) when there is no moment;
    ``with_date=False`` for the time of day alone ("starts today at ...")."""
    from babel.dates import format_date, format_time, get_timezone
    from flask_babel import get_locale

    from lms_core.i18n import select_timezone

    if not value:
        return fallback
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return fallback or str(value)
    if moment.tzinfo is None:  # written without its zone: UTC, as moment_param writes it
        from datetime import timezone

        moment = moment.replace(tzinfo=timezone.utc)
    recipient = _RECIPIENT.get()
    zone_name = (recipient.timezone if recipient is not None else None) or (
        select_timezone() if recipient is None else current_app.config["LMS_DEFAULT_TIMEZONE"]
    )
    try:
        zone = get_timezone(zone_name)
    except LookupError:  # a zone this machine's tz database does not know
        zone_name = "UTC"
        zone = get_timezone(zone_name)
    locale = get_locale()
    local = moment.astimezone(zone)
    if not with_date:
        return f"{format_time(local, 'short', locale=locale)} ({zone_name})"
    pattern = str(locale.datetime_formats.get("medium", "{1}, {0}"))
    text = pattern.replace("{1}", format_date(local, "medium", locale=locale)).replace(
        "{0}", format_time(local, "short", locale=locale)
    )
    return f"{text} ({zone_name})"


def _renderers() -> dict:
    """``{kind: render}`` of every enabled plugin (``lms_notification_texts``), once per
    request (a page lists many notifications)."""
    from flask import g, has_request_context

    from lms_core.plugins import get_plugin_manager

    renderers = g.get("lms_notification_texts") if has_request_context() else None
    if renderers is None:
        renderers = {}
        for _plugin, texts in get_plugin_manager().call_each_with_names("lms_notification_texts"):
            renderers.update(texts or {})
        if has_request_context():
            g.lms_notification_texts = renderers
    return renderers


def shown_texts(rows) -> dict[int, tuple[str, str]]:
    """``{notification id: (title, body)}`` in the current language: each kind a plugin
    renders (``lms_notification_texts``) from its stored params; the stored text for
    a row without params, when the renderer returns ``None`` or when it fails."""
    import logging

    renderers = _renderers()
    shown = {}
    for row in rows:
        title, body = row.title, row.body
        render = renderers.get(row.kind) if row.params else None  # a row without params: as stored
        if render is not None:
            try:
                result = render(dict(row.params))
                if result is None:  # the renderer cannot draw this (older) row
                    result = (title, body)
                title, body = result if isinstance(result, tuple) else (result, body)
                title, body = str(title)[:300], str(body or "")
            except Exception:  # a plugin's bug must not hide the inbox: keep the stored text
                logging.getLogger("lms.notifications").exception("rendering notification %s failed", row.id)
                title, body = row.title, row.body
        shown[row.id] = (title, body)
    return shown


def push_notification(info: NotificationInfo) -> None:
    from lms_core.realtime import push, user_room

    push(
        user_room(info.user_id),
        "notification",
        {
            "id": info.id,
            "kind": info.kind,
            "title": info.title,
            "body": info.body,
            "url": info.url,
            "unread": unread_count(info.user_id),
        },
    )


def channel_targets(info: NotificationInfo, user_info: UserInfo) -> list[str]:
    """``"<plugin>/<channel>"`` for every enabled channel that wants the notification."""
    from lms_core.plugins import get_plugin_manager

    return [
        f"{plugin_name}/{channel.name}"
        for plugin_name, channels in get_plugin_manager().call_each_with_names("lms_notification_channels")
        for channel in channels
        if channel.wants(info, user_info)
    ]


def deliver_job(plugin_name: str, channel_name: str, notification_id: int) -> None:
    """Job: one channel's delivery of one notification (retried by rq on failure).
    Enqueued by the event log's delivery to the target ``"<plugin>/<channel>"``."""
    from lms_core.plugins import get_plugin_manager

    notification = db.session.get(Notification, notification_id)
    if notification is None:
        return
    recipient = db.session.get(User, notification.user_id)
    for name, channels in get_plugin_manager().call_each_with_names("lms_notification_channels"):
        for channel in channels:
            if name == plugin_name and channel.name == channel_name:
                channel.deliver(NotificationInfo.of(notification), UserInfo.of(recipient))


_UNREAD = db.select(db.func.count(Notification.id)).where(
    Notification.user_id == db.bindparam("user_id"), Notification.read_at.is_(None)
)  # built once: every page


def unread_count(user_id: int) -> int:
    return read(_UNREAD, {"user_id": user_id}).scalar_one()


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) notification of the user read; returns how many changed."""
    query = db.update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    changed = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.commit()
    from lms_core.realtime import push, user_room

    push(user_room(user_id), "unread", {"unread": unread_count(user_id)})
    return changed


def notify_many(
    user_ids, kind: str, title=None, body="", url: str | None = None, params: dict | None = None, deliver: bool = False
) -> dict[int, int]:
    """Store the same notification in many inboxes at once (announcements, bulk jobs):
    one INSERT per language instead of one transaction per recipient. Returns
    ``{user_id: notification_id}``. ``title``/``body`` may be callables rendered once
    per language; without a ``title`` the kind's renderer draws them (as ``notify``). Each is pushed live and fires ``on_notification_created``; with
    ``deliver=False`` the channels are not handed them (the caller delivers in batch).
    """
    from itertools import groupby

    ids = sorted({int(u) for u in user_ids})
    if not ids:
        return {}
    default = current_app.config["LMS_DEFAULT_LANGUAGE"]
    recipients = db.session.execute(db.select(User.id, User.locale).where(User.id.in_(ids))).all()
    created: dict[int, int] = {}
    by_language = sorted(((locale or default, user_id) for user_id, locale in recipients))
    for locale, group in groupby(by_language, key=lambda pair: pair[0]):
        with force_locale(locale):
            title_text, body_text = _texts(kind, title, body, params)
            title_text = title_text[:300]
        rows = [
            {
                "user_id": user_id,
                "kind": kind,
                "title": title_text,
                "body": body_text,
                "url": url,
                "params": dict(params or {}),
                "created_at": utcnow(),
            }
            for _locale, user_id in group
        ]
        result = db.session.execute(db.insert(Notification).returning(Notification.id, Notification.user_id), rows)
        created.update({user_id: notification_id for notification_id, user_id in result.all()})
    notifications = (
        db.session.execute(db.select(Notification).where(Notification.id.in_(list(created.values())))).scalars().all()
    )
    users = {u.id: UserInfo.of(u) for u in db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()}
    infos = [NotificationInfo.of(n) for n in notifications]
    for info in infos:
        user_info = users[info.user_id]
        # With deliver=True the channels' deliveries are the event's, written with it (as notify does).
        targets = tuple(channel_targets(info, user_info)) if deliver else ()
        events.emit_to("on_notification_created", {"notification": info, "user": user_info}, extra_targets=targets)
    events.commit()
    from lms_core.realtime import push, user_room

    unread = dict(
        db.session.execute(  # one query for the whole batch, not one per recipient
            db.select(Notification.user_id, db.func.count(Notification.id))
            .where(Notification.user_id.in_(ids), Notification.read_at.is_(None))
            .group_by(Notification.user_id)
        ).all()
    )
    for info in infos:
        push(
            user_room(info.user_id),
            "notification",
            {
                "id": info.id,
                "kind": info.kind,
                "title": info.title,
                "body": info.body,
                "url": info.url,
                "unread": unread.get(info.user_id, 0),
            },
        )
    return created
