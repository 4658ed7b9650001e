"""The plugin's tables, all named ``gamification_*``.

The ledger (``PointAward``) is the source of truth for points. ``Score`` rows sum it
per leaderboard and per person; Redis sorted sets mirror them when ``REDIS_URL`` is
set. Both can be rebuilt from the ledger with ``lms gamification rebuild``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lms_core import db
from lms_core.models.base import UTCDateTime, utcnow


class PointAward(db.Model):
    """One entry of the points ledger. ``cause`` names what earned it (``quiz:12:pass``);
    a person gets at most one award per cause, which makes every award idempotent."""

    __tablename__ = "gamification_awards"
    __table_args__ = (
        UniqueConstraint("user_id", "cause"),
        Index("ix_gamification_awards_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40), nullable=False)
    cause: Mapped[str] = mapped_column(String(120), nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Score(db.Model):
    """A person's points on one leaderboard (``board``: ``all``, ``all:w2025-01-06``,
    ``c12``, ``c12:w2025-01-06``). ``version`` grows with every change, so a mirror
    (Redis) can refuse a value older than the one it holds."""

    __tablename__ = "gamification_scores"
    __table_args__ = (Index("ix_gamification_scores_rank", "board", "hidden", "points", "user_id"),)

    board: Mapped[str] = mapped_column(String(60), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)


class PointRules(db.Model):
    """Points per kind of achievement: the platform's defaults (``scope`` ``platform``)
    or one course's (``course:<id>``). An empty value inherits the default."""

    __tablename__ = "gamification_point_rules"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    quiz_pass: Mapped[int | None] = mapped_column(Integer)
    quiz_score_bonus: Mapped[int | None] = mapped_column(Integer)
    quiz_first_attempt_bonus: Mapped[int | None] = mapped_column(Integer)
    lesson_completed: Mapped[int | None] = mapped_column(Integer)
    course_completed: Mapped[int | None] = mapped_column(Integer)
    assignment_graded: Mapped[int | None] = mapped_column(Integer)


class Level(db.Model):
    """A level of one scope (``platform`` or ``course:<id>``): reached at ``threshold``
    points, named by the teacher (or the admin for the platform)."""

    __tablename__ = "gamification_levels"
    __table_args__ = (UniqueConstraint("scope", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(40), nullable=False)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    threshold: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)


class LevelUp(db.Model):
    """A level someone reached and was told about (once, even if points drop and rise)."""

    __tablename__ = "gamification_level_ups"
    __table_args__ = (UniqueConstraint("user_id", "scope", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    scope: Mapped[str] = mapped_column(String(40), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    reached_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Badge(db.Model):
    """A badge class: a platform badge (``course_id`` empty) or a teacher's course badge.
    ``criterion`` names a criterion kind (``lms_gamification.criteria``) and ``params``
    its settings; ``builtin`` marks the platform's own badges, named in every language."""

    __tablename__ = "gamification_badges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    builtin: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    criterion: Mapped[str] = mapped_column(String(60), nullable=False)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    valid_days: Mapped[int | None] = mapped_column(Integer)  # None: never expires
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    image = deferred(mapped_column(LargeBinary))  # PNG, re-encoded on upload
    image_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class BadgeAward(db.Model):
    """A badge held by a person: once per badge and person. ``uid`` is the public id of
    its Open Badges assertion; a revoked award stays, so criteria never hand it out again."""

    __tablename__ = "gamification_badge_awards"
    __table_args__ = (UniqueConstraint("badge_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("gamification_badges.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    awarded_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    awarded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    narrative: Mapped[str] = mapped_column(Text, nullable=False, default="")
    expires_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    salt: Mapped[str] = mapped_column(String(32), nullable=False)

    badge: Mapped[Badge] = relationship()


class CourseSettings(db.Model):
    """A course's leaderboard: ``full``, ``neighbours`` (each student sees only the
    ranks around their own) or ``off``."""

    __tablename__ = "gamification_course_settings"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    leaderboard: Mapped[str] = mapped_column(String(16), nullable=False, default="full")


class Profile(db.Model):
    """A person's own choices: ``hidden`` keeps them off every leaderboard."""

    __tablename__ = "gamification_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ActiveDay(db.Model):
    """A day (in the person's time zone) on which they did something in a course."""

    __tablename__ = "gamification_active_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    day = mapped_column(Date, primary_key=True)


class SubmissionFact(db.Model):
    """What the assignments plugin told about a hand-in, kept for badge criteria so they
    work without reading that plugin's tables."""

    __tablename__ = "gamification_submission_facts"

    submission_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_at = mapped_column(UTCDateTime, nullable=False)
    deadline = mapped_column(UTCDateTime)
    hours_early: Mapped[float | None] = mapped_column(Float)
