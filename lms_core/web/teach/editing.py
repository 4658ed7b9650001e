"""What every authoring page shares: the course being edited, form errors, language choices."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice

from lms_core.auth import require
from lms_core.extensions import db
from lms_core.i18n import language_names
from lms_core.models import Course
from lms_core.web.form_errors import mark_form_errors, refused_status

# The pages' names for the helpers plugins get from the facade (one implementation).
mark_errors = mark_form_errors
failed = refused_status


def editable_course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    return course


def language_choices():
    return [SelectChoice(code, name) for code, name in language_names(reader=True).items()]
