"""The runtime's endpoints, called by the runtime page on the content origin: the
attempt's state before the SCO starts, and its commits (also sent by
``navigator.sendBeacon`` when the tab closes, as ``text/plain``).

Authenticated by the runtime token in the path, never by cookies, so these are exempt
from the site's CSRF check (a token is not sent by the browser on its own: another site
cannot make a learner's browser commit). Outside ``/api/v1``: this is the player's
protocol, not the public API.
"""

from __future__ import annotations

import json

from flask import jsonify, request
from flask_babel import gettext as _

from lms_core import ServiceError, api_blueprint

from lms_scorm_xapi.scorm import content, navigation, runtime

MAX_COMMIT_BYTES = 16 * 1024 * 1024

# The learner is the token's, not the browser's session: the core loads no session for these.
RUNTIME_VIEWS = ("state", "initialize", "commit")
bp = api_blueprint("scorm_xapi_runtime", __name__, "/scorm/runtime", public=RUNTIME_VIEWS, sessionless=RUNTIME_VIEWS)


def _error(error: ServiceError):
    return jsonify(
        {"result": False, "errorCode": 101, "error": {"code": error.code, "message": error.message}}
    ), error.status


@bp.get("/<token>/state")
def state(token):
    content.only_on_content_origin()
    try:
        launch = runtime.read_token(token)
    except ServiceError as error:
        return _error(error)
    return jsonify(
        {
            "data": runtime.initial_state(launch),
            "recorded": launch.recorded,
            "navigation": navigation.request_valid(launch.sco, launch.sco.package.scos),
        }
    )


@bp.post("/<token>/initialize")
def initialize(token):
    """The SCO called Initialize: its attempt starts now (opening the player stores nothing)."""
    content.only_on_content_origin()
    try:
        attempt = runtime.initialize(runtime.read_token(token))
    except ServiceError as error:
        return _error(error)
    return jsonify({"result": True, "errorCode": 0, "recorded": attempt is not None})


@bp.post("/<token>/commit")
def commit(token):
    content.only_on_content_origin()
    # The API's 1 MiB cap on JSON bodies would cap suspend_data: real packages write
    # more than SCORM's 4,096 (1.2) or 64,000 (2004) characters.
    request.max_content_length = MAX_COMMIT_BYTES
    try:
        with runtime.commit_connection() as connection:
            launch = runtime.read_commit(token, connection)
            try:
                body = json.loads(request.get_data(cache=False, as_text=True) or "{}")
            except ValueError:
                raise ServiceError(
                    "invalid_commit", _("A commit is a JSON object of data model elements."), 400
                ) from None
            seq = runtime.check_seq(request.args.get("seq"))
            terminate = request.args.get("terminate") in ("1", "true")
            recorded = runtime.commit(launch, body, connection, terminate=terminate, seq=seq)
    except ServiceError as error:
        return _error(error)
    return jsonify({"result": True, "errorCode": 0, "recorded": recorded})
