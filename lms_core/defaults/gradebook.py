"""The core's link to a learner's own grades, on the course page, through the same
fragment hook plugins use."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from hookspecs import hookimpl


@hookimpl(trylast=True)
def lms_course_page_fragments(user, course):
    if user is None:
        return None
    from lms_core.defaults.permissions import is_enrolled
    from lms_core.extensions import db
    from lms_core.models import Course, User

    row, person = db.session.get(Course, course.id), db.session.get(User, user.id)
    if row is None or person is None or not is_enrolled(person, row):
        return None
    return [
        Markup('<p class="card" id="my-grades-link"><a href="{}">{}</a></p>').format(
            url_for("grades.mine", course_id=course.id), _("My grades")
        )
    ]
