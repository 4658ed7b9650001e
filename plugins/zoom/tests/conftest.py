"""Fixtures of the live-lectures plugin's tests: courses with a teacher and learners,
sessions scheduled through the plugin's own services, and local HTTP servers that
answer like Zoom, Microsoft Graph (with Entra ID's token endpoint, over HTTPS) and
BigBlueButton, recording every request the plugin sends."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import ssl
import threading
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.datastructures import MultiDict


@pytest.fixture
def lms_config(request) -> dict:
    settings = {"LMS_PLUGINS": "zoom"}
    for marker in reversed(list(request.node.iter_markers("lms_config"))):
        settings.update(marker.kwargs)
    return settings


class Live:
    """Builds courses and sessions the way teachers do."""

    def __init__(self, factory, app, run_jobs):
        self.factory, self.app, self.run_jobs = factory, app, run_jobs

    def course(self, learners=1, **fields):
        teacher = self.factory.user(role="teacher")
        course = self.factory.course(teacher=teacher, **fields)
        students = [self.factory.user(name=f"Learner {n + 1}") for n in range(learners)]
        for student in students:
            self.factory.enrol(student, course)
        return course, teacher, students

    @staticmethod
    def form(start: datetime | None = None, **fields) -> MultiDict:
        start = start or datetime.now(timezone.utc) + timedelta(days=2)
        tz = fields.pop("timezone", "UTC")
        from zoneinfo import ZoneInfo, available_timezones

        local = start.astimezone(ZoneInfo(tz if tz in available_timezones() else "UTC"))
        data = {
            "title": "Loops and lists",
            "description": "Bring questions.",
            "start_date": local.date().isoformat(),
            "start_time": local.strftime("%H:%M"),
            "duration": "60",
            "timezone": tz,
            "repeat": "none",
        }
        weekdays = fields.pop("weekdays", None)
        data.update({k: str(v) for k, v in fields.items()})
        form = MultiDict(data)
        for day in weekdays or []:
            form.add("weekdays", str(day))
        return form

    def schedule(self, course, teacher, start=None, **fields):
        from lms_core import db

        from lms_zoom import sessions
        from lms_zoom.models import LiveSession

        session = sessions.schedule(teacher, course, sessions.parse(self.form(start, **fields), course))
        self.run_jobs()
        db.session.expire_all()
        return db.session.get(LiveSession, session.id)

    @staticmethod
    def fresh(row):
        from lms_core import db

        db.session.expire_all()
        return db.session.get(type(row), row.id)


@pytest.fixture
def live(factory, app, run_jobs):
    return Live(factory, app, run_jobs)


@pytest.fixture
def notifications(app):
    def of(kind=None, user=None):
        from lms_core import db
        from lms_core.models import Notification

        db.session.expire_all()
        query = db.select(Notification).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        if user is not None:
            query = query.where(Notification.user_id == user.id)
        return list(db.session.execute(query).scalars())

    return of


# --------------------------------------------------------------------------- a local HTTP server


class Recorded:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.query, self.headers, self.body = method, path, query, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.method} {self.path}>"


class LocalServer:
    """A thread serving ``answer(request) -> (status, content_type, body)``; records requests."""

    def __init__(self, answer, tls_context=None):
        self.answer = answer
        self.requests: list[Recorded] = []
        self.down = False  # answer 503 to everything, as a provider in an outage
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        if tls_context is not None:
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls_context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Recorded(
                    self.command,
                    parts.path,
                    dict(urllib.parse.parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                request.raw_query = parts.query
                owner.requests.append(request)
                if owner.down:
                    status, kind, payload = 503, "application/json", {"message": "Service Unavailable"}
                else:
                    status, kind, payload = owner.answer(request)
                data = (
                    payload
                    if isinstance(payload, bytes)
                    else (json.dumps(payload).encode() if not isinstance(payload, str) else payload.encode())
                )
                self.send_response(status)
                if status != 204:
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if status != 204:
                    self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        return Handler

    def calls(self, method=None, path_part=""):
        return [r for r in self.requests if (method is None or r.method == method) and path_part in r.path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- Zoom


class FakeZoom:
    """Zoom's OAuth and Meetings API as documented: ``POST /oauth/token`` (account
    credentials, basic auth), ``POST /users/{userId}/meetings`` (201 with id, join_url,
    occurrences), ``GET/PATCH/DELETE /meetings/{meetingId}``, ``POST
    /meetings/{meetingId}/registrants``."""

    CLIENT_ID, CLIENT_SECRET, ACCOUNT = "zoom-client", "zoom-secret", "acct-42"

    def __init__(self):
        self.meetings: dict[int, dict] = {}
        self.tokens: list[str] = []
        self.next_id = 85746065432
        self.refuse = False
        self.expires_in = 3599
        self.server = LocalServer(self.answer)
        self.url = self.server.url

    def answer(self, req):
        import base64

        if req.path == "/oauth/token":
            expected = "Basic " + base64.b64encode(f"{self.CLIENT_ID}:{self.CLIENT_SECRET}".encode()).decode()
            if (
                self.refuse
                or req.headers.get("authorization") != expected
                or req.query.get("account_id") != self.ACCOUNT
                or req.query.get("grant_type") != "account_credentials"
            ):
                return (
                    400,
                    "application/json",
                    {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
                )
            token = f"zoom-token-{len(self.tokens) + 1}"
            self.tokens.append(token)
            return (
                200,
                "application/json",
                {
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": self.expires_in,
                    "scope": "meeting:write:admin",
                },
            )
        if req.headers.get("authorization") != f"Bearer {self.tokens[-1] if self.tokens else ''}":
            return 401, "application/json", {"code": 124, "message": "Invalid access token."}
        segments = [s for s in req.path.split("/") if s]
        if segments[:1] == ["v2"]:
            segments = segments[1:]
        if req.method == "POST" and segments[0] == "users" and segments[2] == "meetings":
            body = req.json()
            meeting_id = self.next_id
            self.next_id += 1
            meeting = dict(
                body,
                id=meeting_id,
                uuid=f"uuid-{meeting_id}==",
                host_id="host-1",
                join_url=f"https://zoom.example/j/{meeting_id}",
                start_url=f"https://zoom.example/s/{meeting_id}?zak=secret",
                registration_url=f"https://zoom.example/meeting/register/{meeting_id}",
            )
            meeting["occurrences"] = self._occurrences(body)
            meeting["registrants"] = []
            self.meetings[meeting_id] = meeting
            return 201, "application/json", meeting
        if segments[0] == "meetings":
            meeting = self.meetings.get(int(segments[1]))
            if meeting is None:
                return 404, "application/json", {"code": 3001, "message": "Meeting does not exist."}
            if len(segments) == 3 and segments[2] == "registrants" and req.method == "POST":
                registrant = req.json()
                registrant_id = f"reg-{len(meeting['registrants']) + 1}-{meeting['id']}"
                meeting["registrants"].append(dict(registrant, registrant_id=registrant_id))
                return (
                    201,
                    "application/json",
                    {
                        "id": meeting["id"],
                        "registrant_id": registrant_id,
                        "topic": meeting["topic"],
                        "start_time": meeting["start_time"],
                        "join_url": f"https://zoom.example/w/{meeting['id']}?tk={registrant_id}",
                    },
                )
            if req.method == "GET":
                return 200, "application/json", meeting
            if req.method == "PATCH":
                meeting.update(req.json())
                meeting["occurrences"] = self._occurrences(meeting)
                return 204, "application/json", b""
            if req.method == "DELETE":
                del self.meetings[meeting["id"]]
                return 204, "application/json", b""
        return 404, "application/json", {"code": 404, "message": "Not found"}

    @staticmethod
    def _occurrences(body):
        from zoneinfo import ZoneInfo

        if body.get("type") != 8:
            return []
        zone = ZoneInfo(body["timezone"])
        start = datetime.fromisoformat(body["start_time"]).replace(tzinfo=zone)
        days = {int(d) for d in body["recurrence"]["weekly_days"].split(",")}
        count = body["recurrence"].get("end_times")
        until = body["recurrence"].get("end_date_time")
        until = datetime.fromisoformat(until.replace("Z", "+00:00")) if until else None
        found, day = [], start
        while len(found) < (count or 60) and (until is None or day <= until):
            if (day.weekday() + 1) % 7 + 1 in days:
                found.append(
                    {
                        "occurrence_id": str(int(day.astimezone(timezone.utc).timestamp() * 1000)),
                        "start_time": day.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "duration": body["duration"],
                        "status": "available",
                    }
                )
            day = datetime.combine(day.date() + timedelta(days=1), day.timetz().replace(tzinfo=None), zone)
        return found


@pytest.fixture
def zoom_server(app):
    fake = FakeZoom()
    app.config.update(
        ZOOM_ZOOM_ACCOUNT_ID=fake.ACCOUNT,
        ZOOM_ZOOM_CLIENT_ID=fake.CLIENT_ID,
        ZOOM_ZOOM_CLIENT_SECRET=fake.CLIENT_SECRET,
        ZOOM_ZOOM_WEBHOOK_SECRET="hook-secret-token",
        ZOOM_ZOOM_OAUTH_URL=fake.url,
        ZOOM_ZOOM_API_URL=fake.url + "/v2",
        ZOOM_HTTP_TIMEOUT=3,
    )
    yield fake
    fake.server.stop()


# --------------------------------------------------------------------------- BigBlueButton


class FakeBigBlueButton:
    """BigBlueButton's API: every call's checksum checked as the server does
    (``sha256(callName + query + secret)``), XML answers."""

    SECRET = "330a8b08c3b4c61533e1d0c5ce1ac88f330a8b08c3b4c61533e1d0c5ce1ac88f"  # as bbb-conf --secret prints

    def __init__(self):
        self.running: dict[str, dict] = {}
        self.recordings: dict[str, list] = {}
        self.server = LocalServer(self.answer)
        self.url = self.server.url + "/bigbluebutton/api"

    def answer(self, req):
        call = req.path.rsplit("/", 1)[-1]
        if req.raw_query.startswith("checksum="):
            query, given = "", req.raw_query[len("checksum=") :]
        else:
            query, _, given = req.raw_query.rpartition("&checksum=")
        if hashlib.sha256((call + query + self.SECRET).encode()).hexdigest() != given:
            return (
                200,
                "text/xml",
                (
                    "<response><returncode>FAILED</returncode><messageKey>checksumError"
                    "</messageKey><message>Checksums do not match</message></response>"
                ),
            )
        if call == "getMeetings":
            return 200, "text/xml", "<response><returncode>SUCCESS</returncode><meetings/></response>"
        if call == "create":
            meeting_id = req.query["meetingID"]
            self.running.setdefault(meeting_id, dict(req.query))
            return (
                200,
                "text/xml",
                (
                    f"<response><returncode>SUCCESS</returncode><meetingID>{meeting_id}</meetingID>"
                    f"<internalMeetingID>internal-{meeting_id}</internalMeetingID>"
                    "<createTime>1701424800000</createTime><hasBeenForciblyEnded>false"
                    "</hasBeenForciblyEnded><messageKey/><message/></response>"
                ),
            )
        if call == "end":
            if self.running.pop(req.query["meetingID"], None) is None:
                return (
                    200,
                    "text/xml",
                    (
                        "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>"
                        "<message>We could not find a meeting with that meeting ID</message></response>"
                    ),
                )
            return (
                200,
                "text/xml",
                (
                    "<response><returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest"
                    "</messageKey><message/></response>"
                ),
            )
        if call == "getRecordings":
            items = "".join(
                f"<recording><recordID>{r['id']}</recordID><meetingID>{req.query['meetingID']}</meetingID>"
                f"<published>true</published><state>published</state><startTime>{r['start']}</startTime>"
                f"<endTime>{r['start'] + 3600000}</endTime><playback><format><type>presentation</type>"
                f"<url>{r['url']}</url><length>{r['minutes']}</length></format></playback></recording>"
                for r in self.recordings.get(req.query.get("meetingID"), [])
            )
            if not items:
                return (
                    200,
                    "text/xml",
                    (
                        "<response><returncode>SUCCESS</returncode><recordings/><messageKey>"
                        "noRecordings</messageKey><message>There are no recordings</message></response>"
                    ),
                )
            return (
                200,
                "text/xml",
                f"<response><returncode>SUCCESS</returncode><recordings>{items}</recordings></response>",
            )
        return (
            200,
            "text/xml",
            "<response><returncode>FAILED</returncode><messageKey>unsupportedRequest</messageKey></response>",
        )


@pytest.fixture
def bbb_server(app):
    fake = FakeBigBlueButton()
    app.config.update(
        ZOOM_BBB_URL=fake.url, ZOOM_BBB_SECRET=fake.SECRET, ZOOM_BBB_CHECKSUM="sha256", ZOOM_HTTP_TIMEOUT=3
    )
    yield fake
    fake.server.stop()


# --------------------------------------------------------------------------- Entra ID + Graph over HTTPS


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "graph-cert.pem", tmp_path / "graph-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


class FakeGraph:
    """Entra ID's OpenID configuration and token endpoint (client credentials) and
    Graph's ``/users/{id}/onlineMeetings`` with ``attendanceReports``, as documented."""

    TENANT, CLIENT_ID, SECRET, ORGANIZER = "contoso-tenant", "teams-app", "teams-secret", "organizer@contoso.example"

    def __init__(self, tmp_path):
        context, self.ca_path = _self_signed(tmp_path)
        self.meetings: dict[str, dict] = {}
        self.reports: dict[str, list] = {}
        self.tokens = 0
        self.server = LocalServer(self.answer, context)
        self.url = self.server.url

    def answer(self, req):
        base = f"/{self.TENANT}"
        if req.path == f"{base}/v2.0/.well-known/openid-configuration":
            return (
                200,
                "application/json",
                {
                    "issuer": f"{self.url}{base}/v2.0",
                    "token_endpoint": f"{self.url}{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{self.url}{base}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{self.url}{base}/oauth2/v2.0/devicecode",
                },
            )
        if req.path == f"{base}/oauth2/v2.0/token":
            form = dict(urllib.parse.parse_qsl(req.body.decode()))
            if form.get("client_id") != self.CLIENT_ID or form.get("client_secret") != self.SECRET:
                return (
                    401,
                    "application/json",
                    {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."},
                )
            self.tokens += 1
            return (
                200,
                "application/json",
                {
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "ext_expires_in": 3599,
                    "access_token": f"graph-token-{self.tokens}",
                },
            )
        if not (req.headers.get("authorization") or "").startswith("Bearer graph-token-"):
            return 401, "application/json", {"error": {"code": "InvalidAuthenticationToken", "message": "Bad token"}}
        prefix = "/v1.0/users/" + urllib.parse.quote(self.ORGANIZER, safe="") + "/onlineMeetings"
        if not req.path.startswith(prefix):
            return 404, "application/json", {"error": {"code": "NotFound", "message": req.path}}
        rest = [s for s in req.path[len(prefix) :].split("/") if s]
        if not rest and req.method == "POST":
            body = req.json()
            meeting_id = f"MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ_{len(self.meetings) + 1}"
            meeting = dict(
                body,
                id=meeting_id,
                joinWebUrl=f"https://teams.example/l/meetup-join/{len(self.meetings) + 1}",
                creationDateTime="2026-12-01T10:00:00Z",
                participants={"organizer": {"upn": self.ORGANIZER}},
            )
            self.meetings[meeting_id] = meeting
            return 201, "application/json", meeting
        meeting = self.meetings.get(rest[0]) if rest else None
        if meeting is None:
            return 404, "application/json", {"error": {"code": "NotFound", "message": "meeting"}}
        if len(rest) == 1 and req.method == "PATCH":
            meeting.update(req.json())
            return 200, "application/json", meeting
        if len(rest) == 1 and req.method == "DELETE":
            del self.meetings[rest[0]]
            return 204, "application/json", b""
        if len(rest) >= 2 and rest[1] == "attendanceReports":
            reports = self.reports.get(rest[0], [])
            if len(rest) == 2:
                return (
                    200,
                    "application/json",
                    {"value": [{k: v for k, v in r.items() if k != "attendanceRecords"} for r in reports]},
                )
            report = next(r for r in reports if r["id"] == rest[2])
            if req.query.get("$expand") != "attendanceRecords":
                report = {k: v for k, v in report.items() if k != "attendanceRecords"}
            return 200, "application/json", report
        return 404, "application/json", {"error": {"code": "NotFound", "message": req.path}}


@pytest.fixture
def graph_server(app, tmp_path):
    from lms_zoom.providers import teams

    fake = FakeGraph(tmp_path)
    app.config.update(
        ZOOM_TEAMS_TENANT_ID=fake.TENANT,
        ZOOM_TEAMS_CLIENT_ID=fake.CLIENT_ID,
        ZOOM_TEAMS_CLIENT_SECRET=fake.SECRET,
        ZOOM_TEAMS_ORGANIZER=fake.ORGANIZER,
        ZOOM_TEAMS_AUTHORITY_URL=fake.url,
        ZOOM_TEAMS_GRAPH_URL=fake.url + "/v1.0",
        ZOOM_TEAMS_CA_BUNDLE=str(fake.ca_path),
        ZOOM_HTTP_TIMEOUT=3,
    )
    teams._APPS.clear()
    yield fake
    teams._APPS.clear()
    fake.server.stop()


def _at(days=0, hours=0, minutes=0) -> datetime:
    base = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    return base + dt.timedelta(days=days, hours=hours, minutes=minutes)


@pytest.fixture
def at():
    """``at(days=…, hours=…, minutes=…)``: a whole minute that far from now (UTC)."""
    return _at
