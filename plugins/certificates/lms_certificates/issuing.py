"""Issuing, rendering, revoking and re-issuing certificates.

``issue`` inserts the row without looking first: the unique constraint on the
enrolment decides, so a replayed event, a retried job or two workers at the same
moment all end with the one certificate that won. ``ensure_pdf`` renders through the
``render_certificate`` hook and stores the file before pointing the row at it, and
``notify_once`` claims the notification in the same transaction that stores it.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms_core import path_for, public_url, call_first_hook, ContentTranslations, ServiceError, db
from lms_core.models import Course, CourseStaff, Enrollment, User, utcnow
from lms_certificates import designs, numbers, signing, storage
from lms_certificates.models import Certificate, CertificateNumber
from lms_certificates.payloads import CertificateInfo

log = logging.getLogger("lms.certificates")
NUMBER_ATTEMPTS = 5
MAX_REASON_LENGTH = 1000


class RenderError(RuntimeError):
    """No ``render_certificate`` implementation returned a PDF."""


def number_prefix() -> str:
    return current_app.config.get("CERTIFICATES_NUMBER_PREFIX", numbers.DEFAULT_PREFIX)


def find_by_enrollment(enrollment_id: int) -> Certificate | None:
    return db.session.execute(
        db.select(Certificate).where(Certificate.enrollment_id == enrollment_id)
    ).scalar_one_or_none()


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def learner_language(user: User | None, course: Course | None) -> str:
    languages = current_app.config["LMS_LANGUAGES"]
    for candidate in (user.locale if user else None, course.default_language if course else None):
        if candidate in languages:
            return candidate
    return current_app.config["LMS_DEFAULT_LANGUAGE"]


def shown_titles(certificates) -> dict[int, str]:
    """``{certificate id: course title}`` in the reader's language, with the course's
    default language as the fallback, for pages that list certificates (the document
    itself keeps the language it was issued in). Every course's translations in one
    query; a deleted course's certificate keeps the title it was issued with."""
    from lms_core import courses_by_id, localized, preload_content_translations

    certificates = list(certificates)
    # the page has usually read these courses already (a dashboard has): no query for them then
    courses = courses_by_id({c.course_id for c in certificates if c.course_id})
    if courses:
        preload_content_translations(list(courses.values()))
    return {
        c.id: localized(courses[c.course_id], "title") if c.course_id in courses else c.course_title
        for c in certificates
    }


def learner_timezone(user: User | None) -> tzinfo:
    for name in (user.timezone if user else None, current_app.config["LMS_DEFAULT_TIMEZONE"]):
        try:
            if name:
                return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return timezone.utc


def local_date_text(moment: datetime | None, language: str, zone: tzinfo) -> str | None:
    if moment is None:
        return None
    return format_date(moment.astimezone(zone).date(), format="long", locale=language)


def issuer_of(course: Course, template) -> str:
    """The template's issuer, else the course's teachers, else the site."""
    if template is not None and template.issuer_name:
        return template.issuer_name
    names = (
        db.session.execute(
            db.select(User.name)
            .join(CourseStaff, CourseStaff.user_id == User.id)
            .where(CourseStaff.course_id == course.id)
            .order_by(CourseStaff.id)
            .limit(2)
        )
        .scalars()
        .all()
    )
    return ", ".join(names) or current_app.config["LMS_SITE_NAME"]


def snapshot(enrollment: Enrollment, template) -> dict:
    """What a certificate for ``enrollment`` states, frozen now."""
    user, course = enrollment.user, enrollment.course
    language = learner_language(user, course)
    completed_at = enrollment.completed_at or utcnow()
    months = template.validity_months if template is not None else None
    return {
        "user_id": user.id,
        "course_id": course.id,
        "learner_name": user.name,
        "course_title": ContentTranslations(course, language).get(course, "title"),
        "issuer": issuer_of(course, template),
        "language": language,
        "completed_at": completed_at,
        "expires_at": add_months(completed_at, months) if months else None,
    }


