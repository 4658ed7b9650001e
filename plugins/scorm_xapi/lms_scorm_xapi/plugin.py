"""The SCORM/xAPI plugin's hook implementations (the entry point ``scorm_xapi``).
Kept thin: each hook hands over to the module that holds the logic."""

from __future__ import annotations

from pathlib import Path

from lms_core import hookimpl

from lms_scorm_xapi.scorm import models as scorm_models  # noqa: F401  (the tables must be known to migrations)

PACKAGE = Path(__file__).parent


@hookimpl
def lms_migrations_folder():
    return PACKAGE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return PACKAGE / "translations"


@hookimpl
def lms_blueprints(app):
    from lms_scorm_xapi.scorm import api, views

    return [views.bp, api.bp]


@hookimpl
def lms_content_security_policy(app):
    from lms_scorm_xapi.scorm.content import content_origin

    origin = content_origin()
    return {"frame-src": [origin]} if origin else None


@hookimpl
def lms_permission_allowed(user, action, target):
    from lms_scorm_xapi.scorm import permissions

    return permissions.allowed(user, action, target)


@hookimpl
def lms_course_page_fragments(user, course):
    from lms_scorm_xapi.scorm import fragments

    return fragments.course_fragment(user, course)


@hookimpl
def lms_navigation_links(user):
    from lms_scorm_xapi.scorm import fragments

    return fragments.navigation_links(user)
