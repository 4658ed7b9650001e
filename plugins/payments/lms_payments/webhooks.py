"""Webhook endpoints: ``POST /payments/webhooks/<provider>``.

They answer fast and do nothing but check and store: the provider's documented
request only (a signature where the provider signs), stored once per event id
(redeliveries are answered 200 and dropped), and handled in a job.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from lms_core import csrf_exempt, db, enqueue
from lms_payments import providers
from lms_payments.models import ProviderEvent

log = logging.getLogger("lms.payments")
MAX_BODY = 256 * 1024

# Exempt from the forms' CSRF check (providers sign, or are confirmed, instead): see plugin.py.
# Providers cannot send a form's CSRF token: each notification is verified instead.
bp = csrf_exempt(Blueprint("payments_webhooks", __name__, url_prefix="/payments/webhooks"))


@bp.post("/<name>")
def receive(name):
    provider = providers.get(name[:40])
    if provider is None:
        return jsonify(error={"code": "not_found", "message": "no such provider"}), 404
    if (request.content_length or 0) > MAX_BODY:
        return jsonify(error={"code": "too_large", "message": "body too large"}), 413
    try:
        event = provider.verify_webhook(request)
    except providers.WebhookRejected as exc:
        log.warning("webhook for %s refused: %s", name, exc)
        return jsonify(error={"code": "rejected", "message": str(exc)}), exc.status
    row = ProviderEvent(
        provider=provider.name, event_id=event.event_id[:200], type=event.type[:100], payload=event.payload
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if provider.webhooks_are_hints:
            from lms_payments import jobs

            enqueue(jobs.handle_again_job, provider.name, event.event_id)
        return jsonify(received=True, duplicate=True)
    from lms_payments import jobs

    enqueue(jobs.process_event_job, row.id)
    return jsonify(received=True)