def issue(enrollment_id: int) -> Certificate | None:
    """The enrolment's certificate, created if it has none yet. ``None`` when the
    enrolment is not completed or the course does not issue certificates."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.status != "completed":
        return None
    template = designs.template_of(enrollment.course_id)
    if template is not None and not template.enabled:
        return None
    values = snapshot(enrollment, template)
    for _attempt in range(NUMBER_ATTEMPTS):
        now = utcnow()
        number = numbers.generate(number_prefix())
        certificate = Certificate(enrollment_id=enrollment.id, number=number, issued_at=now, status="valid", **values)
        certificate.numbers.append(_number_row(number, values, now))
        db.session.add(certificate)
        try:
            db.session.commit()
            log.info("certificate %s issued for enrolment %s", number, enrollment_id)
            return certificate
        except IntegrityError:
            db.session.rollback()
            existing = find_by_enrollment(enrollment_id)
            if existing is not None:  # another worker (or an earlier run) won
                return existing
            # otherwise the random number was taken: draw another one
    raise RuntimeError(f"no free certificate number after {NUMBER_ATTEMPTS} attempts")


def _number_row(number: str, values: dict, issued_at: datetime) -> CertificateNumber:
    return CertificateNumber(
        number=number,
        learner_name=values["learner_name"],
        course_title=values["course_title"],
        issuer=values["issuer"],
        issued_at=issued_at,
        expires_at=values["expires_at"],
    )


def verification_url(number: str) -> str:
    return public_url("certificates.verify", number=number, s=signing.sign(number))


def certificate_info(certificate: Certificate) -> CertificateInfo:
    user = db.session.get(User, certificate.user_id) if certificate.user_id else None
    zone = learner_timezone(user)
    language = certificate.language
    template = designs.template_of(certificate.course_id) if certificate.course_id else None
    return CertificateInfo(
        id=certificate.id,
        number=certificate.number,
        learner_name=certificate.learner_name,
        course_id=certificate.course_id,
        course_title=certificate.course_title,
        issuer=certificate.issuer,
        site_name=current_app.config["LMS_SITE_NAME"],
        language=language,
        completed_at=certificate.completed_at,
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        completed_on=local_date_text(certificate.completed_at, language, zone),
        issued_on=local_date_text(certificate.issued_at, language, zone),
        expires_on=local_date_text(certificate.expires_at, language, zone),
        verification_url=verification_url(certificate.number),
        template=designs.template_info(template, language),
    )


def render(info: CertificateInfo) -> bytes:
    """The PDF from the first ``render_certificate`` implementation that returns one."""
    result = call_first_hook("render_certificate", certificate=info)
    if isinstance(result, bytearray):
        result = bytes(result)
    if not isinstance(result, bytes) or not result.startswith(b"%PDF-"):
        raise RenderError(f"no render_certificate implementation returned a PDF for {info.number}")
    return result


def ensure_pdf(certificate: Certificate, force: bool = False, batch_id: int | None = None) -> bytes:
    """The certificate's PDF: the stored file when it exists and matches its hash,
    otherwise (or with ``force``) rendered, stored and recorded."""
    if certificate.status != "valid":
        raise ServiceError("certificate_revoked", _("This certificate was revoked."), 409)
    if not force:
        data = storage.read_verified(certificate.pdf_path, certificate.pdf_sha256)
        if data is not None:
            return data
        if certificate.pdf_path:
            log.warning("certificate %s: stored PDF missing or altered, rendering it again", certificate.number)
    info = certificate_info(certificate)
    data = render(info)
    previous = certificate.pdf_path
    relative, digest = storage.write(str(certificate.course_id or "none"), info.number, data)
    values = {
        "pdf_path": relative,
        "pdf_sha256": digest,
        "pdf_size": len(data),
        "rendered_at": utcnow(),
        "render_error": None,
        "template_version": info.template.version,
    }
    if batch_id is not None:
        values["batch_id"] = batch_id
    # Only while the number is still the one drawn: a re-issue in between wins.
    changed = db.session.execute(
        db.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.number == info.number, Certificate.status == "valid")
        .values(**values)
    ).rowcount
    db.session.commit()
    db.session.refresh(certificate)
    if not changed:
        if certificate.pdf_path != relative:
            storage.remove(relative)
        raise ServiceError("certificate_changed", _("This certificate changed meanwhile. Please try again."), 409)
    if previous and previous != relative:
        storage.remove(previous)
    return data


def record_render_error(certificate_id: int, message: str, batch_id: int | None = None) -> None:
    values = {"render_error": message[:2000]}
    if batch_id is not None:
        values["batch_id"] = batch_id
    db.session.rollback()
    db.session.execute(db.update(Certificate).where(Certificate.id == certificate_id).values(**values))
    db.session.commit()


def notify_once(certificate: Certificate, reissued: bool = False) -> bool:
    """Tell the learner their certificate is ready, exactly once per issue."""
    from lms_core import notify

    if certificate.user_id is None:
        return False
    claimed = db.session.execute(
        db.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.notified_at.is_(None))
        .values(notified_at=utcnow())
    ).rowcount
    if not claimed:
        db.session.rollback()
        return False
    from lms_core import name_params
    from lms_core.models import Course

    course = db.session.get(Course, certificate.course_id) if certificate.course_id else None
    params = {"course": certificate.course_title, "number": certificate.number, "reissued": bool(reissued)}
    if course is not None:  # in each reader's language; in the certificate's, as the certificate states it
        names = name_params("course", course)["course_names"]
        if certificate.language == names["language"]:
            names["text"] = certificate.course_title
        else:
            names["translations"][certificate.language] = certificate.course_title
        params["course_names"] = names
    # notify() commits the claim together with the notification, or neither.
    notify(
        certificate.user_id,
        "certificates.issued",
        title=lambda: issued_title(params),
        url=path_for("certificates.show", certificate_id=certificate.id),
        params=params,
    )
    return True


def issued_title(params: dict) -> str:
    """The notification's title, in the current language (``lms_notification_texts``:
    each reader sees it in the language they read now)."""
    from lms_core import notification_name

    if params.get("reissued"):
        return _("Your certificate for “%(course)s” was re-issued", course=notification_name(params, "course"))
    return _("Your certificate for “%(course)s” is ready", course=notification_name(params, "course"))


def issue_and_deliver(enrollment_id: int) -> Certificate | None:
    certificate = issue(enrollment_id)
    if certificate is None or certificate.status != "valid":
        return certificate
    ensure_pdf(certificate)
    notify_once(certificate)
    return certificate


def _clean_reason(reason: str, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ServiceError(
            "invalid", _("Please correct the marked fields."), 400, {"reason": _("Say why, for the verification page.")}
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ServiceError(
            "invalid",
            _("Please correct the marked fields."),
            400,
            {"reason": _("At most %(n)d characters.", n=MAX_REASON_LENGTH)},
        )
    return reason


def revoke(certificate: Certificate, by: User, reason: str) -> Certificate:
    """Revoke the certificate's current number; its PDF is no longer served."""
    reason = _clean_reason(reason, required=True)
    if certificate.status == "revoked":
        raise ServiceError("already_revoked", _("This certificate is already revoked."), 409)
    now = utcnow()
    current = _current_number_row(certificate)
    current.ended_at, current.end_reason, current.reason, current.ended_by_id = now, "revoked", reason, by.id
    certificate.status, certificate.revoked_at, certificate.revoked_reason = "revoked", now, reason
    old_pdf = certificate.pdf_path
    certificate.pdf_path = certificate.pdf_sha256 = certificate.pdf_size = None
    db.session.commit()
    storage.remove(old_pdf)
    return certificate


