"""The hello plugin's own table. Its name starts with the plugin's name, ``hello_``."""

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms_core import db


class Greeting(db.Model):
    """One congratulation: a learner passed a quiz (the first pass only)."""

    __tablename__ = "hello_greetings"
    # One greeting per learner and quiz, even when an event is delivered twice.
    __table_args__ = (UniqueConstraint("user_id", "quiz_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False)
    attempt_id: Mapped[int] = mapped_column(Integer, nullable=False)
    quiz_title: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=lambda: datetime.now(timezone.utc)
    )
