"""Error pages in the user's language, JSON errors under ``/api/``."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms_core.services import ServiceError

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
}


def messages():
    return {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a few minutes and try again."),
        500: _("Something went wrong on our side. Please try again."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register_error_pages(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code in (301, 302, 303, 307, 308) or exc.response is not None:
            return exc.response or exc
        return error_response(exc.code, ERROR_CODES.get(exc.code, "error"), messages().get(exc.code, exc.description))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, "csrf_failed", _("The form expired. Please reload the page and try again."))

    @app.errorhandler(ServiceError)
    def service_error(exc):
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    from sqlalchemy.exc import DataError

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(exc):
        # The last line of defence: a number or a text that no check stopped and the
        # database refused (a 64-bit overflow, a text longer than its column). The
        # checks belong in lms_core.api.validation and the forms; this keeps it a 400.
        app.logger.warning("a value the database refused reached it: %s", exc)
        from lms_core.extensions import db

        db.session.rollback()
        return error_response(400, "invalid", _("A value is too large or too long."))

    @app.errorhandler(Exception)
    def unexpected(exc):
        if app.testing:
            raise exc
        app.logger.exception("unhandled error")
        from lms_core.extensions import db

        db.session.rollback()
        return error_response(500, "server_error", messages()[500])
