"""The certificates plugin's hook implementations (the entry point ``certificates``).

Slow work is never done here: a completed course enqueues the issuing job, whose
PDF goes through ``render_certificate`` (this plugin's design answers last, so an
institution's plugin can replace it).
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from lms_core import NavLink, PeriodicTask, hookimpl
from lms_certificates import models  # noqa: F401  (the tables must be known to migrations)

PACKAGE = Path(__file__).parent


@hookimpl
def on_course_completed(user, course, enrollment):
    from lms_core import enqueue
    from lms_certificates import jobs

    enqueue(jobs.issue_job, enrollment.id)


@hookimpl(trylast=True)
def render_certificate(certificate):
    from lms_certificates import render

    return render.render_pdf(certificate)


@hookimpl
def lms_blueprints(app):
    from lms_certificates import api, views

    return [views.bp, api.bp]


@hookimpl
def lms_openapi():
    from lms_certificates import openapi

    return openapi.fragment()


@hookimpl
def lms_notification_texts():
    from lms_certificates import issuing

    return {"certificates.issued": issuing.issued_title}


@hookimpl
def lms_migrations_folder():
    return PACKAGE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return PACKAGE / "translations"


@hookimpl
def lms_periodic_tasks():
    from lms_certificates import jobs

    return [PeriodicTask("certificates.repair", jobs.repair_sweep, jobs.REPAIR_INTERVAL)]


@hookimpl
def lms_demo_data(platform):
    from lms_certificates.demo import load_demo_certificates

    return load_demo_certificates(platform)


@hookimpl
def lms_cli_commands():
    from lms_certificates.cli import certificates_group

    return [certificates_group]


@hookimpl
def lms_navigation_links(user):
    from flask import url_for

    if user is None:
        return [NavLink(_l("Verify a certificate"), url_for("certificates.verify_form"))]
    return [NavLink(_l("Certificates"), url_for("certificates.index"))]


@hookimpl
def lms_course_page_fragments(user, course):
    from lms_certificates import fragments

    return fragments.course_page(user, course)


@hookimpl
def lms_dashboard_fragments(user):
    from lms_certificates import fragments

    return fragments.dashboard(user)


# Not trylast: pluggy calls trylast implementations in registration order, so the
# core's defaults (registered first, answering False to unknown actions) would win.
@hookimpl
def lms_permission_allowed(user, action, target):
    from lms_certificates import access

    return access.decide(user, action, target)


@hookimpl(optionalhook=True)
def lms_notification_scenarios():
    """The certificate message, for the notifications plugin's catalogue (when installed)."""
    return [
        {
            "name": "certificates.issued",
            "label": _l("Certificate issued"),
            "description": _l("Sent to a learner when their certificate is ready (or re-issued)."),
            "audience": "learner",
            "channels": ["email", "push", "telegram"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("Your certificate for “{{ course }}” is ready"),
                "text": _l("Congratulations! Your certificate {{ number }} for “{{ course }}” is ready.\n\n{{ url }}"),
                "short": _l("Your certificate for “{{ course }}” is ready"),
            },
            "sample": {"course": "Python 101", "number": "LMS-2026-000123-7"},
        }
    ]


@hookimpl
def lms_course_workspace_tabs(user, course):
    """The plugin's teacher page of the course, a tab of the course workspace."""
    from flask import url_for

    from lms_core import WorkspaceTab, gettext as _

    return [
        WorkspaceTab("certificates", _("Certificates"), url_for("certificates.course", course_id=course.id), order=40),
    ]
