"""The plugin's tables, all named ``analytics_*``: rollups a dashboard reads instead of
the raw facts, and what the rollups need to stay idempotent.

Every rollup row can be recomputed from the core's tables (``lms analytics rebuild``):
the activity rollups are *recomputed* for the affected day x course, never
incremented, and the quiz sums are incremented only once per attempt (the attempt id
is the key of ``QuizFolded``), so a redelivered event or a re-run job never counts twice.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms_core import db
from lms_core.models.base import UTCDateTime, utcnow


class ActivityDay(db.Model):
    """Seconds one learner spent on one lesson of a course on one (UTC) day: the activity
    facts summed per day x course x item x learner. ``lesson_id`` 0 holds the time of
    lessons deleted since."""

    __tablename__ = "analytics_activity_days"
    __table_args__ = (Index("ix_analytics_activity_days_course_user", "course_id", "user_id"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    day = mapped_column(Date, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    facts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CourseDay(db.Model):
    """One course on one day: what the overview's time series show."""

    __tablename__ = "analytics_course_days"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    day = mapped_column(Date, primary_key=True)
    active_learners: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    enrolments: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    completions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lesson_completions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class LearnerCourse(db.Model):
    """One learner in one course: totals for the learner view and the at-risk list."""

    __tablename__ = "analytics_learner_courses"
    __table_args__ = (Index("ix_analytics_learner_courses_user", "user_id"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    enrolled_at = mapped_column(UTCDateTime)
    completed_at = mapped_column(UTCDateTime)
    seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_active_at = mapped_column(UTCDateTime)
    lessons_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    quizzes_passed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    quizzes_failing: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    best_percent_avg: Mapped[float | None] = mapped_column(Float)


class FunnelStep(db.Model):
    """How many learners got past one item of a course (a lesson completed, a quiz passed)."""

    __tablename__ = "analytics_funnel"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # "lesson" or "quiz"
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learners: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# ---------------------------------------------------------------- quiz statistics

MODES = ("first", "all")


class QuizFolded(db.Model):
    """An attempt already added to the quiz sums: the idempotency key of the fold."""

    __tablename__ = "analytics_quiz_folded"

    attempt_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False, index=True)
    folded_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class QuizScoreCount(db.Model):
    """How many attempts (first or all) reached each total score, in milli-points: the
    exact distribution the mean, median and moments are computed from."""

    __tablename__ = "analytics_quiz_scores"

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    score_milli: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    passed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_score_milli: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class QuestionSums(db.Model):
    """Sums over attempts of a question's mark x and the rest of the test r = total - x
    (milli-points): enough for Moodle's variance, covariance and discrimination index."""

    __tablename__ = "analytics_question_sums"

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sx = mapped_column(Float, nullable=False, default=0)
    sxx = mapped_column(Float, nullable=False, default=0)
    sr = mapped_column(Float, nullable=False, default=0)
    srr = mapped_column(Float, nullable=False, default=0)
    sxr = mapped_column(Float, nullable=False, default=0)


class QuestionValueCount(db.Model):
    """How many attempts had each value of x (``axis`` "x") or of r (``axis`` "r") for a
    question: sorting both, as Moodle does for the maximum covariance, needs only these."""

    __tablename__ = "analytics_question_values"

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    axis: Mapped[str] = mapped_column(String(1), primary_key=True)
    value_milli: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ChoiceCount(db.Model):
    """How many attempts picked each response of a question (a choice id, or the text
    answer folded to lower case)."""

    __tablename__ = "analytics_choice_counts"

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response: Mapped[str] = mapped_column(String(120), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# ---------------------------------------------------------------- reporting and state


class LearnerKey(db.Model):
    """The pseudonym of a learner in the reporting views: an HMAC of the user id with the
    deployment's secret, so BI tools can join a learner's rows without knowing who it is."""

    __tablename__ = "analytics_learner_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    learner_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # The learner asked to be hidden (a plugin's privacy setting): never named in a view.
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Watermark(db.Model):
    """How far the periodic fold has read a source (``activity_facts``: the last id)."""

    __tablename__ = "analytics_watermarks"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CourseSettings(db.Model):
    """A teacher's thresholds for the at-risk list of a course."""

    __tablename__ = "analytics_course_settings"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    inactive_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7)
    pace_days: Mapped[int] = mapped_column(Integer, nullable=False, default=28)
