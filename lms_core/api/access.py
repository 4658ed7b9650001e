"""Who may call the API and what they may touch: authentication, the CSRF header
for cookie clients, permission checks and loading rows by id."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from lms_core.extensions import db
from lms_core.models import Attempt, Course, Enrollment, Lesson, Notification, Quiz, User
from lms_core.permissions import can
from lms_core.services import ServiceError
from lms_core.web.errors import error_response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
# JSON bodies are small; a larger one is a mistake or an attack, refused with 413.
# File uploads (multipart) keep the site's MAX_CONTENT_LENGTH.
MAX_BODY_BYTES = 1024 * 1024

NOT_FOUND = {
    Course: _l("No such course."),
    Lesson: _l("No such lesson."),
    Quiz: _l("No such quiz."),
    Attempt: _l("No such attempt."),
    Notification: _l("No such notification."),
    User: _l("No such user."),
    Enrollment: _l("You are not enrolled in this course."),
}


def guard():
    """Runs before every API view (after ``load_current_user`` set ``g.user``)."""
    if request.mimetype != "multipart/form-data":
        request.max_content_length = MAX_BODY_BYTES
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.get("user") is None:
        if request.headers.get("Authorization", "").startswith("Bearer "):
            response = error_response(401, "unauthorized", _("The API token is not valid or was revoked."))
            challenge = 'Bearer error="invalid_token"'
        else:
            response = error_response(401, "unauthorized", _("Log in or send a personal API token."))
            challenge = "Bearer"
        response[0].headers["WWW-Authenticate"] = challenge
        return response
    if request.method not in SAFE_METHODS and not g.get("via_token") and csrf_checked():
        token = next((request.headers[h] for h in current_app.config["WTF_CSRF_HEADERS"] if h in request.headers), None)
        try:
            validate_csrf(token)
        except ValidationError:
            return error_response(
                400, "csrf_failed", _("Send the X-CSRFToken header from the page, or use a personal API token.")
            )
    return None


def csrf_checked() -> bool:
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True))


def not_found(model) -> ServiceError:
    # A plugin's own model (find(Occurrence, id)) has no message of the core's.
    return ServiceError("not_found", str(NOT_FOUND.get(model) or _l("Nothing was found with this id.")), 404)


def find(model, object_id: int):
    """The row, or a 404 ``not_found`` error."""
    obj = db.session.get(model, object_id)
    if obj is None:
        raise not_found(model)
    return obj


def find_course(course_id: int) -> Course:
    """The course, or a 404 ``not_found`` error, read together with the current user's
    enrolment in it, which this request's permission checks then use without a query of
    their own (``find(Course, id)`` and a check would be two statements)."""
    from lms_core.services import enrolment

    user = g.get("user")
    if user is None:
        return find(Course, course_id)
    found = enrolment.course_with_enrolment(user.id, course_id=course_id)
    if found is None:
        raise not_found(Course)
    return found[0]


def allowed(action: str, target=None) -> bool:
    return can(g.user, action, target)


def allow(action: str, target=None) -> None:
    """Raise a 403 ``forbidden`` error unless the current user may act."""
    if not allowed(action, target):
        raise ServiceError("forbidden", _("You are not allowed to do this."), 403)
