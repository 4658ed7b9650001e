"""The SCORM half's tables (``scorm_xapi_*``).

A package belongs to a course and has versions (each upload is one); each version's
files are rows pointing at content-addressed blobs on disk. Each SCO of the package is
a core lesson (so completing it is completing a lesson: ``on_lesson_completed``, course
completion and certificates follow); its identifier in the manifest ties it to the same
row across versions, so re-uploading keeps the learners' attempts.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_core import db
from lms_core.models.base import UTCDateTime, utcnow

RULES = ("completed", "passed", "score", "viewed")
GRADING = ("highest", "last", "first", "average")


class ScormPackage(db.Model):
    __tablename__ = "scorm_xapi_packages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    # The version learners get; no foreign key, to keep the two tables acyclic.
    current_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    completion_rule: Mapped[str] = mapped_column(String(16), nullable=False, default="completed")
    pass_score: Mapped[float | None] = mapped_column(Float, nullable=True)  # percent, for "score"
    attempts_allowed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 0: no limit
    grading: Mapped[str] = mapped_column(String(16), nullable=False, default="highest")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    versions: Mapped[list["ScormPackageVersion"]] = relationship(
        back_populates="package", order_by="ScormPackageVersion.number", cascade="all, delete-orphan"
    )
    scos: Mapped[list["ScormSco"]] = relationship(
        back_populates="package", order_by="ScormSco.position", cascade="all, delete-orphan"
    )

    @property
    def current_version(self) -> "ScormPackageVersion | None":
        return next((v for v in self.versions if v.id == self.current_version_id), None)


class ScormPackageVersion(db.Model):
    __tablename__ = "scorm_xapi_package_versions"
    __table_args__ = (UniqueConstraint("package_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(
        ForeignKey("scorm_xapi_packages.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    scorm_version: Mapped[str] = mapped_column(String(16), nullable=False)  # "1.2", "2004 3rd", ...
    file_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    files_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    package: Mapped[ScormPackage] = relationship(back_populates="versions")


class ScormFile(db.Model):
    """One file of a package version: its path in the package and the blob it is."""

    __tablename__ = "scorm_xapi_files"
    __table_args__ = (UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("scorm_xapi_package_versions.id", ondelete="CASCADE"), nullable=False
    )
    path: Mapped[str] = mapped_column(String(1024), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)


class ScormSco(db.Model):
    __tablename__ = "scorm_xapi_scos"
    __table_args__ = (UniqueConstraint("package_id", "identifier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(
        ForeignKey("scorm_xapi_packages.id", ondelete="CASCADE"), nullable=False, index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False, unique=True)
    identifier: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    launch: Mapped[str] = mapped_column(String(2048), nullable=False)  # path in the package, with its query
    launch_data: Mapped[str] = mapped_column(Text, nullable=False, default="")
    mastery_score: Mapped[float | None] = mapped_column(Float, nullable=True)  # 1.2: 0-100; 2004: scaled
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)  # in the current version
    # SCORM 2004 navigation to and from it, from the current version's manifest:
    # {"choice", "flow", "forward_only": its parent's controlMode, "hide": [LMS controls]}
    navigation: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict, server_default="{}")

    package: Mapped[ScormPackage] = relationship(back_populates="scos")


class ScormAttempt(db.Model):
    """One learner's attempt at one SCO: every data model element the SCO set (``data``,
    flattened: ``{"cmi.core.lesson_status": "completed", ...}``), with the status, score
    and times copied out for reports."""

    __tablename__ = "scorm_xapi_attempts"
    __table_args__ = (
        UniqueConstraint("sco_id", "user_id", "number"),
        Index("ix_scorm_xapi_attempts_user_sco", "user_id", "sco_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sco_id: Mapped[int] = mapped_column(ForeignKey("scorm_xapi_scos.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("scorm_xapi_package_versions.id", ondelete="SET NULL"), nullable=True
    )
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    completion_status: Mapped[str] = mapped_column(String(32), nullable=False, default="not attempted")
    success_status: Mapped[str] = mapped_column(String(32), nullable=False, default="unknown")
    score_percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    session_seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    total_seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    finished: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    commits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The launch (one page load of the player) and its sequence number of the last
    # commit taken: a late beacon from an old launch never overwrites a newer commit.
    launch: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    launch_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    started_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    sco: Mapped[ScormSco] = relationship()
