"""The plugin's jobs and periodic tasks (module-level functions: rq enqueues them by name)."""

from __future__ import annotations

from lms_core import db, enqueue
from lms_core.models.base import utcnow

from lms_notifications import delivery

SEND_CHUNK = 100


def deliver_notification(notification_id: int) -> dict:
    """Plan one stored notification on its channels and send what is due now."""
    return delivery.send(delivery.plan(notification_id))


def send_deliveries(delivery_ids: list[int]) -> dict:
    return delivery.send(delivery_ids)


def send_digest(user_id: int, channel: str) -> int:
    return delivery.send_digest(user_id, channel)


def dispatch() -> dict:
    """Periodic task ``notifications.dispatch``: messages whose quiet hours are over,
    retries whose back-off has passed, digests that are due, interrupted sends."""
    now = utcnow()
    released = delivery.release_stale(now)
    ids = delivery.due_ids(now)
    for start in range(0, len(ids), SEND_CHUNK):
        enqueue(send_deliveries, ids[start : start + SEND_CHUNK])
    groups = delivery.digest_groups(now)
    for user_id, channel in groups:
        enqueue(send_digest, user_id, channel)
    from lms_notifications import announcements

    retried = announcements.resume_stalled(now)
    return {"due": len(ids), "digests": len(groups), "released": released, "announcement_batches": retried}


def course_starts() -> dict:
    """Periodic task ``notifications.course_starts``."""
    from lms_notifications import course_start

    return course_start.send_due()


def telegram_updates() -> int:
    """Periodic task ``notifications.telegram``: link accounts from the bot's updates."""
    from lms_notifications.channels import telegram
    from lms_notifications.channels.base import DeliveryError
    from lms_notifications import settings

    try:
        return telegram.poll()
    except DeliveryError as exc:
        settings.record_provider_error("telegram", str(exc))
        db.session.rollback()
        return 0


def announcement_batch(announcement_id: int, user_ids: list[int], batch: int) -> dict:
    from lms_notifications import announcements

    return announcements.send_batch(announcement_id, user_ids, batch)
