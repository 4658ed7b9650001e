"""Fixtures of the notifications plugin's tests: one local HTTP server that answers like
Twilio's REST API, SMS.ru's HTTP API, the Telegram Bot API and a Web Push service (it
records every request), browsers' push subscriptions with real keys, and a local SMTP
server (aiosmtpd)."""

from __future__ import annotations

import base64
import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def lms_config(request, smtp_server) -> dict:
    """Only this plugin is loaded (cross-plugin stories say which others they need);
    mail goes to a real local SMTP server (``smtp_server``, aiosmtpd)."""
    settings = {"LMS_PLUGINS": "notifications", "NOTIFICATIONS_HTTP_TIMEOUT": 5, **smtp_server.config}
    for marker in reversed(list(request.node.iter_markers("lms_config"))):
        settings.update(marker.kwargs)
    return settings


class Providers:
    """The providers' documented answers; ``mode[name]`` switches one to an error
    (``"bad_credential"``) and ``requests`` holds what the plugin sent."""

    TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
    TWILIO_TOKEN = "twilio-secret"
    SMSRU_API_ID = "smsru-api-id"
    BOT_TOKEN = "123456:ABC-telegram"
    BOT_USERNAME = "lms_test_bot"

    def __init__(self):
        self.requests: list[dict] = []
        self.mode: dict[str, str] = {}
        self.updates: list[dict] = []
        self.push_status = 201
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def of(self, kind: str) -> list[dict]:
        return [r for r in self.requests if r["kind"] == kind]

    def _handler(self):
        providers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = providers.answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def answer(self, path: str, headers: dict, body: bytes):
        parts = urllib.parse.urlsplit(path).path.strip("/").split("/")
        if parts[:2] == ["2010-04-01", "Accounts"] and parts[-1] == "Messages.json":
            return self._twilio(parts[2], headers, body)
        if parts == ["sms", "send"]:
            return self._smsru(body)
        if parts[0].startswith("bot") and len(parts) == 2:
            return self._telegram(parts[0][3:], parts[1], body)
        if parts[0] == "push":
            self.requests.append({"kind": "push", "path": path, "headers": headers, "body": body})
            return self.push_status, b""
        return 404, {"message": "Not Found"}

    def _twilio(self, sid, headers, body):
        form = dict(urllib.parse.parse_qsl(body.decode()))
        auth = headers.get("authorization", "")
        self.requests.append({"kind": "twilio", "sid": sid, "form": form, "auth": auth})
        expected = "Basic " + base64.b64encode(f"{self.TWILIO_SID}:{self.TWILIO_TOKEN}".encode()).decode()
        if self.mode.get("twilio") == "bad_credential" or auth != expected or sid != self.TWILIO_SID:
            return 401, {
                "code": 20003,
                "message": "Authenticate",
                "more_info": "https://www.twilio.com/docs/errors/20003",
                "status": 401,
            }
        return 201, {
            "sid": f"SM{len(self.requests):032d}",
            "status": "queued",
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body"),
            "num_segments": "1",
        }

    def _smsru(self, body):
        form = dict(urllib.parse.parse_qsl(body.decode()))
        self.requests.append({"kind": "smsru", "form": form})
        if form.get("api_id") != self.SMSRU_API_ID or self.mode.get("smsru") == "bad_credential":
            return 200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
        return 200, {
            "status": "OK",
            "status_code": 100,
            "balance": 4122.56,
            "sms": {form["to"]: {"status": "OK", "status_code": 100, "sms_id": "000000-10000001"}},
        }

    def _telegram(self, token, method, body):
        data = json.loads(body or b"{}")
        self.requests.append({"kind": "telegram", "method": method, "token": token, "data": data})
        if token != self.BOT_TOKEN or self.mode.get("telegram") == "bad_credential":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {"id": 123456, "is_bot": True, "first_name": "LMS", "username": self.BOT_USERNAME},
            }
        if method == "getUpdates":
            offset = int(data.get("offset") or 0)
            return 200, {"ok": True, "result": [u for u in self.updates if u["update_id"] >= offset]}
        if method == "sendMessage":
            if self.mode.get("telegram") == "blocked":
                return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            return 200, {
                "ok": True,
                "result": {"message_id": len(self.requests), "chat": {"id": data["chat_id"]}, "text": data["text"]},
            }
        if method == "setWebhook":
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}


