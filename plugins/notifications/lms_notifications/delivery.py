"""Deliveries: a message planned on its channels, then sent, retried with back-off,
given up (falling back to the scenario's next channel) or skipped.

Every send first claims its row (``queued``/``retrying`` -> ``sending``) in one UPDATE:
a retried job, a second worker or the periodic sweep that finds the same row can never
send it twice. The row's unique ``key`` (message, recipient, channel) keeps a message
from being planned twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from lms_core import db
from lms_core.models import Notification, User
from lms_core.models.base import utcnow

from lms_notifications import preferences, scenarios, settings, templating
from lms_notifications.channels import all_channels
from lms_notifications.channels.base import DeliveryError
from lms_notifications.models import GIVEN_UP, QUEUED, RETRYING, SENDING, SENT, SKIPPED, Delivery

log = logging.getLogger("lms.notifications")

STALE_SENDING = timedelta(minutes=10)  # a claim older than this belonged to a process that died


def key_for(notification_id: int, channel: str) -> str:
    return f"n{notification_id}:{channel}"


# ---------------------------------------------------------------- planning


def plan(notification_id: int, now: datetime | None = None) -> list[int]:
    """Plan the deliveries of one stored notification; returns the ids due now.
    Planning twice plans nothing new (the rows' keys are unique)."""
    now = now or utcnow()
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        return []
    user = db.session.get(User, notification.user_id)
    if user is None or not user.active:
        return []
    scenario = scenarios.get(notification.kind)
    choices = preferences.explicit(user.id, [scenario.name])
    reach = preferences.Reach([user.id])
    due = []
    for p in preferences.choose(scenario, user, choices, reach, now):
        row = Delivery(
            key=key_for(notification.id, p.channel),
            notification_id=notification.id,
            user_id=user.id,
            scenario=scenario.name,
            channel=p.channel,
            frequency=p.frequency,
            status=QUEUED,
            fallback=list(p.fallback),
            due_at=p.due_at,
            attempts=0,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            continue  # planned already (a redelivered event or a retried job)
        if p.frequency == "immediately" and p.due_at <= now:
            due.append(row)
    db.session.commit()
    return [row.id for row in due]


# ---------------------------------------------------------------- sending


def claim(delivery_ids, now: datetime | None = None) -> list[int]:
    """Take the rows that are still due for this process; the others are left alone."""
    now = now or utcnow()
    if not delivery_ids:
        return []
    claimed = (
        db.session.execute(
            db.update(Delivery)
            .where(Delivery.id.in_(list(delivery_ids)), Delivery.status.in_((QUEUED, RETRYING)), Delivery.due_at <= now)
            .values(status=SENDING, attempts=Delivery.attempts + 1, updated_at=now)
            .returning(Delivery.id)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return sorted(claimed)


def rate_limited(user_id: int, channel: str, now: datetime) -> bool:
    limit = int(settings.config("NOTIFICATIONS_RATE_LIMIT") or 0)
    if not limit:
        return False
    since = now - timedelta(seconds=int(settings.config("NOTIFICATIONS_RATE_WINDOW")))
    count = db.session.execute(
        db.select(db.func.count(Delivery.id)).where(
            Delivery.user_id == user_id, Delivery.channel == channel, Delivery.status == SENT, Delivery.sent_at >= since
        )
    ).scalar_one()
    return count >= limit


def message_for(delivery: Delivery, user: User, notification: Notification) -> templating.Message:
    scenario = scenarios.get(delivery.scenario)
    message, _broken = templating.render(
        scenario, templating.language_of(user), templating.context_for(notification, user)
    )
    return message


def send(delivery_ids, now: datetime | None = None) -> dict:
    """Send the given deliveries that are due; returns counts by outcome."""
    now = now or utcnow()
    outcome = {"sent": 0, "failed": 0, "skipped": 0}
    channels = all_channels()
    for delivery_id in claim(delivery_ids, now):
        delivery = db.session.get(Delivery, delivery_id)
        user = db.session.get(User, delivery.user_id)
        notification = db.session.get(Notification, delivery.notification_id) if delivery.notification_id else None
        if user is None or notification is None:
            finish(delivery, SKIPPED, error="the recipient or the message no longer exists")
            outcome["skipped"] += 1
            continue
        channel = channels[delivery.channel]
        reach = preferences.Reach([user.id])
        address = reach.address(user, delivery.channel)
        if address is None:
            give_up(delivery, "the recipient can no longer be reached on this channel", now)
            outcome["failed"] += 1
            continue
        if rate_limited(user.id, delivery.channel, now):
            finish(delivery, SKIPPED, error="rate limit reached for this person and channel")
            outcome["skipped"] += 1
            continue
        try:
            reference = channel.send(user, address, message_for(delivery, user, notification))
        except DeliveryError as exc:
            fail(delivery, exc, now)
            outcome["failed"] += 1
            continue
        except Exception as exc:  # a bug or an unexpected answer: retried like a provider error
            log.exception("channel %s failed on delivery %s", delivery.channel, delivery.id)
            fail(delivery, DeliveryError(f"{type(exc).__name__}: {exc}"), now)
            outcome["failed"] += 1
            continue
        mark_sent(delivery, reference, address, now)
        outcome["sent"] += 1
    return outcome


def mark_sent(delivery: Delivery, reference, address, now: datetime) -> None:
    delivery.status, delivery.sent_at, delivery.error = SENT, now, None
    delivery.provider_ref = (str(reference) if reference else None) and str(reference)[:200]
    delivery.address = mask(delivery.channel, address)
    db.session.commit()
    if settings.provider_errors().get(delivery.channel):
        settings.record_provider_error(delivery.channel, None)


def finish(delivery: Delivery, status: str, error: str | None = None) -> None:
    delivery.status, delivery.error = status, error
    db.session.commit()


def fail(delivery: Delivery, exc: DeliveryError, now: datetime) -> None:
    """A failed attempt: retried after the next back-off interval, or given up."""
    message = str(exc)[:2000]
    if not exc.permanent:  # the provider or its setting, not this recipient: the admin should know
        settings.record_provider_error(delivery.channel, message)
    intervals = settings.retry_intervals()
    if exc.permanent or delivery.attempts > len(intervals):
        give_up(delivery, message, now)
        return
    delivery.status, delivery.error = RETRYING, message
    delivery.due_at = now + timedelta(seconds=int(intervals[delivery.attempts - 1]))
    db.session.commit()


def give_up(delivery: Delivery, error: str, now: datetime) -> Delivery | None:
    """Stop trying this channel; plan the scenario's next channel when there is one."""
    delivery.status, delivery.error = GIVEN_UP, error[:2000]
    remaining = list(delivery.fallback or [])
    db.session.commit()
    if not remaining or delivery.notification_id is None:
        return None
    user = db.session.get(User, delivery.user_id)
    reach = preferences.Reach([user.id])
    while remaining:
        channel = remaining.pop(0)
        if not reach.address(user, channel):
            continue
        row = Delivery(
            key=key_for(delivery.notification_id, channel),
            notification_id=delivery.notification_id,
            announcement_id=delivery.announcement_id,
            user_id=delivery.user_id,
            scenario=delivery.scenario,
            channel=channel,
            frequency="immediately",
            status=QUEUED,
            fallback=remaining,
            due_at=now,
            attempts=0,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            continue
        db.session.commit()
        send([row.id], now)  # at once: the next channel is the one that can still reach them
        return row
    return None


def mask(channel: str, address) -> str | None:
    """What the delivery log shows of an address (never a whole phone number)."""
    if not address:
        return None
    address = str(address)
    if channel == "sms" and len(address) > 4:
        return "•" * (len(address) - 4) + address[-4:]
    if channel == "telegram":
        return "Telegram"
    return address[:300]


# ---------------------------------------------------------------- the periodic sweep


def due_ids(now: datetime, limit: int = 1000) -> list[int]:
    """Immediate messages whose time has come (quiet hours over, retry due)."""
    return (
        db.session.execute(
            db.select(Delivery.id)
            .where(Delivery.status.in_((QUEUED, RETRYING)), Delivery.due_at <= now, Delivery.frequency == "immediately")
            .order_by(Delivery.due_at)
            .limit(limit)
        )
        .scalars()
        .all()
    )


def release_stale(now: datetime) -> int:
    """Claims of a process that died mid-send are retried (delivery is at least once)."""
    released = db.session.execute(
        db.update(Delivery)
        .where(Delivery.status == SENDING, Delivery.updated_at < now - STALE_SENDING)
        .values(status=RETRYING, due_at=now, error="interrupted: the sending process stopped")
    ).rowcount
    db.session.commit()
    return released


def digest_groups(now: datetime) -> list[tuple[int, str]]:
    return db.session.execute(
        db.select(Delivery.user_id, Delivery.channel)
        .where(
            Delivery.status.in_((QUEUED, RETRYING)), Delivery.frequency.in_(("daily", "weekly")), Delivery.due_at <= now
        )
        .distinct()
    ).all()


def send_digest(user_id: int, channel_name: str, now: datetime | None = None) -> int:
    """One message with every due digest item of the user on that channel."""
    from flask_babel import force_locale, ngettext

    now = now or utcnow()
    ids = (
        db.session.execute(
            db.select(Delivery.id).where(
                Delivery.user_id == user_id,
                Delivery.channel == channel_name,
                Delivery.status.in_((QUEUED, RETRYING)),
                Delivery.frequency.in_(("daily", "weekly")),
                Delivery.due_at <= now,
            )
        )
        .scalars()
        .all()
    )
    claimed = claim(ids, now)
    if not claimed:
        return 0
    rows = db.session.execute(db.select(Delivery).where(Delivery.id.in_(claimed)).order_by(Delivery.id)).scalars().all()
    user = db.session.get(User, user_id)
    reach = preferences.Reach([user_id])
    address = reach.address(user, channel_name)
    items = []
    for row in rows:
        notification = db.session.get(Notification, row.notification_id) if row.notification_id else None
        if notification is not None:
            items.append(message_for(row, user, notification))
    language = templating.language_of(user)
    with force_locale(language):
        subject = ngettext("Your digest: %(num)d notification", "Your digest: %(num)d notifications", len(items))
        lines = [f"• {m.subject}" + (f"\n  {m.url}" if m.url else "") for m in items]
        text = "\n".join(lines)
        short = ngettext("%(num)d new notification", "%(num)d new notifications", len(items))
    digest = templating.Message(
        subject=subject,
        text=text,
        html=templating.paragraphs(text.replace("\n•", "\n\n•")),
        short=short,
        url=None,
        scenario=rows[0].scenario if len({r.scenario for r in rows}) == 1 else "",
    )
    if address is None or not items:
        for row in rows:
            give_up(row, "the recipient can no longer be reached on this channel", now)
        return 0
    try:
        reference = all_channels()[channel_name].send(user, address, digest)
    except DeliveryError as exc:
        for row in rows:
            fail(row, exc, now)
        return 0
    for row in rows:
        row.status, row.sent_at, row.error = SENT, now, None
        row.provider_ref, row.address = (str(reference)[:200] if reference else None), mask(channel_name, address)
    db.session.commit()
    return len(rows)
