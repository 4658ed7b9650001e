"""Fixtures for the certificates plugin's tests: the app runs with this plugin only,
so the tests tell about certificates whatever else is installed."""

from __future__ import annotations

import pytest

from lms_core import db
from lms_core.models import Enrollment


@pytest.fixture
def lms_base_config() -> dict:
    return {"LMS_PLUGINS": "certificates", "CERTIFICATES_REPAIR_GRACE_SECONDS": 0}


class Graduation:
    """Takes a learner through a one-lesson course to its completion."""

    def __init__(self, factory, run_jobs):
        self.factory = factory
        self.run_jobs = run_jobs

    def course(self, title="Astronomy", teacher=None, **fields):
        course = self.factory.course(title=title, teacher=teacher, **fields)
        self.factory.lesson(course, title="Stars")
        return course

    def complete(self, course, student=None, name=None, locale=None):
        from lms_core.models import Lesson
        from lms_core.services import progress

        student = student or self.factory.user(name=name, locale=locale)
        self.factory.enrol(student, course)
        lesson = db.session.execute(db.select(Lesson).where(Lesson.course_id == course.id)).scalars().first()
        progress.complete_lesson(student, lesson)
        self.run_jobs()
        enrollment = db.session.execute(
            db.select(Enrollment).where(Enrollment.user_id == student.id, Enrollment.course_id == course.id)
        ).scalar_one()
        assert enrollment.status == "completed"
        return student, enrollment

    @staticmethod
    def certificates(user_id=None):
        """Certificates in the database (of one learner), oldest first."""
        from lms_certificates.models import Certificate

        db.session.expire_all()
        query = db.select(Certificate).order_by(Certificate.id)
        if user_id is not None:
            query = query.where(Certificate.user_id == user_id)
        return db.session.execute(query).scalars().all()


@pytest.fixture
def graduation(factory, run_jobs):
    return Graduation(factory, run_jobs)
