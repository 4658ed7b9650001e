"""The current user's notification inbox."""

from __future__ import annotations

from flask import g, jsonify

from lms_core.api import api_blueprint as bp
from lms_core.api import serializers, validation
from lms_core.api.access import find, not_found
from lms_core.extensions import db
from lms_core.models import Notification
from lms_core.services import notifications


@bp.get("/notifications")
def list_notifications():
    page, per_page = validation.page_args()
    unread = validation.bool_arg("unread")
    query = db.select(Notification).where(Notification.user_id == g.user.id)
    if unread is not None:
        query = query.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    body = serializers.page_of(query, serializers.notification, page, per_page)
    body["unread"] = notifications.unread_count(g.user.id)
    return jsonify(body)


@bp.post("/notifications/<int:notification_id>/read")
def mark_notification_read(notification_id):
    notification = find(Notification, notification_id)
    if notification.user_id != g.user.id:
        # Another user's inbox is not even acknowledged to exist.
        raise not_found(Notification)
    notifications.mark_read(g.user.id, notification.id)
    db.session.refresh(notification)
    return jsonify(
        {"notification": serializers.notification(notification), "unread": notifications.unread_count(g.user.id)}
    )


@bp.post("/notifications/read")
def mark_all_notifications_read():
    changed = notifications.mark_read(g.user.id)
    return jsonify({"changed": changed, "unread": notifications.unread_count(g.user.id)})
