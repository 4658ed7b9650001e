"""What providers send us: Zoom's webhooks and BigBlueButton's callbacks.

Receiving only verifies and stores: Zoom's ``x-zm-signature`` (``v0=`` + HMAC-SHA256 of
``v0:{x-zm-request-timestamp}:{body}`` with the app's secret token) with a timestamp no
older than ``ZOOM_WEBHOOK_TOLERANCE``, and Zoom's URL validation challenge;
BigBlueButton's analytics callback carries a JWT signed with the shared secret, and
every callback URL we give BigBlueButton carries a signature of its own. A delivery is
stored under a key made from its content, so a redelivery is recognised and changes
nothing; the work is done in a job (``process``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import jwt
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from lms_core import db, enqueue
from lms_core.models import utcnow

from lms_zoom import attendance, settings
from lms_zoom.models import LiveSession, Occurrence, Registrant, WebhookDelivery
from lms_core import public_url
from lms_zoom.providers import FoundRecording
from lms_zoom.providers.zoom import parse_time

ZOOM_EVENTS = ("meeting.participant_joined", "meeting.participant_left", "meeting.ended", "recording.completed")
MATCH_MARGIN = timedelta(hours=1)


class Refused(Exception):
    def __init__(self, code: str, status: int = 401):
        super().__init__(code)
        self.code, self.status = code, status


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def zoom_signature(secret: str, timestamp: str, body: bytes) -> str:
    return "v0=" + _hmac(secret, f"v0:{timestamp}:{body.decode('utf-8')}")


def receive_zoom(body: bytes, headers) -> dict:
    """Verify and store a Zoom webhook. Returns the JSON to answer with; raises ``Refused``."""
    secret = settings.get("ZOOM_ZOOM_WEBHOOK_SECRET")
    if not secret:
        raise Refused("not_configured", 404)
    timestamp = headers.get("x-zm-request-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > float(settings.get("ZOOM_WEBHOOK_TOLERANCE")):
        raise Refused("stale_timestamp")
    try:
        expected = zoom_signature(secret, timestamp, body)
    except UnicodeDecodeError:
        raise Refused("invalid_body", 400) from None
    if not hmac.compare_digest(expected, headers.get("x-zm-signature", "")):
        raise Refused("bad_signature")
    try:
        message = json.loads(body)
        event = message["event"]
    except (ValueError, KeyError, TypeError):
        raise Refused("invalid_body", 400) from None
    if event == "endpoint.url_validation":
        plain = str((message.get("payload") or {}).get("plainToken", ""))
        return {"plainToken": plain, "encryptedToken": _hmac(secret, plain)}
    if event not in ZOOM_EVENTS:
        return {"status": "ignored"}
    key = hashlib.sha256(
        json.dumps([event, message.get("event_ts"), message.get("payload")], sort_keys=True).encode()
    ).hexdigest()
    return {"status": _store("zoom", key, event, message)}


def _store(provider: str, key: str, event: str, body: dict) -> str:
    delivery = WebhookDelivery(provider=provider, delivery_key=key, event=event[:80], body=body)
    db.session.add(delivery)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        stored = db.session.execute(
            db.select(WebhookDelivery).where(WebhookDelivery.provider == provider, WebhookDelivery.delivery_key == key)
        ).scalar_one_or_none()
        if stored is not None and stored.processed_at is None:
            enqueue(process, stored.id)  # stored but never handled (the queue was down): handle it now
        return "duplicate"
    enqueue(process, delivery.id)
    return "accepted"


# --------------------------------------------------------------------------- BigBlueButton


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="zoom.bbb-callback")


def bbb_callbacks(occurrence: Occurrence) -> dict:
    token = _serializer().dumps(occurrence.id)
    return {
        "analytics": public_url("zoom_hooks.bbb_analytics", token=token),
        "end": public_url("zoom_hooks.bbb_ended", token=token),
    }


def bbb_occurrence(token: str) -> Occurrence:
    try:
        occurrence_id = _serializer().loads(token)
    except BadSignature:
        raise Refused("bad_signature") from None
    occurrence = db.session.get(Occurrence, occurrence_id)
    if occurrence is None or occurrence.session.provider != "bigbluebutton":
        raise Refused("not_found", 404)
    return occurrence


def receive_bbb_analytics(token: str, body: bytes, authorization: str) -> dict:
    occurrence = bbb_occurrence(token)
    secret = settings.get("ZOOM_BBB_SECRET")
    if not secret:  # never accept a token signed with an empty key
        raise Refused("not_found", 404)
    bearer = authorization[7:] if authorization.lower().startswith("bearer ") else ""
    try:
        jwt.decode(bearer, secret, algorithms=["HS512", "HS384", "HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        raise Refused("bad_signature") from None
    try:
        message = json.loads(body)
        message["data"]["attendees"]
    except (ValueError, KeyError, TypeError):
        raise Refused("invalid_body", 400) from None
    message["occurrence_id"] = occurrence.id
    return {"status": _store("bigbluebutton", hashlib.sha256(body).hexdigest(), "analytics", message)}


def receive_bbb_ended(token: str, meeting_id: str) -> dict:
    occurrence = bbb_occurrence(token)
    return {
        "status": _store(
            "bigbluebutton",
            hashlib.sha256(f"ended:{occurrence.id}".encode()).hexdigest(),
            "ended",
            {"occurrence_id": occurrence.id, "meeting_id": meeting_id, "at": utcnow().isoformat()},
        )
    }


# --------------------------------------------------------------------------- the job


def process(delivery_id: int) -> bool:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.processed_at is not None:
        return False
    handler = {
        ("zoom", "meeting.participant_joined"): _zoom_joined,
        ("zoom", "meeting.participant_left"): _zoom_left,
        ("zoom", "meeting.ended"): _zoom_ended,
        ("zoom", "recording.completed"): _zoom_recording,
        ("bigbluebutton", "analytics"): _bbb_analytics,
        ("bigbluebutton", "ended"): _bbb_ended,
    }[(delivery.provider, delivery.event)]
    after = handler(delivery.body)
    delivery.processed_at = utcnow()
    db.session.commit()
    if after:
        after()
    return True


def _zoom_session(obj: dict) -> LiveSession | None:
    return db.session.execute(
        db.select(LiveSession).where(LiveSession.provider == "zoom", LiveSession.meeting_id == str(obj.get("id")))
    ).scalar_one_or_none()


def _occurrence_at(session: LiveSession, moment: datetime | None) -> Occurrence | None:
    if moment is None or not session.occurrences:
        return None
    best = min(session.occurrences, key=lambda o: abs(o.starts_at - moment))
    if best.starts_at - MATCH_MARGIN <= moment <= best.ends_at + MATCH_MARGIN:
        return best
    return None


def _zoom_participant(body: dict):
    obj = body["payload"]["object"]
    session = _zoom_session(obj)
    participant = obj.get("participant") or {}
    if session is None or not participant.get("registrant_id"):
        return None, None, participant  # the host, a guest without registration: nobody of ours
    registrant = db.session.execute(
        db.select(Registrant).where(
            Registrant.session_id == session.id, Registrant.registrant_id == str(participant["registrant_id"])
        )
    ).scalar_one_or_none()
    return session, registrant, participant


def _zoom_joined(body: dict):
    session, registrant, participant = _zoom_participant(body)
    if registrant is None:
        return None
    joined = parse_time(participant.get("join_time"))
    occurrence = _occurrence_at(session, joined)
    if occurrence is not None:
        who = participant.get("participant_uuid") or participant.get("id") or participant.get("user_id")
        attendance.record_once(
            occurrence.id, registrant.user_id, f"zoom:{who}:{participant.get('join_time')}", joined, None
        )
    return None


def _zoom_left(body: dict):
    session, registrant, participant = _zoom_participant(body)
    if registrant is None:
        return None
    left = parse_time(participant.get("leave_time"))
    occurrence = _occurrence_at(session, left)
    if occurrence is not None:
        attendance.close_open(occurrence.id, registrant.user_id, left, "zoom:")
    return None


def _zoom_ended(body: dict):
    obj = body["payload"]["object"]
    session = _zoom_session(obj)
    if session is None:
        return None
    occurrence = _occurrence_at(session, parse_time(obj.get("start_time")))
    if occurrence is None:
        return None
    ended = parse_time(obj.get("end_time")) or utcnow()
    occurrence.ended_at = ended
    attendance.close_all(occurrence, ended)
    return lambda: attendance.recheck_completion(session.course_id, _learner_ids(session))


def _zoom_recording(body: dict):
    from lms_zoom.jobs import save_recording

    obj = body["payload"]["object"]
    session = _zoom_session(obj)
    if session is None:
        return None
    occurrence = _occurrence_at(session, parse_time(obj.get("start_time")))
    if occurrence is None:
        return None
    files = [f for f in obj.get("recording_files") or [] if f.get("file_type") == "MP4"]
    if not files:
        return None
    first = files[0]
    seconds = None
    start, end = parse_time(first.get("recording_start")), parse_time(first.get("recording_end"))
    if start and end:
        seconds = int((end - start).total_seconds())
    elif obj.get("duration"):
        seconds = int(obj["duration"]) * 60
    save_recording(
        occurrence,
        "zoom",
        FoundRecording(
            external_id=str(obj.get("uuid") or first.get("id")),
            url=obj.get("share_url") or first.get("play_url"),
            duration_seconds=seconds,
            recorded_at=start,
        ),
    )
    return None


def _learner_ids(session: LiveSession) -> list[int]:
    from lms_zoom import sessions

    return [u.id for u in sessions.learners(session.course_id)]


def _bbb_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or str(value).isdigit():
        number = int(value)
        return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, timezone.utc)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _bbb_analytics(body: dict):
    occurrence = db.session.get(Occurrence, body["occurrence_id"])
    if occurrence is None:
        return None
    learners = set(_learner_ids(occurrence.session))
    data = body["data"]
    for attendee in data.get("attendees") or []:
        ext = str(attendee.get("ext_user_id") or "")
        if not ext.isdigit() or int(ext) not in learners:
            continue  # the moderator, a guest: attendance is for the course's learners
        joins = [_bbb_time(t) for t in attendee.get("joins") or []]
        leaves = [_bbb_time(t) for t in attendee.get("leaves") or []]
        for number, joined in enumerate(joins):
            if joined is None:
                continue
            left = leaves[number] if number < len(leaves) else _bbb_time(data.get("finish"))
            attendance.record_once(
                occurrence.id, int(ext), f"bbb:{body.get('internal_meeting_id')}:{ext}:{number}", joined, left
            )
    finish = _bbb_time(data.get("finish"))
    if finish is not None:
        occurrence.ended_at = occurrence.ended_at or finish
    course_id = occurrence.session.course_id
    return lambda: attendance.recheck_completion(course_id, learners)


def _bbb_ended(body: dict):
    occurrence = db.session.get(Occurrence, body["occurrence_id"])
    if occurrence is not None and occurrence.ended_at is None:
        occurrence.ended_at = _bbb_time(body.get("at")) or utcnow()
    return None
