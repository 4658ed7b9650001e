"""What a certificate number is worth: valid, expired, revoked, unknown or forged.

``forged`` means the URL carried a signature that does not belong to the number (the
number or the signature was changed); a number typed into the form carries none and
is simply looked up. A number whose check character does not match is ``unknown``
with the reason ``mistyped``, so the page can say "check for a typing mistake"
without a database lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lms_core import db
from lms_core.models import utcnow
from lms_certificates import numbers, signing
from lms_certificates.issuing import number_prefix
from lms_certificates.models import CertificateNumber

STATUSES = ("valid", "expired", "revoked", "unknown", "forged")


@dataclass(frozen=True)
class Verdict:
    status: str
    number: str  # canonical when the number is well formed, else as typed
    reason: str | None = None  # unknown: malformed | mistyped | not_found
    signature: str = "absent"  # absent | valid | invalid
    learner_name: str | None = None
    course_title: str | None = None
    issuer: str | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    replaced_by: str | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def known(self) -> bool:
        return self.status in ("valid", "expired", "revoked")

    def as_json(self) -> dict:
        body = {
            "number": self.number,
            "status": self.status,
            "valid": self.valid,
            "reason": self.reason,
            "signature": self.signature,
            "certificate": None,
            "revocation": None,
        }
        if self.known:
            body["certificate"] = {
                "learner": self.learner_name,
                "course": self.course_title,
                "issuer": self.issuer,
                "issued_at": iso_time(self.issued_at),
                "expires_at": iso_time(self.expires_at),
            }
        if self.status == "revoked":
            body["revocation"] = {
                "revoked_at": iso_time(self.revoked_at),
                "reason": self.revoked_reason,
                "replaced_by": self.replaced_by,
            }
        return body


def iso_time(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as the JSON answers give times."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def verify(typed: str, signature: str | None = None) -> Verdict:
    parsed = numbers.parse(typed, number_prefix())
    shown = parsed.canonical or (typed or "").strip()[:40]
    if signature is not None:
        if not parsed.well_formed or not signing.check(parsed.canonical, signature):
            return Verdict("forged", shown, signature="invalid")
    signature_state = "valid" if signature is not None else "absent"
    if not parsed.well_formed:
        return Verdict("unknown", shown, reason="malformed")
    if not parsed.check_ok:
        return Verdict("unknown", shown, reason="mistyped")
    row = db.session.execute(
        db.select(CertificateNumber).where(CertificateNumber.number == parsed.canonical)
    ).scalar_one_or_none()
    if row is None:
        return Verdict("unknown", shown, reason="not_found", signature=signature_state)
    details = {
        "learner_name": row.learner_name,
        "course_title": row.course_title,
        "issuer": row.issuer,
        "issued_at": row.issued_at,
        "expires_at": row.expires_at,
        "signature": signature_state,
    }
    certificate = row.certificate
    if row.ended_at is not None:
        replaced_by = certificate.number if certificate.status == "valid" and certificate.number != row.number else None
        return Verdict(
            "revoked", shown, revoked_at=row.ended_at, revoked_reason=row.reason, replaced_by=replaced_by, **details
        )
    if certificate.status == "revoked":
        return Verdict(
            "revoked", shown, revoked_at=certificate.revoked_at, revoked_reason=certificate.revoked_reason, **details
        )
    if row.expires_at is not None and row.expires_at <= utcnow():
        return Verdict("expired", shown, **details)
    return Verdict("valid", shown, **details)
