from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_core.extensions import db
from lms_core.models.base import UTCDateTime, utcnow

QUESTION_KINDS = ("single", "multiple", "text", "numeric", "matching", "ordering", "essay")
# When a learner sees the correct answers and the teacher's feedback on their attempts.
REVIEW_POLICIES = ("never", "after_attempt", "after_last_attempt", "after_deadline")


class Quiz(db.Model):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    pass_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    max_attempts: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    review_policy: Mapped[str] = mapped_column(String(24), nullable=False, default="never", server_default="never")
    due_at = mapped_column(UTCDateTime, nullable=True)  # None: no deadline
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    course: Mapped["Course"] = relationship(back_populates="quizzes")  # noqa: F821
    questions: Mapped[list["Question"]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )

    translatable_fields = ("title", "description")


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # For "text" questions: accepted answers, compared without case and outer spaces;
    # for "numeric" ones: the accepted numbers (as text), each with ``tolerance`` either side.
    accepted_answers: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    tolerance: Mapped[float | None] = mapped_column(Float)
    # Shown to the learner with the correct answer, when the quiz's review policy allows.
    feedback: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )

    translatable_fields = ("text", "feedback")


class Choice(db.Model):
    __tablename__ = "choices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    correct: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # "matching" questions: the text this item is matched with. "ordering" questions keep
    # their items in the correct order (``position``).
    match: Mapped[str | None] = mapped_column(Text)

    question: Mapped[Question] = relationship(back_populates="choices")

    translatable_fields = ("text", "match")


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("user_id", "quiz_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 for the first attempt
    started_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    submitted_at = mapped_column(UTCDateTime)
    answers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    timed_out: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Essay questions wait for the teacher: the attempt is complete (score, passed, events)
    # once graded. ``manual_scores`` and ``comments`` are keyed by question id.
    needs_grading: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    manual_scores: Mapped[dict | None] = mapped_column(JSON)
    comments: Mapped[dict | None] = mapped_column(JSON)
    graded_at = mapped_column(UTCDateTime)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    quiz: Mapped[Quiz] = relationship()
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
