"""What every authoring page shares: the course being edited, form errors, language choices."""
from __future__ import annotations

from wtforms.fields.choices import SelectChoice

from lms_core.auth import require
from lms_core.extensions import db
from lms_core.i18n import language_names
from lms_core.models import Course
from lms_core.services import ServiceError


def editable_course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    return course


def mark_errors(form, exc: ServiceError) -> dict:
    """Put a service's field errors on the form's fields; returns them all, so a
    template can show those that belong to no single field (a question's options)."""
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and not hasattr(field, "entries"):
            field.errors = [*field.errors, message]
    return dict(exc.fields)


def failed(exc: ServiceError) -> int:
    """The status of a refused form: 400 unless the service said otherwise (409)."""
    return exc.status if exc.status in (400, 409) else 400


def language_choices():
    return [SelectChoice(code, name) for code, name in language_names().items()]
