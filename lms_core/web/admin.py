"""Administration: users and roles, plugins, failed jobs."""
from __future__ import annotations

from flask import Blueprint, render_template

from lms_core.auth import login_required, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def only_admins():
    require("admin.access")


@bp.route("/")
def index():
    return render_template("admin/index.html")
