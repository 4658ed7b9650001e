"""What the SCORM half adds to the core's pages: on the course page, the staff's link
to the course's packages; in the menu, teachers' link to import a package as a course."""

from __future__ import annotations

from flask_babel import gettext as _

from lms_core import NavLink, can, db, path_for, render_fragment
from lms_core.models import Course, User


def course_fragment(user, course) -> list:
    if user is None:
        return []
    viewer = db.session.get(User, user.id)
    course_row = db.session.get(Course, course.id)
    if not can(viewer, "course.edit", course_row):
        return []
    return [render_fragment("scorm_xapi/_course_fragment.html", course=course_row)]


def navigation_links(user) -> list[NavLink]:
    if user is None or user.role not in ("teacher", "admin"):
        return []
    return [NavLink(_("Import SCORM"), path_for("scorm_xapi.new_course"), "main")]
