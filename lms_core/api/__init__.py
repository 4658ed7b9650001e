"""The JSON API under ``/api/v1``.

Clients authenticate with a personal token (``Authorization: Bearer <token>``) or with
the session cookie of the web pages. The blueprint is exempt from Flask-WTF's form
check, so :func:`guard` asks cookie-authenticated clients for the ``X-CSRFToken``
header on every unsafe method itself; a token cannot be sent by another site, so token
clients need none. Errors are JSON (``lms_core.web.errors``) with a stable ``code``.
"""

from flask import Blueprint, jsonify

from lms_core.api.access import guard
from lms_core.extensions import csrf

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_blueprint)
api_blueprint.before_request(guard)


@api_blueprint.get("/openapi.json")
def openapi():
    from lms_core.api.openapi import document

    return jsonify(document())


# The route modules attach their views to ``api_blueprint``, so they load after it.
from lms_core.api import courses, lessons, me, notifications, quizzes  # noqa: E402,F401
