"""Read-only snapshots passed to event hooks.

A plugin can read them but cannot change core state through them; it loads a row by
id (``db.session.get(Course, course.id)``) when it needs more. Fields are only ever
added, never renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    name: str
    role: str
    locale: str | None
    timezone: str | None

    @classmethod
    def of(cls, user) -> "UserInfo":
        return cls(user.id, user.email, user.name, user.role, user.locale, user.timezone)


@dataclass(frozen=True)
class CourseInfo:
    id: int
    slug: str
    title: str
    default_language: str

    @classmethod
    def of(cls, course) -> "CourseInfo":
        return cls(course.id, course.slug, course.title, course.default_language)


@dataclass(frozen=True)
class LessonInfo:
    id: int
    course_id: int
    title: str
    position: int

    @classmethod
    def of(cls, lesson) -> "LessonInfo":
        return cls(lesson.id, lesson.course_id, lesson.title, lesson.position)


@dataclass(frozen=True)
class QuizInfo:
    id: int
    course_id: int
    title: str
    pass_percent: int
    max_attempts: int | None

    @classmethod
    def of(cls, quiz) -> "QuizInfo":
        return cls(quiz.id, quiz.course_id, quiz.title, quiz.pass_percent, quiz.max_attempts)


@dataclass(frozen=True)
class AttemptInfo:
    id: int
    user_id: int
    quiz_id: int
    number: int
    score: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None
    started_at: datetime
    submitted_at: datetime | None

    @classmethod
    def of(cls, attempt) -> "AttemptInfo":
        return cls(
            attempt.id,
            attempt.user_id,
            attempt.quiz_id,
            attempt.number,
            attempt.score,
            attempt.max_score,
            attempt.percent,
            attempt.passed,
            attempt.started_at,
            attempt.submitted_at,
        )


@dataclass(frozen=True)
class EnrollmentInfo:
    id: int
    user_id: int
    course_id: int
    status: str
    enrolled_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, enrollment) -> "EnrollmentInfo":
        return cls(
            enrollment.id,
            enrollment.user_id,
            enrollment.course_id,
            enrollment.status,
            enrollment.enrolled_at,
            enrollment.completed_at,
        )


@dataclass(frozen=True)
class NotificationInfo:
    id: int
    user_id: int
    kind: str
    title: str
    body: str
    url: str | None
    created_at: datetime
    params: dict = field(default_factory=dict)

    @classmethod
    def of(cls, notification) -> "NotificationInfo":
        return cls(
            notification.id,
            notification.user_id,
            notification.kind,
            notification.title,
            notification.body,
            notification.url,
            notification.created_at,
            dict(notification.params or {}),
        )


@dataclass(frozen=True)
class EventInfo:
    """The event itself, passed to every event hook as ``event``: ``id`` is stable
    across redeliveries (use it as an idempotency key), ``name`` is the hook's name,
    ``created_at`` the time it was written (in the transaction of the change)."""

    id: str
    name: str
    created_at: datetime
