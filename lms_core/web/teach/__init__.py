"""Authoring pages for teachers: courses, lessons, quizzes, translations, students.

Every page of a course checks ``course.edit`` (the students page ``course.view_students``);
changes go through ``lms_core.services.courses``, which validates everything before it
writes, so an invalid form answers 400 with the fields marked and nothing saved.
"""

from lms_core.web.teach import (  # noqa: F401  (routes)
    courses,
    gradebook,
    grading,
    lessons,
    preview,
    questions,
    quizzes,
    students,
    todo,
    translations,
)
from lms_core.web.teach.blueprint import bp

__all__ = ["bp"]
