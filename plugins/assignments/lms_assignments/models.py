"""The plugin's tables, all named ``assignments_*``. They refer to the core's tables by
foreign key and never add columns to them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_core import db
from lms_core.models.base import UTCDateTime, utcnow

GRADING_MODES = ("rubric", "points")
LATE_POLICIES = ("refuse", "penalty")
SUBMISSION_STATES = ("draft", "submitted", "returned")
LINK_STATES = ("pending", "verified", "unverified", "not_found", "plain")


class Assignment(db.Model):
    __tablename__ = "assignments_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")  # Markdown
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    opens_at = mapped_column(UTCDateTime)  # None: open as soon as published
    due_at = mapped_column(UTCDateTime, nullable=False)
    grading_mode: Mapped[str] = mapped_column(String(16), nullable=False, default="points")
    max_points: Mapped[float] = mapped_column(Float, nullable=False, default=100.0)
    pass_points: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    accepts_files: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    allowed_extensions: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    max_file_size: Mapped[int] = mapped_column(Integer, nullable=False, default=10 * 1024 * 1024)  # bytes
    max_files: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    accepts_links: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    accepts_text: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    max_attempts: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    late_policy: Mapped[str] = mapped_column(String(16), nullable=False, default="refuse")
    late_penalty_percent: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)  # per started day
    late_cutoff_at = mapped_column(UTCDateTime)  # last moment a late hand-in is accepted
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reminder_hours: Mapped[list] = mapped_column(JSON, nullable=False, default=lambda: [24, 1])
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    course: Mapped["Course"] = relationship()  # noqa: F821
    criteria: Mapped[list["RubricCriterion"]] = relationship(
        back_populates="assignment",
        order_by="lms_assignments.models.RubricCriterion.position",
        cascade="all, delete-orphan",
    )

    translatable_fields = ("title", "description")


class RubricCriterion(db.Model):
    """One row of a rubric: the grader picks exactly one of its levels."""

    __tablename__ = "assignments_criteria"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments_assignments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(200), nullable=False)

    assignment: Mapped[Assignment] = relationship(back_populates="criteria")
    levels: Mapped[list["RubricLevel"]] = relationship(
        back_populates="criterion",
        order_by="lms_assignments.models.RubricLevel.position",
        cascade="all, delete-orphan",
    )


class RubricLevel(db.Model):
    __tablename__ = "assignments_levels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("assignments_criteria.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    points: Mapped[float] = mapped_column(Float, nullable=False)

    criterion: Mapped[RubricCriterion] = relationship(back_populates="levels")


class DeadlineExtension(db.Model):
    """A later deadline for one student; the late window moves with it."""

    __tablename__ = "assignments_extensions"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments_assignments.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    due_at = mapped_column(UTCDateTime, nullable=False)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Submission(db.Model):
    """One attempt of one student. A draft becomes an attempt when it is submitted;
    earlier attempts are kept as history."""

    __tablename__ = "assignments_submissions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id", "number"),
        Index("ix_assignments_submissions_assignment_submitted", "assignment_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments_assignments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 for the first attempt
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    submitted_at = mapped_column(UTCDateTime)
    late_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    returned_at = mapped_column(UTCDateTime)
    return_comment: Mapped[str] = mapped_column(Text, nullable=False, default="")

    assignment: Mapped[Assignment] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821
    files: Mapped[list["SubmissionFile"]] = relationship(
        back_populates="submission",
        order_by="lms_assignments.models.SubmissionFile.id",
        cascade="all, delete-orphan",
    )
    links: Mapped[list["SubmissionLink"]] = relationship(
        back_populates="submission",
        order_by="lms_assignments.models.SubmissionLink.id",
        cascade="all, delete-orphan",
    )
    grade: Mapped["SubmissionGrade | None"] = relationship(
        back_populates="submission", cascade="all, delete-orphan", uselist=False
    )

    @property
    def is_late(self) -> bool:
        return self.late_days > 0


class SubmissionFile(db.Model):
    """A handed-in file. The bytes live outside the web root under ``stored_name``;
    ``original_name`` is only ever used as the download name."""

    __tablename__ = "assignments_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("assignments_submissions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="files")


class SubmissionLink(db.Model):
    """A handed-in URL; Git host links are split into repository / branch / path and
    get the commit they pointed to at hand-in time."""

    __tablename__ = "assignments_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("assignments_submissions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    host: Mapped[str | None] = mapped_column(String(32))  # "github", or None for a plain link
    repository: Mapped[str | None] = mapped_column(String(300))
    branch: Mapped[str | None] = mapped_column(String(300))
    path: Mapped[str | None] = mapped_column(String(1000))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="plain")
    checks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    checked_at = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship(back_populates="links")


class SubmissionGrade(db.Model):
    """The grade of one attempt. Students see it only once ``released_at`` is set."""

    __tablename__ = "assignments_grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("assignments_submissions.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    raw_points: Mapped[float] = mapped_column(Float, nullable=False)
    penalty_points: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    points: Mapped[float] = mapped_column(Float, nullable=False)
    # The levels chosen, copied with their titles and points so the grade reads the same
    # whatever happens to the rubric later: [{criterion_id, criterion, level_id, level, points}]
    rubric: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    graded_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    released_at = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship(back_populates="grade")


class SentReminder(db.Model):
    """Every reminder and alert sent, so a periodic run never sends one twice.

    ``due_at`` is the deadline the reminder was about: a moved deadline is a new key,
    so its reminders are scheduled afresh."""

    __tablename__ = "assignments_sent_reminders"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", "kind", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments_assignments.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # "before-24h", "missing-alert"
    due_at = mapped_column(UTCDateTime, nullable=False)
    sent_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


NOTICE_MODES = ("each", "daily")


class TeacherNotices(db.Model):
    """How a teacher hears of hand-ins: one notification each (the default, no row), or
    one daily summary; ``digest_until`` is the end of the last summary sent."""

    __tablename__ = "assignments_teacher_notices"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), nullable=False, default="each")
    digest_until = mapped_column(UTCDateTime)
