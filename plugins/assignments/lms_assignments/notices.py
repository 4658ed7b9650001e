"""How a teacher hears of hand-ins: a notification for each (the default), or one daily
summary of the hand-ins in all the courses they teach (periodic task
``assignments.hand_in_digest``)."""

from __future__ import annotations

from datetime import timedelta


from lms_core import db, gettext as _, name_params, notify, path_for
from lms_core.models import CourseStaff, User, utcnow

from lms_assignments import messages
from lms_assignments.models import NOTICE_MODES, Assignment, Submission, TeacherNotices

DIGEST_EVERY = timedelta(days=1)


def mode_of(user_id: int) -> str:
    row = db.session.get(TeacherNotices, user_id)
    return row.mode if row is not None else "each"


def daily_teachers(user_ids) -> set[int]:
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        db.session.execute(
            db.select(TeacherNotices.user_id).where(TeacherNotices.user_id.in_(ids), TeacherNotices.mode == "daily")
        ).scalars()
    )


def set_mode(user: User, mode: str) -> None:
    from lms_core import ServiceError

    if mode not in NOTICE_MODES:
        message = _("Choose one of the options.")
        raise ServiceError("invalid", message, 400, {"mode": message})
    row = db.session.get(TeacherNotices, user.id)
    if row is None:
        row = TeacherNotices(user_id=user.id)
        db.session.add(row)
    if row.mode != mode and mode == "daily":
        row.digest_until = utcnow()  # the first summary covers what comes from now on
    row.mode = mode
    db.session.commit()


def send_digests(now=None) -> int:
    """Periodic task: each teacher on "daily" whose last summary is a day old gets one
    listing the hand-ins since (none sent when there were none). The conditional
    update of ``digest_until`` makes a second run, or a second worker, send nothing."""
    now = now or utcnow()
    sent = 0
    due = list(
        db.session.execute(
            db.select(TeacherNotices).where(
                TeacherNotices.mode == "daily",
                db.or_(TeacherNotices.digest_until.is_(None), TeacherNotices.digest_until <= now - DIGEST_EVERY),
            )
        ).scalars()
    )
    for row in due:
        since = row.digest_until or now - DIGEST_EVERY
        unchanged = (
            TeacherNotices.digest_until.is_(None)
            if row.digest_until is None
            else TeacherNotices.digest_until == row.digest_until
        )
        claimed = db.session.execute(
            db.update(TeacherNotices).where(TeacherNotices.user_id == row.user_id, unchanged).values(digest_until=now)
        ).rowcount
        if not claimed:
            db.session.rollback()
            continue
        counts = db.session.execute(
            db.select(Assignment, db.func.count(Submission.id))
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .join(CourseStaff, CourseStaff.course_id == Assignment.course_id)
            .where(
                CourseStaff.user_id == row.user_id,
                Submission.status != "draft",
                Submission.submitted_at > since,
                Submission.submitted_at <= now,
            )
            .group_by(Assignment.id)
            .order_by(Assignment.title)
        ).all()
        total = sum(count for _assignment, count in counts)
        if not total:
            db.session.commit()
            continue
        lines = [{**name_params("title", assignment), "count": count} for assignment, count in counts]
        notify(
            row.user_id,
            messages.DIGEST,
            url=path_for("teach.todo"),
            params={"count": total, "assignments": lines},
        )
        sent += 1
    return sent
