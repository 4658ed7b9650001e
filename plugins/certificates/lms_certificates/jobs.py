"""Background work: issuing after a completion, rendering after a re-issue, bulk
re-generation in chunks, and the periodic sweep that repairs what a crashed job left.

Every job is safe to run twice: issuing rests on the enrolment's unique constraint,
a PDF is only ever swapped in whole, a notification is claimed before it is stored,
and a batch counts the certificates it has rendered rather than adding up numbers.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from lms_core import db
from lms_core.models import utcnow
from lms_certificates import issuing, storage
from lms_certificates.models import Certificate, RegenerationBatch

log = logging.getLogger("lms.certificates")
CHUNK_SIZE = 50  # certificates per job: rq pays a fork per job, a PDF costs ~15 ms
SWEEP_LIMIT = 200  # per kind of repair and run, so one sweep never runs for long
REPAIR_INTERVAL = 300


def issue_job(enrollment_id: int) -> None:
    """After ``on_course_completed``: issue, render, notify."""
    issuing.issue_and_deliver(enrollment_id)


def render_job(certificate_id: int, reissued: bool = False) -> None:
    """After a re-issue: render the new PDF and tell the learner."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.status != "valid":
        return
    issuing.ensure_pdf(certificate)
    issuing.notify_once(certificate, reissued=reissued)


# ------------------------------------------------------------------ bulk re-generation


def start_regeneration(course_id: int, requested_by_id: int | None) -> RegenerationBatch:
    """Queue the re-rendering of every valid certificate of a course."""
    from lms_core import enqueue

    ids = (
        db.session.execute(
            db.select(Certificate.id)
            .where(Certificate.course_id == course_id, Certificate.status == "valid")
            .order_by(Certificate.id)
        )
        .scalars()
        .all()
    )
    batch = RegenerationBatch(
        course_id=course_id, requested_by_id=requested_by_id, total=len(ids), finished_at=utcnow() if not ids else None
    )
    db.session.add(batch)
    db.session.commit()
    batch_id = batch.id
    for start in range(0, len(ids), CHUNK_SIZE):
        enqueue(regenerate_chunk, batch_id, list(ids[start : start + CHUNK_SIZE]))
    return db.session.get(RegenerationBatch, batch_id)


def regenerate_chunk(batch_id: int, certificate_ids: list[int]) -> None:
    """Job: re-render some certificates of a batch. Certificates this batch already
    rendered are skipped, so a retried job continues where it stopped."""
    for certificate_id in certificate_ids:
        certificate = db.session.get(Certificate, certificate_id)
        if certificate is None or certificate.status != "valid":
            continue
        if certificate.batch_id == batch_id and certificate.render_error is None:
            continue
        try:
            issuing.ensure_pdf(certificate, force=True, batch_id=batch_id)
        except Exception as exc:  # one broken certificate must not stop the batch
            log.exception("certificate %s could not be re-generated", certificate.number)
            issuing.record_render_error(certificate_id, f"{type(exc).__name__}: {exc}", batch_id)
    finish_if_done(batch_id)


def batch_progress(batch: RegenerationBatch) -> dict:
    counts = dict(
        db.session.execute(
            db.select(Certificate.render_error.is_(None), db.func.count(Certificate.id))
            .where(Certificate.batch_id == batch.id)
            .group_by(Certificate.render_error.is_(None))
        ).all()
    )
    done, failed = counts.get(True, 0), counts.get(False, 0)
    # Certificates revoked while the batch ran are never rendered by it.
    return {
        "id": batch.id,
        "total": batch.total,
        "done": done,
        "failed": failed,
        "percent": 100 if not batch.total else round(100 * (done + failed) / batch.total),
        "finished": batch.finished_at is not None,
    }


