"""What ``render_certificate(certificate)`` receives: read-only values, everything a
design needs already in the learner's language. Fields are only ever added.

An institution's plugin replaces the design like this::

    from lms_core import hookimpl

    @hookimpl
    def render_certificate(certificate):
        pdf = FPDF()
        ...  # certificate.learner_name, .course_title, .number, .verification_url
        return bytes(pdf.output())
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TemplateInfo:
    """A course's design, as chosen on the template editor."""

    orientation: str  # "landscape" or "portrait"
    primary_color: str  # "#rrggbb"
    accent_color: str
    text_color: str
    heading: str  # the course's own heading in the certificate's language, or ""
    wording: str  # the course's own sentence under the name, or ""
    signatory_name: str
    signatory_title: str
    background: bytes | None  # PNG or JPEG
    logo: bytes | None
    signature: bytes | None
    version: int


@dataclass(frozen=True)
class CertificateInfo:
    """A certificate to draw.

    ``number`` is canonical (``LMS-7K3F-9QXZ-4M``); ``verification_url`` is absolute
    and signed, ready for the QR code. ``completed_on``, ``issued_on`` and
    ``expires_on`` are the dates formatted in ``language``; the datetimes are UTC.
    ``preview`` is true for the template editor's sample, which is not a real
    certificate and should say so.
    """

    id: int | None
    number: str
    learner_name: str
    course_id: int | None
    course_title: str
    issuer: str
    site_name: str
    language: str
    completed_at: datetime
    issued_at: datetime
    expires_at: datetime | None
    completed_on: str
    issued_on: str
    expires_on: str | None
    verification_url: str
    template: TemplateInfo
    preview: bool = False
