"""The in-app inbox."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from lms_core.api.validation import id_value
from lms_core.auth import login_required
from lms_core.extensions import db
from lms_core.models import Notification
from lms_core.services import notifications

bp = Blueprint("notifications", __name__)


@bp.route("/inbox")
@login_required
def inbox():
    items = (
        db.session.execute(
            db.select(Notification)
            .where(Notification.user_id == g.user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(200)
        )
        .scalars()
        .all()
    )
    return render_template("notifications/inbox.html", items=items, texts=notifications.shown_texts(items))


@bp.route("/inbox/read", methods=["POST"])
@login_required
def mark_read():
    notifications.mark_read(g.user.id, request.form.get("id", type=id_value))
    return redirect(url_for("notifications.inbox")), 303
