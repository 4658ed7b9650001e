"""The order of a course's lessons and quizzes."""

from __future__ import annotations

from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import Course, Lesson
from lms_core.services import ServiceError


def next_position(course: Course) -> int:
    positions = [item.position for item in [*course.lessons, *course.quizzes]]
    return max(positions, default=0) + 1


def outline(course: Course, include_unpublished: bool = False) -> list:
    """Lessons and quizzes in the order the learner meets them."""
    items = [*course.lessons, *course.quizzes]
    if not include_unpublished:
        items = [i for i in items if i.published]
    return sorted(items, key=lambda i: (i.position, 0 if isinstance(i, Lesson) else 1, i.id))


def move_in_outline(course: Course, item, offset: int) -> None:
    """Swap a lesson or quiz with its neighbour (``offset`` -1 or +1) and number the
    outline 1, 2, 3, ... again, since hand-typed positions may tie."""
    items = outline(course, include_unpublished=True)
    index = next((i for i, other in enumerate(items) if other is item), None)
    if index is None:
        raise ServiceError("not_found", _("This item is not part of the course."), 404)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items, 1):
        other.position = position
    db.session.commit()


def recheck_completion_later(course_id: int) -> None:
    """A removed lesson or quiz may be all that kept some learners from completing."""
    from lms_core.jobs import enqueue
    from lms_core.services.progress import recheck_course

    enqueue(recheck_course, course_id)