@pytest.fixture
def providers(app):
    """The local look-alike of every provider; the app's base URLs point at it."""
    fake = Providers()
    fake.thread.start()
    app.config["NOTIFICATIONS_TWILIO_API_URL"] = fake.url
    app.config["NOTIFICATIONS_SMSRU_API_URL"] = fake.url
    app.config["NOTIFICATIONS_TELEGRAM_API_URL"] = fake.url
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


class Browser:
    """A browser's push subscription: a real P-256 key pair and auth secret, so what
    the push service receives can be decrypted as the browser would."""

    def __init__(self, endpoint: str):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private_key = ec.generate_private_key(ec.SECP256R1())
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.auth = os.urandom(16)
        self.endpoint = endpoint
        self.keys = {
            "p256dh": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
            "auth": base64.urlsafe_b64encode(self.auth).rstrip(b"=").decode(),
        }

    def decrypt(self, body: bytes) -> dict:
        import http_ece

        return json.loads(
            http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        )


@pytest.fixture
def browser_subscription(providers):
    counter = iter(range(1, 1000))
    return lambda: Browser(f"{providers.url}/push/{next(counter)}")


@pytest.fixture
def sms_twilio(app, providers):
    from lms_notifications import settings

    settings.put(
        "sms",
        {
            "provider": "twilio",
            "twilio_sid": Providers.TWILIO_SID,
            "twilio_token": Providers.TWILIO_TOKEN,
            "twilio_from": "+15005550006",
            "cost_per_segment": 0.05,
            "currency": "USD",
        },
    )
    return providers


@pytest.fixture
def sms_smsru(app, providers):
    from lms_notifications import settings

    settings.put(
        "sms", {"provider": "smsru", "smsru_api_id": Providers.SMSRU_API_ID, "cost_per_segment": 2.5, "currency": "RUB"}
    )
    return providers


@pytest.fixture
def telegram_bot(app, providers):
    from lms_notifications.channels import telegram

    telegram.set_token(Providers.BOT_TOKEN)
    return providers


class Addresses:
    """Sets up where a user is reached, as they would have done on their settings page."""

    @staticmethod
    def phone(user, number="+79161234567"):
        from lms_core import db
        from lms_core.models.base import utcnow

        from lms_notifications.preferences import profile_of

        profile = profile_of(user.id, create=True)
        profile.phone, profile.phone_verified_at = number, utcnow()
        db.session.commit()
        return number

    @staticmethod
    def telegram(user, chat_id="777001"):
        from lms_core import db

        from lms_notifications.preferences import profile_of

        profile = profile_of(user.id, create=True)
        profile.telegram_chat_id = chat_id
        db.session.commit()
        return chat_id

    @staticmethod
    def push(user, browser):
        from lms_notifications.channels import push

        push.subscribe(user.id, browser.endpoint, browser.keys["p256dh"], browser.keys["auth"], "test browser")
        return browser

    @staticmethod
    def choose(user, scenario, channel, frequency):
        from lms_notifications import preferences

        preferences.save(user.id, {(scenario, channel): frequency})


@pytest.fixture
def addresses():
    return Addresses()


@pytest.fixture
def deliveries(app):
    """The delivery log as the admin reads it (inbox markers aside), oldest first."""

    def read(**filters):
        from lms_core import db

        from lms_notifications.models import Delivery

        db.session.expire_all()
        query = db.select(Delivery).where(Delivery.channel != "inapp").order_by(Delivery.id)
        for name, value in filters.items():
            query = query.where(getattr(Delivery, name) == value)
        return db.session.execute(query).scalars().all()

    return read


@pytest.fixture
def send_now(app, run_jobs):
    """Run what is queued (rq with Redis; inline jobs already ran) and the periodic
    dispatch at a given time, as the scheduler would."""

    def run(now=None):
        from lms_notifications import delivery, jobs

        run_jobs()
        if now is not None:
            delivery.release_stale(now)
            ids = delivery.due_ids(now)
            delivery.send(ids, now)
            for user_id, channel in delivery.digest_groups(now):
                delivery.send_digest(user_id, channel, now)
        else:
            jobs.dispatch()
        run_jobs()

    return run
