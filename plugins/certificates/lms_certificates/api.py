"""JSON API under ``/api/v1/certificates`` (personal token or session).

* ``GET /api/v1/certificates``: the caller's certificates;
* ``GET /api/v1/certificates/<id>``: one certificate (owner, course staff, admins);
* ``GET /api/v1/certificates/<id>/pdf``: its PDF;
* ``GET /api/v1/certificates/verify/<number>[?s=signature]``: the public verdict.

Errors are ``{"error": {"code", "message"}}`` with stable codes: ``unauthorized``,
``certificate_not_found``, ``forbidden``, ``certificate_revoked``, ``rate_limited``.
"""

from __future__ import annotations

from flask import abort, jsonify
from flask_babel import gettext as _

from lms_core import ServiceError, api_blueprint, can, current_user, db, public_url
from lms_certificates import issuing, views
from lms_certificates.models import Certificate
from lms_certificates.verification import iso_time

bp = api_blueprint("certificates_api", __name__, url_prefix="/api/v1/certificates", public=["verify"])


def _caller():
    if not current_user:
        abort(401)
    return current_user


def _visible_certificate(certificate_id: int) -> Certificate:
    user = _caller()
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise ServiceError("certificate_not_found", _("No such certificate."), 404)
    if not can(user, "certificate.view", certificate):
        raise ServiceError("forbidden", _("You may not see this certificate."), 403)
    return certificate


def certificate_json(certificate: Certificate) -> dict:
    return {
        "id": certificate.id,
        "number": certificate.number,
        "status": certificate.status,
        "learner": certificate.learner_name,
        "course": {"id": certificate.course_id, "title": certificate.course_title},
        "issuer": certificate.issuer,
        "language": certificate.language,
        "completed_at": iso_time(certificate.completed_at),
        "issued_at": iso_time(certificate.issued_at),
        "expires_at": iso_time(certificate.expires_at),
        "revoked_at": iso_time(certificate.revoked_at),
        "revoked_reason": certificate.revoked_reason,
        "pdf_ready": certificate.pdf_ready,
        "pdf_url": public_url("certificates_api.pdf", certificate_id=certificate.id)
        if certificate.status == "valid"
        else None,
        "verification_url": issuing.verification_url(certificate.number),
        "previous_numbers": [row.number for row in certificate.numbers if row.number != certificate.number],
    }


@bp.get("")
def index():
    user = _caller()
    rows = (
        db.session.execute(
            db.select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at.desc())
        )
        .scalars()
        .all()
    )
    return jsonify({"certificates": [certificate_json(c) for c in rows]})


@bp.get("/<int:certificate_id>")
def show(certificate_id):
    return jsonify(certificate_json(_visible_certificate(certificate_id)))


@bp.get("/<int:certificate_id>/pdf")
def pdf(certificate_id):
    certificate = _visible_certificate(certificate_id)
    return views.pdf_response(issuing.ensure_pdf(certificate), f"certificate-{certificate.number}.pdf")


@bp.get("/verify/<number>")
def verify(number):
    return views.verify_json(number)