def reissue(certificate: Certificate, by: User, reason: str) -> Certificate:
    """Give the certificate a new number with today's name, title and design; the old
    number stays on record and verifies as revoked, pointing to the new one."""
    reason = _clean_reason(reason, required=False)
    enrollment = db.session.get(Enrollment, certificate.enrollment_id) if certificate.enrollment_id else None
    if enrollment is None:
        raise ServiceError("enrollment_gone", _("The enrolment of this certificate no longer exists."), 409)
    template = designs.template_of(enrollment.course_id)
    values = snapshot(enrollment, template)
    values["completed_at"] = certificate.completed_at
    months = template.validity_months if template is not None else None
    values["expires_at"] = add_months(certificate.completed_at, months) if months else None
    now = utcnow()
    number = numbers.generate(number_prefix())
    current = _current_number_row(certificate)
    if current.ended_at is None:
        current.ended_at, current.end_reason, current.ended_by_id = now, "reissued", by.id
        current.reason = reason or _("Re-issued")
    old_pdf = certificate.pdf_path
    for name, value in values.items():
        setattr(certificate, name, value)
    certificate.number, certificate.issued_at, certificate.status = number, now, "valid"
    certificate.revoked_at = certificate.revoked_reason = None
    certificate.pdf_path = certificate.pdf_sha256 = certificate.pdf_size = certificate.render_error = None
    certificate.notified_at = None
    certificate.numbers.append(_number_row(number, values, now))
    db.session.commit()
    storage.remove(old_pdf)
    return certificate


def _current_number_row(certificate: Certificate) -> CertificateNumber:
    return next(row for row in certificate.numbers if row.number == certificate.number)
