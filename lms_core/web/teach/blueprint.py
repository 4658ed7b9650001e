"""The teacher's blueprint; its pages are in the modules next to this one."""

from __future__ import annotations

from flask import Blueprint

from lms_core.auth import login_required

bp = Blueprint("teach", __name__, url_prefix="/teach")


@bp.before_request
@login_required
def signed_in():
    """Every page here needs a user; which user may do what is checked per page."""
