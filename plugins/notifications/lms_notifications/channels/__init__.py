"""The delivery channels, by name."""

from __future__ import annotations


def all_channels() -> dict:
    from lms_notifications.channels.email import EmailChannel
    from lms_notifications.channels.push import PushChannel
    from lms_notifications.channels.sms import SmsChannel
    from lms_notifications.channels.telegram import TelegramChannel

    return {c.name: c for c in (EmailChannel(), SmsChannel(), PushChannel(), TelegramChannel())}


def get(name: str):
    return all_channels()[name]
