"""The plugin's one entry in the core's ``lms_notification_channels``: every stored
notification is handed to it (in a job), and it plans and sends the message on the
channels the scenario and the recipient's preferences choose."""

from __future__ import annotations

from lms_core import NotificationChannel

from lms_notifications.scenarios import ANNOUNCEMENT


class ScenarioDispatcher(NotificationChannel):
    name = "notifications"

    def wants(self, notification, user) -> bool:
        # Announcements are planned and sent by their batch jobs (one SMTP connection each).
        return notification.kind != ANNOUNCEMENT

    def deliver(self, notification, user) -> None:
        from lms_notifications import delivery

        delivery.send(delivery.plan(notification.id))
