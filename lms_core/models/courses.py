from __future__ import annotations

import hashlib

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lms_core.extensions import db
from lms_core.models.base import UTCDateTime, utcnow


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    default_language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # When teaching begins (UTC); notification plugins remind learners before it.
    starts_at = mapped_column(UTCDateTime, nullable=True, index=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # Bumped in the same transaction as every change of the course, its lessons, quizzes
    # or translations (lms_core.content_version), never set by hand: what is kept of the
    # course between requests (its outline) is kept under this number.
    content_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    staff: Mapped[list["CourseStaff"]] = relationship(back_populates="course", cascade="all, delete-orphan")
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    quizzes: Mapped[list["Quiz"]] = relationship(  # noqa: F821
        back_populates="course", order_by="Quiz.position", cascade="all, delete-orphan"
    )

    translatable_fields = ("title", "summary")

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseImage(db.Model):
    """A course's picture in the catalogue: re-encoded on upload (only the pixels are
    kept) and shrunk to ``IMAGE_BOX``. In the database, not on disk, so every web process
    of a deployment serves it; ``sha256`` versions its address, so browsers cache it."""

    __tablename__ = "course_images"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class CourseStaff(db.Model):
    """Teachers of a course. A user with the teacher role edits only courses listed here."""

    __tablename__ = "course_staff"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)

    course: Mapped[Course] = relationship(back_populates="staff")
    user: Mapped["User"] = relationship()  # noqa: F821


class Lesson(db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")  # Markdown
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="lessons")

    translatable_fields = ("title", "body")


class Translation(db.Model):
    """A translation of one field of a course, lesson, quiz, question or choice.

    The source text lives in the object itself, in the course's default language.
    ``source_hash`` is the hash of the source text the translation was made from: when
    the source changes, the translation is reported as out of date.
    """

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "field", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    field: Mapped[str] = mapped_column(String(32), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    source_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @staticmethod
    def hash_source(text: str) -> str:
        return hashlib.sha256((text or "").encode()).hexdigest()
