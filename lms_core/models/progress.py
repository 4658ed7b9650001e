from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_core.extensions import db
from lms_core.models.base import UTCDateTime, utcnow

ENROLLMENT_STATES = ("pending", "active", "completed")


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        # A course's learners in a state ("active", "completed"), with their ids: counted
        # and listed (the gradebook, the course list, chat, notifications) from the index
        # alone, without reading 5,000 rows of a big course.
        Index("ix_enrollments_course_id_status_user_id", "course_id", "status", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    hold_reason: Mapped[str | None] = mapped_column(String(500))
    enrolled_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    completed_at = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()  # noqa: F821
    course: Mapped["Course"] = relationship()  # noqa: F821


class LessonCompletion(db.Model):
    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False, index=True)
    completed_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ActivityFact(db.Model):
    """Seconds a learner actually spent on a lesson, as reported by heartbeats.

    Analytics reads this table directly (Metabase, Grafana), so its columns are plain.
    """

    __tablename__ = "activity_facts"
    __table_args__ = (
        Index("ix_activity_facts_course_occurred", "course_id", "occurred_at"),
        Index("ix_activity_facts_user_course", "user_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False)
    # A deleted lesson keeps its time in the course's totals.
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"), index=True)
    seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