def finish_if_done(batch_id: int) -> None:
    batch = db.session.get(RegenerationBatch, batch_id)
    if batch is None or batch.finished_at is not None:
        return
    progress = batch_progress(batch)
    waiting = db.session.execute(
        db.select(db.func.count(Certificate.id)).where(
            Certificate.course_id == batch.course_id,
            Certificate.status == "valid",
            db.or_(Certificate.batch_id.is_(None), Certificate.batch_id != batch_id),
        )
    ).scalar_one()
    if progress["done"] + progress["failed"] >= batch.total or waiting == 0:
        db.session.execute(
            db.update(RegenerationBatch)
            .where(RegenerationBatch.id == batch_id, RegenerationBatch.finished_at.is_(None))
            .values(finished_at=utcnow())
        )
        db.session.commit()


def close_stale_batches(started_before) -> None:
    """A batch whose jobs all died (retries spent) would stay "running" for ever and keep
    the button disabled: after an hour it is closed with what it did."""
    stale = (
        db.session.execute(
            db.select(RegenerationBatch.id).where(
                RegenerationBatch.finished_at.is_(None), RegenerationBatch.created_at < started_before
            )
        )
        .scalars()
        .all()
    )
    if stale:
        db.session.execute(
            db.update(RegenerationBatch).where(RegenerationBatch.id.in_(stale)).values(finished_at=utcnow())
        )
        db.session.commit()


def latest_batch(course_id: int) -> RegenerationBatch | None:
    return db.session.execute(
        db.select(RegenerationBatch)
        .where(RegenerationBatch.course_id == course_id)
        .order_by(RegenerationBatch.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# ------------------------------------------------------------------ repair sweep


def repair_sweep() -> dict[str, int]:
    """Periodic task: render what is missing and send what was not sent (a worker that
    died between issuing and drawing, a renderer that failed), close stale batches.
    Work younger than the grace period is left to the jobs that are probably still on
    their way. A lost ``on_course_completed`` needs no sweep any more: the core's event
    log redelivers it until ``issue_job`` is enqueued."""
    from flask import current_app

    grace = timedelta(seconds=current_app.config.get("CERTIFICATES_REPAIR_GRACE_SECONDS", 120))
    cutoff = utcnow() - grace
    done = {"rendered": 0, "notified": 0, "failed": 0}

    unrendered = (
        db.session.execute(
            db.select(Certificate.id)
            .where(Certificate.status == "valid", Certificate.pdf_path.is_(None), Certificate.issued_at <= cutoff)
            .order_by(Certificate.id)
            .limit(SWEEP_LIMIT)
        )
        .scalars()
        .all()
    )
    for certificate_id in unrendered:
        done["rendered" if _attempt(_render_and_notify, certificate_id) else "failed"] += 1

    unsent = (
        db.session.execute(
            db.select(Certificate.id)
            .where(
                Certificate.status == "valid",
                Certificate.pdf_path.is_not(None),
                Certificate.notified_at.is_(None),
                Certificate.issued_at <= cutoff,
            )
            .order_by(Certificate.id)
            .limit(SWEEP_LIMIT)
        )
        .scalars()
        .all()
    )
    for certificate_id in unsent:
        certificate = db.session.get(Certificate, certificate_id)
        if certificate is not None and issuing.notify_once(certificate):
            done["notified"] += 1

    close_stale_batches(cutoff - timedelta(hours=1))
    storage.remove_stale_parts()
    if any(done.values()):
        log.info("certificates repair sweep: %s", done)
    return done


def _render_and_notify(certificate_id: int) -> None:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is not None and certificate.status == "valid":
        issuing.ensure_pdf(certificate)
        issuing.notify_once(certificate, reissued=len(certificate.numbers) > 1)


def _attempt(function, *args) -> bool:
    try:
        function(*args)
        return True
    except Exception as exc:  # one bad row must not stop the sweep; the next run retries it
        db.session.rollback()
        log.exception("certificates repair of %s%s failed", function.__name__, args)
        if function is _render_and_notify:
            issuing.record_render_error(args[0], f"{type(exc).__name__}: {exc}")
        return False
