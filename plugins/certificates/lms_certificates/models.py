"""The plugin's tables (``certificates_*``); the core's tables are only read.

One ``Certificate`` per enrolment (a unique constraint, so a replayed event or two
racing workers can never issue a second one). Every number it ever had is kept in
``CertificateNumber``: a re-issue gives the certificate a new number and ends the old
one, which then verifies as revoked with its date and reason.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lms_core import db
from lms_core.models.base import UTCDateTime, utcnow

ORIENTATIONS = ("landscape", "portrait")
IMAGE_KINDS = ("background", "logo", "signature")


class CertificateTemplate(db.Model):
    """A course's certificate design. No row means the default design."""

    __tablename__ = "certificates_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), unique=True, nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    orientation: Mapped[str] = mapped_column(String(10), nullable=False, default="landscape")
    primary_color: Mapped[str] = mapped_column(String(7), nullable=False, default="#1f3a68")
    accent_color: Mapped[str] = mapped_column(String(7), nullable=False, default="#b08d2f")
    text_color: Mapped[str] = mapped_column(String(7), nullable=False, default="#1d2430")
    # Wording per language ({"en": "...", "ru": "..."}); empty means the built-in text.
    heading: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    wording: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    issuer_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    signatory_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    signatory_title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    validity_months: Mapped[int | None] = mapped_column(Integer)
    # Bumped on every change, so a certificate knows whether its PDF shows the current design.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    images: Mapped[list["TemplateImage"]] = relationship(back_populates="template", cascade="all, delete-orphan")

    def image(self, kind: str) -> "TemplateImage | None":
        return next((i for i in self.images if i.kind == kind), None)


class TemplateImage(db.Model):
    """A background, logo or signature image, already normalised (size, format)."""

    __tablename__ = "certificates_images"
    __table_args__ = (UniqueConstraint("template_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("certificates_templates.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    template: Mapped[CertificateTemplate] = relationship(back_populates="images")


class Certificate(db.Model):
    """The certificate of one completed enrolment, with what it certifies frozen at
    issue time (a later change of name or title needs a re-issue) and the PDF that
    shows it: the file's SHA-256 is stored so a file that does not match is rebuilt."""

    __tablename__ = "certificates_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id", ondelete="SET NULL"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="valid")  # valid | revoked
    learner_name: Mapped[str] = mapped_column(String(120), nullable=False)
    course_title: Mapped[str] = mapped_column(String(200), nullable=False)
    issuer: Mapped[str] = mapped_column(String(200), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    completed_at = mapped_column(UTCDateTime, nullable=False)
    issued_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    template_version: Mapped[int | None] = mapped_column(Integer)
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    rendered_at = mapped_column(UTCDateTime)
    render_error: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("certificates_batches.id", ondelete="SET NULL"), index=True)
    notified_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    numbers: Mapped[list["CertificateNumber"]] = relationship(
        back_populates="certificate", order_by="CertificateNumber.issued_at", cascade="all, delete-orphan"
    )

    @property
    def pdf_ready(self) -> bool:
        return self.status == "valid" and self.pdf_path is not None


class CertificateNumber(db.Model):
    """Every number a certificate has had; ``ended_at`` is set when it was revoked or
    replaced by a re-issue."""

    __tablename__ = "certificates_numbers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates_certificates.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    learner_name: Mapped[str] = mapped_column(String(120), nullable=False)
    course_title: Mapped[str] = mapped_column(String(200), nullable=False)
    issuer: Mapped[str] = mapped_column(String(200), nullable=False)
    issued_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime)
    ended_at = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # revoked | reissued
    reason: Mapped[str | None] = mapped_column(Text)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    certificate: Mapped[Certificate] = relationship(back_populates="numbers")


class RegenerationBatch(db.Model):
    """A bulk re-generation of a course's PDFs. Progress is counted from the
    certificates themselves (``Certificate.batch_id``), so a retried job never counts
    a certificate twice."""

    __tablename__ = "certificates_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(UTCDateTime)
