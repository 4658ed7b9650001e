"""The JSON API under ``/api/v1``."""
from flask import Blueprint, jsonify

from lms_core.extensions import csrf

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_blueprint)


@api_blueprint.route("/openapi.json")
def openapi():
    return jsonify({"openapi": "3.1.0", "info": {"title": "LMS API", "version": "1"}, "paths": {}})
