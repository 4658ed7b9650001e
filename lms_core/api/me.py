"""The current user: profile settings and own enrolments."""

from __future__ import annotations

from flask import g, jsonify, session
from sqlalchemy.orm import joinedload

from lms_core.api import api_blueprint as bp
from lms_core.api import serializers, validation
from lms_core.extensions import db
from lms_core.i18n import preload_content_translations
from lms_core.models import Enrollment
from lms_core.services import accounts

PROFILE_RULES = {
    "name": validation.text(120),
    "locale": validation.language(nullable=True),
    "timezone": validation.timezone,
}


@bp.get("/me")
def me():
    return jsonify(serializers.user(g.user))


@bp.patch("/me")
def update_me():
    changes = validation.read_body(PROFILE_RULES)
    accounts.update_profile(g.user, **changes)
    if "locale" in changes and not g.via_token:
        session["locale"] = changes["locale"]
    return jsonify(serializers.user(g.user))


@bp.get("/me/enrollments")
def my_enrollments():
    rows = (
        db.session.execute(
            db.select(Enrollment)
            .where(Enrollment.user_id == g.user.id)
            .order_by(Enrollment.enrolled_at.desc())
            .options(joinedload(Enrollment.course))  # each course with its enrolment, not one query each
        )
        .scalars()
        .all()
    )
    preload_content_translations([row.course for row in rows])  # their titles in one query
    return jsonify({"items": [serializers.enrollment(row) for row in rows]})
