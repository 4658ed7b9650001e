"""SMS: a provider interface with two adapters, Twilio's REST API (the Messages
resource, form-encoded, HTTP basic auth) and SMS.ru's HTTP API (``/sms/send`` with
``json=1``). Messages are counted in segments (GSM-7: 160 characters, 153 per part of a
long message; anything else UCS-2: 70, 67 per part) for the cost shown to the admin
and the deployment's monthly cap."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import requests

from lms_core import db

from lms_notifications import settings
from lms_notifications.channels.base import Channel, DeliveryError, http_error

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")  # two septets each


def segments(text: str) -> tuple[int, str]:
    """How many SMS parts ``text`` takes, and its encoding (``GSM-7`` or ``UCS-2``)."""
    if all(ch in GSM7 or ch in GSM7_EXTENDED for ch in text):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        return (1 if length <= 160 else math.ceil(length / 153)), "GSM-7"
    length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)  # UTF-16 code units
    return (1 if length <= 70 else math.ceil(length / 67)), "UCS-2"


def month_key(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime("%Y-%m")


class Provider:
    name = ""

    def send(self, phone: str, text: str) -> str:
        raise NotImplementedError


class Twilio(Provider):
    """``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with ``To``, ``From``
    and ``Body``; answers 201 with the message's ``sid``, or an error with ``code``
    and ``message`` (20003: authentication failed)."""

    name = "twilio"

    def __init__(self, config: dict):
        self.sid = config.get("twilio_sid", "")
        self.token = config.get("twilio_token", "")
        self.sender = config.get("twilio_from", "")
        self.base = settings.config("NOTIFICATIONS_TWILIO_API_URL").rstrip("/")

    def send(self, phone: str, text: str) -> str:
        if not (self.sid and self.token and self.sender):
            raise DeliveryError("Twilio: the account SID, auth token and sender number must be set", configuration=True)
        url = f"{self.base}/2010-04-01/Accounts/{self.sid}/Messages.json"
        try:
            response = requests.post(
                url,
                data={"To": phone, "From": self.sender, "Body": text},
                auth=(self.sid, self.token),
                timeout=settings.config("NOTIFICATIONS_HTTP_TIMEOUT"),
            )
        except requests.RequestException as exc:
            raise http_error("Twilio", exc) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code in (200, 201) and body.get("sid"):
            return body["sid"]
        message = f"Twilio {response.status_code}: {body.get('message') or response.text[:200]}"
        if body.get("code"):
            message += f" (code {body['code']})"
        raise DeliveryError(
            message, configuration=response.status_code in (401, 403), permanent=response.status_code == 400
        )


class SmsRu(Provider):
    """``POST /sms/send`` with ``api_id``, ``to``, ``msg`` and ``json=1``; answers
    ``{"status": "OK", "sms": {"<phone>": {"status": "OK", "sms_id": ...}}}`` or
    ``{"status": "ERROR", "status_code": 200, "status_text": ...}``."""

    name = "smsru"

    def __init__(self, config: dict):
        self.api_id = config.get("smsru_api_id", "")
        self.sender = config.get("smsru_from", "")
        self.base = settings.config("NOTIFICATIONS_SMSRU_API_URL").rstrip("/")

    def send(self, phone: str, text: str) -> str:
        if not self.api_id:
            raise DeliveryError("SMS.ru: the api_id must be set", configuration=True)
        number = phone.lstrip("+")
        data = {"api_id": self.api_id, "to": number, "msg": text, "json": "1"}
        if self.sender:
            data["from"] = self.sender
        try:
            response = requests.post(
                f"{self.base}/sms/send", data=data, timeout=settings.config("NOTIFICATIONS_HTTP_TIMEOUT")
            )
            body = response.json()
        except requests.RequestException as exc:
            raise http_error("SMS.ru", exc) from exc
        except ValueError:
            raise DeliveryError(f"SMS.ru {response.status_code}: not a JSON answer") from None
        if body.get("status") != "OK":
            code = body.get("status_code")
            # 200-299 of the request: api_id, balance, sender problems (the admin's to fix)
            raise DeliveryError(
                f"SMS.ru {code}: {body.get('status_text', '')}",
                configuration=isinstance(code, int) and 200 <= code < 300,
            )
        result = (body.get("sms") or {}).get(number) or {}
        if result.get("status") != "OK":
            raise DeliveryError(f"SMS.ru {result.get('status_code')}: {result.get('status_text', '')}", permanent=True)
        return str(result.get("sms_id"))


PROVIDERS = {"twilio": Twilio, "smsru": SmsRu}


def provider(config: dict | None = None) -> Provider | None:
    config = config if config is not None else settings.get("sms")
    cls = PROVIDERS.get(config.get("provider") or "")
    return cls(config) if cls else None


def cost_of(text: str, config: dict | None = None) -> dict:
    """Length, parts, encoding and cost of one SMS, for the admin's preview."""
    config = config if config is not None else settings.get("sms")
    parts, encoding = segments(text)
    price = float(config.get("cost_per_segment") or 0)
    return {
        "length": len(text),
        "segments": parts,
        "encoding": encoding,
        "cost": round(parts * price, 4),
        "currency": config.get("currency") or "",
    }


def usage(month: str | None = None):
    from lms_notifications.models import SmsUsage

    return db.session.get(SmsUsage, month or month_key())


def claim_quota(parts: int) -> bool:
    """Count ``parts`` segments against this month's cap; ``False`` when it is reached.
    An atomic UPDATE, so two workers never go over the cap together."""
    from sqlalchemy.exc import IntegrityError

    from lms_notifications.models import SmsUsage

    cap = int(settings.get("sms").get("monthly_cap") or 0)
    month = month_key()
    if db.session.get(SmsUsage, month) is None:
        try:
            with db.session.begin_nested():
                db.session.add(SmsUsage(month=month, messages=0, segments=0))
        except IntegrityError:
            pass
    query = db.update(SmsUsage).where(SmsUsage.month == month)
    if cap:
        query = query.where(SmsUsage.segments + parts <= cap)
    claimed = db.session.execute(
        query.values(messages=SmsUsage.messages + 1, segments=SmsUsage.segments + parts)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def send_text(phone: str, text: str) -> str:
    """Send ``text`` to ``phone`` through the configured provider, within the cap."""
    chosen = provider()
    if chosen is None:
        raise DeliveryError("SMS: no provider is set", configuration=True)
    parts, _encoding = segments(text)
    if not claim_quota(parts):
        raise DeliveryError("SMS: this month's cap is reached", permanent=True)
    return chosen.send(phone, text)


class SmsChannel(Channel):
    name = "sms"

    def configured(self) -> bool:
        return provider() is not None

    def address(self, user, profile) -> str | None:
        if profile is None or not profile.phone or profile.phone_verified_at is None:
            return None
        return profile.phone

    def send(self, user, address: str, message) -> str | None:
        return send_text(address, message.short)
