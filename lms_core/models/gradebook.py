"""A course's gradebook: its settings, categories with weights, where each item goes,
and teachers' overrides (every change kept, so the history shows who changed what and why).

The grades themselves are not stored here: quizzes' come from attempts, plugins' from
``lms_gradebook_items``; an override replaces one learner's points for one item. Only
the summary the "failing" and "missing" filters read is kept per learner (a cache of
the computation, rebuilt from the grades whenever it is out of date).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.extensions import db
from lms_core.models.base import UTCDateTime, utcnow


class GradebookSettings(db.Model):
    """Per course: the pass mark of the course total, the weight of items without a
    category, and an optional letter scale (``[["A", 90], ["B", 80], ...]``, highest first)."""

    __tablename__ = "gradebook_settings"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    pass_percent: Mapped[float] = mapped_column(Float, nullable=False, default=50)
    other_weight: Mapped[float] = mapped_column(Float, nullable=False, default=100)
    letter_scale: Mapped[list | None] = mapped_column(JSON)


class GradebookCategory(db.Model):
    __tablename__ = "gradebook_categories"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    weight: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    drop_lowest: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class GradebookPlacement(db.Model):
    """Which category an item (by its key) counts in; items without a row are "Other"."""

    __tablename__ = "gradebook_placements"
    __table_args__ = (UniqueConstraint("course_id", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False)
    item_key: Mapped[str] = mapped_column(String(120), nullable=False)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("gradebook_categories.id", ondelete="CASCADE"), nullable=False, index=True
    )


class GradeOverride(db.Model):
    """One change of one learner's points for one item; the latest row per
    (course, user, item) is in force (``points`` None: the override was removed)."""

    __tablename__ = "gradebook_overrides"
    __table_args__ = (Index("ix_gradebook_overrides_lookup", "course_id", "user_id", "item_key", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    item_key: Mapped[str] = mapped_column(String(120), nullable=False)
    points: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class GradebookSummary(db.Model):
    """A learner's course total, pass/fail and number of items without a grade, as last
    computed, so the gradebook's "failing" and "missing" filters are one query however
    big the course. A row counts while ``layout`` is the course's current layout (a
    fingerprint of its items, their maximum points, categories, weights and pass mark)
    and it is not ``stale``; a grade change marks the learner's row stale in its own
    transaction (``gradebook_changed``) and adds 1 to ``version``, so a computation that
    started before the change never writes over the mark."""

    __tablename__ = "gradebook_summaries"
    __table_args__ = (Index("ix_gradebook_summaries_user_id", "user_id"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    layout: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    stale: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[float | None] = mapped_column(Float)  # percent; None: nothing counts yet
    passed: Mapped[bool | None] = mapped_column(Boolean)
    missing_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
