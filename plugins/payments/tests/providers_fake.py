"""Local HTTP servers that answer like Stripe's and YooKassa's APIs (the documented
request and response shapes), each with the provider's hosted payment page, so the
tests see exactly what the plugin sends and nothing leaves the machine."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

import requests


class Recorded:
    def __init__(self, method, path, headers, body, form):
        self.method, self.path, self.headers, self.body, self.form = method, path, headers, body, form


class FakeServer:
    """A threaded HTTP server on a free port of 127.0.0.1; ``requests`` lists what it got."""

    def __init__(self):
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.down = False  # answer 503 to every API call
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                parsed = urlparse(self.path)
                form = (
                    dict(parse_qsl(body, keep_blank_values=True))
                    if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or "")
                    else {}
                )
                form.update(dict(parse_qsl(parsed.query)))
                with fake.lock:
                    fake.requests.append(Recorded(self.command, parsed.path, dict(self.headers), body, form))
                status, headers, payload = fake.answer(self.command, parsed.path, dict(self.headers), body, form)
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def calls(self, method, path_prefix):
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    @staticmethod
    def page(title, action):
        return (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            f'<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>'
            f'<form method="post" action="{action}"><button id="provider-pay" type="submit">Pay</button></form>'
            f'</body></html>',
        )


# ------------------------------------------------------------------------ Stripe


class FakeStripe(FakeServer):
    """Checkout Sessions, PaymentIntents, Refunds and signed webhooks, as Stripe's API
    documents them (form-encoded requests, JSON answers, ``Idempotency-Key``)."""

    def __init__(self, secret_key="sk_test_local", webhook_secret="whsec_local"):
        super().__init__()
        self.secret_key, self.webhook_secret = secret_key, webhook_secret
        self.sessions, self.intents, self.refunds, self.idempotent = {}, {}, {}, {}
        self.numbers = itertools.count(1)
        self.webhook_url = None  # where the hosted page's payments are announced

    def answer(self, method, path, headers, body, form):
        if path.startswith("/pay/"):
            return self.hosted_page(method, path.split("/")[2])
        if self.down:
            return 503, {}, {"error": {"type": "api_error", "message": "Service unavailable"}}
        if headers.get("Authorization") != f"Bearer {self.secret_key}":
            return 401, {}, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_****"}}
        key = headers.get("Idempotency-Key")
        if method == "POST" and key and key in self.idempotent:
            return 200, {"Idempotent-Replayed": "true"}, self.idempotent[key]
        status, answer = self.api(method, path, form)
        if method == "POST" and key and status == 200:
            self.idempotent[key] = answer
        return status, {"Request-Id": f"req_{next(self.numbers)}"}, answer

    def api(self, method, path, form):
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/checkout/sessions":
            sid = f"cs_test_{next(self.numbers)}"
            session = {
                "id": sid,
                "object": "checkout.session",
                "url": f"{self.base}/pay/{sid}",
                "status": "open",
                "payment_status": "unpaid",
                "mode": form.get("mode"),
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                "currency": form["line_items[0][price_data][currency]"],
                "client_reference_id": form.get("client_reference_id"),
                "customer_email": form.get("customer_email"),
                "metadata": {"order": form.get("metadata[order]")},
                "success_url": form.get("success_url"),
                "cancel_url": form.get("cancel_url"),
                "payment_intent": None,
                "expires_at": int(form.get("expires_at", 0)),
            }
            self.sessions[sid] = session
            return 200, session
        if parts[:3] == ["v1", "checkout", "sessions"] and len(parts) >= 4:
            session = self.sessions.get(parts[3])
            if session is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}}
            if method == "POST" and parts[4:] == ["expire"]:
                if session["status"] != "open":
                    return 400, {
                        "error": {
                            "type": "invalid_request_error",
                            "message": "Only Checkout Sessions with a status of open can be expired.",
                        }
                    }
                session["status"] = "expired"
            return 200, session
        if parts[:2] == ["v1", "payment_intents"] and len(parts) == 3:
            intent = self.intents.get(parts[2])
            return (
                (200, intent)
                if intent
                else (404, {"error": {"type": "invalid_request_error", "message": "No such payment_intent"}})
            )
        if method == "POST" and path == "/v1/refunds":
            intent = self.intents.get(form.get("payment_intent"))
            amount = int(form.get("amount") or (intent or {}).get("amount", 0))
            if intent is None or amount > intent["amount"] - intent["amount_refunded"]:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "charge_already_refunded",
                        "message": "Charge has already been refunded.",
                    }
                }
            return 200, self.make_refund(intent, amount, form.get("metadata[refund]"))
        if method == "GET" and path == "/v1/refunds":
            data = [r for r in self.refunds.values() if r["payment_intent"] == form.get("payment_intent")]
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/refunds"}
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})"}}

    def make_refund(self, intent, amount, key=None):
        refund = {
            "id": f"re_{next(self.numbers)}",
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "metadata": {"refund": key} if key else {},
        }
        intent["amount_refunded"] += amount
        self.refunds[refund["id"]] = refund
        return refund

    def hosted_page(self, method, sid):
        session = self.sessions.get(sid)
        if session is None:
            return 404, {}, "no such session"
        if method == "GET":
            return self.page(f"Pay {session['amount_total']} {session['currency']}", f"/pay/{sid}")
        self.pay(sid)
        if self.webhook_url:
            self.deliver(self.event("checkout.session.completed", session))
        return 303, {"Location": session["success_url"]}, ""

    def pay(self, sid):
        """The learner pays on the hosted page: the session completes with a PaymentIntent."""
        session = self.sessions[sid]
        intent = {
            "id": f"pi_{next(self.numbers)}",
            "object": "payment_intent",
            "amount": session["amount_total"],
            "currency": session["currency"],
            "status": "succeeded",
            "amount_refunded": 0,
            "metadata": dict(session["metadata"]),
        }
        self.intents[intent["id"]] = intent
        session.update(status="complete", payment_status="paid", payment_intent=intent["id"])
        return session

    def event(self, kind, obj, event_id=None):
        return {
            "id": event_id or f"evt_{next(self.numbers)}",
            "object": "event",
            "type": kind,
            "api_version": "2025-01-27",
            "created": int(time.time()),
            "data": {"object": dict(obj)},
        }

    def sign(self, payload: str, timestamp=None, secrets=None) -> str:
        timestamp = int(time.time()) if timestamp is None else timestamp
        signatures = [
            hmac.new(s.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
            for s in (secrets or [self.webhook_secret])
        ]
        return f"t={timestamp}," + ",".join(f"v1={s}" for s in signatures)

    def deliver(self, event):
        payload = json.dumps(event)
        return requests.post(
            self.webhook_url,
            data=payload,
            timeout=10,
            headers={"Content-Type": "application/json", "Stripe-Signature": self.sign(payload)},
        )


# ------------------------------------------------------------------------ YooKassa


class FakeYooKassa(FakeServer):
    """YooKassa's API v3: payments, refunds, cancel; HTTP basic auth with the shop id
    and secret key, ``Idempotence-Key`` on every POST, unsigned notifications."""

    def __init__(self, shop_id="123456", secret_key="test_local_secret"):
        super().__init__()
        self.shop_id, self.secret_key = shop_id, secret_key
        self.payments, self.refunds, self.idempotent = {}, {}, {}
        self.notification_url = None

    def answer(self, method, path, headers, body, form):
        if path.startswith("/checkout/"):
            return self.hosted_page(method, path.split("/")[2])
        if self.down:
            return 500, {}, {"type": "error", "code": "internal_server_error", "description": "Internal server error"}
        expected = "Basic " + base64.b64encode(f"{self.shop_id}:{self.secret_key}".encode()).decode()
        if headers.get("Authorization") != expected:
            return (
                401,
                {},
                {
                    "type": "error",
                    "id": str(uuid.uuid4()),
                    "code": "invalid_credentials",
                    "description": "Basic authentication failed",
                },
            )
        if method == "POST":
            key = headers.get("Idempotence-Key")
            if not key:
                return (
                    400,
                    {},
                    {
                        "type": "error",
                        "code": "invalid_request",
                        "parameter": "Idempotence-Key",
                        "description": "Idempotence key is missing",
                    },
                )
            if key in self.idempotent:
                return 200, {}, self.idempotent[key]
        status, answer = self.api(method, path, json.loads(body) if body else {})
        if method == "POST" and status == 200:
            self.idempotent[headers["Idempotence-Key"]] = answer
        return status, {}, answer

    def api(self, method, path, body):
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v3/payments":
            pid = str(uuid.uuid4())
            payment = {
                "id": pid,
                "status": "pending",
                "paid": False,
                "amount": body["amount"],
                "description": body.get("description"),
                "metadata": body.get("metadata", {}),
                "confirmation": {
                    "type": "redirect",
                    "return_url": body["confirmation"]["return_url"],
                    "confirmation_url": f"{self.base}/checkout/{pid}",
                },
                "created_at": "2026-12-01T10:00:00.000Z",
                "test": True,
                "refundable": False,
                "recipient": {"account_id": self.shop_id, "gateway_id": "1"},
            }
            self.payments[pid] = payment
            return 200, payment
        if parts[:2] == ["v3", "payments"] and len(parts) >= 3:
            payment = self.payments.get(parts[2])
            if payment is None:
                return 404, {"type": "error", "code": "not_found", "description": "Payment not found"}
            if method == "POST" and parts[3:] == ["cancel"]:
                if payment["status"] == "succeeded":
                    return 400, {
                        "type": "error",
                        "code": "invalid_request",
                        "description": "Payment is in succeeded status",
                    }
                payment["status"] = "canceled"
            return 200, payment
        if method == "POST" and path == "/v3/refunds":
            payment = self.payments.get(body.get("payment_id"))
            if payment is None or payment["status"] != "succeeded":
                return 400, {"type": "error", "code": "invalid_request", "description": "Payment cannot be refunded"}
            return 200, self.make_refund(payment, body["amount"]["value"], body.get("description"))
        if parts[:2] == ["v3", "refunds"] and len(parts) == 3:
            refund = self.refunds.get(parts[2])
            return (200, refund) if refund else (404, {"type": "error", "code": "not_found"})
        return 404, {"type": "error", "code": "not_found", "description": path}

    def make_refund(self, payment, value, description=None):
        refund = {
            "id": str(uuid.uuid4()),
            "payment_id": payment["id"],
            "status": "succeeded",
            "amount": {"value": value, "currency": payment["amount"]["currency"]},
            "created_at": "2026-12-01T11:00:00.000Z",
            "description": description,
        }
        self.refunds[refund["id"]] = refund
        done = float((payment.get("refunded_amount") or {}).get("value", 0)) + float(value)
        payment["refunded_amount"] = {"value": f"{done:.2f}", "currency": payment["amount"]["currency"]}
        return refund

    def hosted_page(self, method, pid):
        payment = self.payments.get(pid)
        if payment is None:
            return 404, {}, "no such payment"
        if method == "GET":
            return self.page(
                f"YooKassa {payment['amount']['value']} {payment['amount']['currency']}", f"/checkout/{pid}"
            )
        self.pay(pid)
        if self.notification_url:
            requests.post(self.notification_url, json=self.notification("payment.succeeded", payment), timeout=10)
        return 303, {"Location": payment["confirmation"]["return_url"]}, ""

    def pay(self, pid):
        self.payments[pid].update(
            status="succeeded", paid=True, captured_at="2026-12-01T10:05:00.000Z", refundable=True
        )
        return self.payments[pid]

    @staticmethod
    def notification(event, obj):
        return {"type": "notification", "event": event, "object": dict(obj)}
