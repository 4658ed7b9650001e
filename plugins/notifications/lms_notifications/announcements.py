"""Announcements: a teacher to a course, an admin to everyone or to a role.

The click stores the announcement and enqueues one job per ``NOTIFICATIONS_BATCH_SIZE``
recipients, nothing more (10,000 recipients are queued in well under a second). Each
batch job stores the inbox entries in bulk, plans every recipient's channels with their
preferences, and sends the batch's e-mails over one SMTP connection.

Every recipient a batch has handled has an ``inapp`` delivery row (the inbox entry),
written in the same transaction as the entry: a retried batch skips them, progress is
their count, and a batch that never ran (Redis down, a dead worker) is found and
enqueued again by the periodic sweep.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from lms_core import ServiceError, db, enqueue, gettext as _, name_params, notify_many
from lms_core.models import Course, Enrollment, User
from lms_core.models.base import utcnow
from lms_core.payloads import UserInfo

from lms_notifications import delivery, preferences, scenarios, settings, templating
from lms_notifications.channels import all_channels
from lms_notifications.channels.base import DeliveryError
from lms_notifications.models import QUEUED, SENT, SKIPPED, Announcement, Delivery, Preference
from lms_notifications.scenarios import ANNOUNCEMENT

log = logging.getLogger("lms.notifications")

AUDIENCES = ("everyone", "student", "teacher", "admin")
STALLED = timedelta(minutes=10)


def _check(subject: str, body: str) -> tuple[str, str]:
    subject, body = (subject or "").strip(), (body or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Enter a subject.")
    elif len(subject) > 200:
        errors["subject"] = _("200 characters at most.")
    if not body:
        errors["body"] = _("Write the message.")
    elif len(body) > 20000:
        errors["body"] = _("20,000 characters at most.")
    if errors:
        raise ServiceError("invalid", _("The announcement was not sent."), 400, errors)
    return subject, body


def recipients_query(announcement: Announcement):
    if announcement.course_id is not None:
        query = (
            db.select(User.id)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == announcement.course_id, Enrollment.status.in_(("active", "completed")))
        )
    else:
        query = db.select(User.id)
        if announcement.audience != "everyone":
            query = query.where(User.role == announcement.audience)
    query = query.where(User.active.is_(True))
    if announcement.author_id is not None:
        query = query.where(User.id != announcement.author_id)
    return query.order_by(User.id)


def create(author, subject: str, body: str, course: Course | None = None, audience: str = "everyone") -> Announcement:
    """Store an announcement and queue its batches (the teacher's or admin's click)."""
    subject, body = _check(subject, body)
    if course is None and audience not in AUDIENCES:
        raise ServiceError(
            "invalid", _("The announcement was not sent."), 400, {"audience": _("Choose one of the offered values.")}
        )
    announcement = Announcement(
        author_id=author.id,
        course_id=course.id if course else None,
        audience="course" if course else audience,
        subject=subject,
        body=body,
    )
    db.session.add(announcement)
    db.session.flush()
    ids = db.session.execute(recipients_query(announcement)).scalars().all()
    size = max(1, int(settings.config("NOTIFICATIONS_BATCH_SIZE")))
    announcement.recipients = len(ids)
    announcement.batches = math.ceil(len(ids) / size)
    if not ids:
        announcement.finished_at = utcnow()
    db.session.commit()
    for number, start in enumerate(range(0, len(ids), size), start=1):
        _enqueue_batch(announcement.id, ids[start : start + size], number)
    return announcement


def _enqueue_batch(announcement_id: int, user_ids: list[int], number: int) -> None:
    from lms_notifications import jobs

    try:
        enqueue(jobs.announcement_batch, announcement_id, user_ids, number)
    except Exception:  # Redis down: the periodic sweep enqueues the batch again
        log.exception("could not enqueue batch %s of announcement %s", number, announcement_id)


def _marker_key(announcement_id: int, user_id: int, channel: str) -> str:
    return f"a{announcement_id}:{user_id}:{channel}"


def send_batch(announcement_id: int, user_ids: list[int], number: int = 0) -> dict:
    """One batch: inbox entries, planning, and the e-mails over one SMTP connection."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        return {}
    now = utcnow()
    done = set(
        db.session.execute(
            db.select(Delivery.user_id).where(
                Delivery.announcement_id == announcement_id,
                Delivery.channel == "inapp",
                Delivery.user_id.in_(list(user_ids)),
            )
        ).scalars()
    )
    # Snapshots: plain values that the commits below cannot expire (no reload per recipient).
    users = [
        UserInfo.of(u)
        for u in db.session.execute(
            db.select(User)
            .where(User.id.in_([i for i in user_ids if i not in done]), User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    ]
    if not users:
        _finish_if_complete(announcement)
        return {"sent": 0, "failed": 0, "skipped": 0}
    scenario = scenarios.get(ANNOUNCEMENT)
    course = db.session.get(Course, announcement.course_id) if announcement.course_id else None
    author = db.session.get(User, announcement.author_id) if announcement.author_id else None
    params = {
        "subject": announcement.subject,
        "body": announcement.body,
        "author": author.name if author else "",
        # the course's title in each recipient's language (inbox and messages alike)
        **(name_params("course", course) if course else {"course": ""}),
    }
    url = f"/courses/{course.slug}" if course else None

    # The inbox markers go into the session first: notify_many commits them with the
    # inbox entries, in one transaction.
    db.session.execute(
        db.insert(Delivery),
        [
            {
                "key": _marker_key(announcement_id, u.id, "inapp"),
                "announcement_id": announcement_id,
                "user_id": u.id,
                "scenario": ANNOUNCEMENT,
                "channel": "inapp",
                "frequency": "immediately",
                "status": SENT,
                "fallback": [],
                "attempts": 1,
                "due_at": now,
                "sent_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for u in users
        ],
    )
    inbox = notify_many(
        [u.id for u in users], ANNOUNCEMENT, announcement.subject, announcement.body, url=url, params=params
    )

    choices = _choices([u.id for u in users], scenario)
    reach = preferences.Reach([u.id for u in users])
    rows, skipped = [], 0
    for user in users:
        own = choices.get(user.id, {})
        plans = preferences.choose(scenario, user, own, reach, now)
        if not plans:
            turned_off = (
                all(preferences.effective(scenario, c, own) == "off" for c in scenario.fallback)
                if scenario.fallback
                else True
            )
            rows.append(
                _row(
                    announcement_id,
                    user.id,
                    inbox.get(user.id),
                    "email",
                    "immediately",
                    now,
                    SKIPPED,
                    "turned off by the recipient" if turned_off else "no channel reaches the recipient",
                )
            )
            skipped += 1
            continue
        for p in plans:
            rows.append(
                _row(
                    announcement_id,
                    user.id,
                    inbox.get(user.id),
                    p.channel,
                    p.frequency,
                    p.due_at,
                    QUEUED,
                    None,
                    list(p.fallback),
                )
            )
    result = db.session.execute(
        db.insert(Delivery).returning(
            Delivery.id, Delivery.user_id, Delivery.channel, Delivery.frequency, Delivery.due_at
        ),
        rows,
    ).all()
    db.session.commit()
    due = [r for r in result if r.frequency == "immediately" and r.due_at <= now and r.id]
    emails = [r.id for r in due if r.channel == "email"]
    others = [r.id for r in due if r.channel != "email"]
    outcome = _send_emails(emails, {u.id: u for u in users}, scenario, params, url, now)
    other = delivery.send(others, now)
    for name in ("sent", "failed", "skipped"):
        outcome[name] += other[name]
    outcome["skipped"] += skipped
    _finish_if_complete(announcement)
    return outcome


def _row(announcement_id, user_id, notification_id, channel, frequency, due_at, status, error, fallback=()):
    now = utcnow()
    return {
        "key": _marker_key(announcement_id, user_id, channel),
        "announcement_id": announcement_id,
        "notification_id": notification_id,
        "user_id": user_id,
        "scenario": ANNOUNCEMENT,
        "channel": channel,
        "frequency": frequency,
        "status": status,
        "error": error,
        "fallback": list(fallback),
        "attempts": 0,
        "due_at": due_at,
        "created_at": now,
        "updated_at": now,
    }


def _choices(user_ids: list[int], scenario) -> dict:
    """Every recipient's choices for the scenario in one query: {user_id: {(scenario, channel): f}}."""
    out: dict[int, dict] = {}
    for p in db.session.execute(
        db.select(Preference).where(Preference.user_id.in_(user_ids), Preference.scenario == scenario.name)
    ).scalars():
        out.setdefault(p.user_id, {})[(p.scenario, p.channel)] = p.frequency
    return out


def _send_emails(ids: list[int], users: dict, scenario, params: dict, url, now: datetime) -> dict:
    """The batch's e-mails over one SMTP connection; their rows updated in bulk."""
    outcome = {"sent": 0, "failed": 0, "skipped": 0}
    claimed = delivery.claim(ids, now)
    if not claimed:
        return outcome
    owners = dict(db.session.execute(db.select(Delivery.id, Delivery.user_id).where(Delivery.id.in_(claimed))).all())
    base = params | {
        "site_name": _site_name(),
        "url": _absolute(url),
        "title": params["subject"],
        "body": params["body"],
    }
    sources: dict[str, dict] = {}
    rendered: dict[tuple, object] = {}
    items = []
    for delivery_id in claimed:
        user = users[owners[delivery_id]]
        language = templating.language_of(user)
        if language not in sources:
            sources[language] = templating.admin_sources(scenario.name, language)
        # The same announcement reads the same for everyone of a language, unless a
        # template names the recipient.
        personal = any("user_name" in source for source in sources[language].values())
        key = (language, user.name if personal else None)
        if key not in rendered:
            rendered[key] = templating.render(
                scenario, language, base | {"user_name": user.name}, admin=sources[language]
            )[0]
        items.append((delivery_id, user, rendered[key]))
    channel = all_channels()["email"]
    sent, failed = [], []
    for (delivery_id, user, _message), result in zip(items, channel.send_many([(u, u.email, m) for _i, u, m in items])):
        if isinstance(result, DeliveryError):
            failed.append((delivery_id, result))
        else:
            sent.append(
                {
                    "id": delivery_id,
                    "status": SENT,
                    "sent_at": now,
                    "error": None,
                    "address": user.email,
                    "provider_ref": None,
                    "updated_at": now,
                }
            )
    if sent:
        db.session.execute(db.update(Delivery), sent)  # one bulk UPDATE by primary key
    db.session.commit()
    outcome["sent"] = len(sent)
    for delivery_id, error in failed:
        delivery.fail(db.session.get(Delivery, delivery_id), error, now)
        outcome["failed"] += 1
    if sent and settings.provider_errors().get("email"):
        settings.record_provider_error("email", None)
    return outcome


def _site_name():
    from flask import current_app

    return current_app.config.get("LMS_SITE_NAME", "LMS")


def _absolute(url):
    from flask import current_app

    if url and url.startswith("/"):
        return current_app.config.get("LMS_BASE_URL", "").rstrip("/") + url
    return url


def _finish_if_complete(announcement: Announcement) -> None:
    if announcement.finished_at is not None:
        return
    handled = processed(announcement.id)
    if handled >= announcement.recipients:
        db.session.execute(
            db.update(Announcement)
            .where(Announcement.id == announcement.id, Announcement.finished_at.is_(None))
            .values(finished_at=utcnow())
        )
        db.session.commit()


def processed(announcement_id: int) -> int:
    return db.session.execute(
        db.select(db.func.count(Delivery.id)).where(
            Delivery.announcement_id == announcement_id, Delivery.channel == "inapp"
        )
    ).scalar_one()


def report(announcement: Announcement) -> dict:
    """Progress and outcome: handled recipients, and messages by state."""
    counts = dict(
        db.session.execute(
            db.select(Delivery.status, db.func.count(Delivery.id))
            .where(Delivery.announcement_id == announcement.id, Delivery.channel != "inapp")
            .group_by(Delivery.status)
        ).all()
    )
    handled = processed(announcement.id)
    return {
        "id": announcement.id,
        "recipients": announcement.recipients,
        "handled": handled,
        "percent": 100 if not announcement.recipients else int(100 * handled / announcement.recipients),
        "finished": announcement.finished_at is not None,
        "sent": counts.get("sent", 0),
        "failed": counts.get("given_up", 0) + counts.get("retrying", 0),
        "skipped": counts.get("skipped", 0),
        "waiting": counts.get("queued", 0) + counts.get("sending", 0),
    }


def resume_stalled(now: datetime) -> int:
    """Enqueue again the recipients of announcements whose batches never ran."""
    stalled = (
        db.session.execute(
            db.select(Announcement).where(Announcement.finished_at.is_(None), Announcement.created_at < now - STALLED)
        )
        .scalars()
        .all()
    )
    count = 0
    size = max(1, int(settings.config("NOTIFICATIONS_BATCH_SIZE")))
    for announcement in stalled:
        handled = set(
            db.session.execute(
                db.select(Delivery.user_id).where(
                    Delivery.announcement_id == announcement.id, Delivery.channel == "inapp"
                )
            ).scalars()
        )
        missing = [i for i in db.session.execute(recipients_query(announcement)).scalars() if i not in handled]
        if not missing:
            _finish_if_complete(announcement)
            if announcement.finished_at is None:  # recipients left the course: done with those who remain
                announcement.finished_at = now
                db.session.commit()
            continue
        for number, start in enumerate(range(0, len(missing), size), start=1):
            _enqueue_batch(announcement.id, missing[start : start + size], number)
            count += 1
    return count


def for_course(course_id: int):
    return (
        db.session.execute(
            db.select(Announcement)
            .where(Announcement.course_id == course_id)
            .order_by(Announcement.id.desc())
            .limit(50)
        )
        .scalars()
        .all()
    )


def platform_wide():
    return (
        db.session.execute(
            db.select(Announcement).where(Announcement.course_id.is_(None)).order_by(Announcement.id.desc()).limit(50)
        )
        .scalars()
        .all()
    )
