"""Prometheus metrics at ``/metrics`` (prometheus_client).

Counters and histograms are kept per process; under gunicorn set
``PROMETHEUS_MULTIPROC_DIR`` (an empty folder, cleared at each deployment) before the
workers start, and ``/metrics`` sums every worker's files (multi-process mode). What is
read from the database or Redis (the job queue, failed deliveries, active sessions) is
computed when Prometheus scrapes. Labels are low-cardinality only: methods, status
classes, blueprint names, hook names; never a user or course id.

Access: ``ANALYTICS_METRICS_TOKEN`` (sent as ``Authorization: Bearer ...``) or an
address in ``ANALYTICS_METRICS_ALLOWED_IPS`` (comma-separated addresses or networks;
by default only the machine itself).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

bp = Blueprint("analytics_metrics", __name__)

REQUESTS = Counter("lms_http_requests", "HTTP requests answered", ["method", "status", "area"])
REQUEST_SECONDS = Histogram("lms_http_request_duration_seconds", "Time to answer an HTTP request", ["method"])
EVENT_LAG = Histogram(
    "lms_event_delivery_lag_seconds",
    "Time from the change that caused an event to its delivery to the analytics plugin",
    ["event"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
ACTIVE_WINDOW = 300  # seconds: a session is active when it made a request this recently
SEEN_KEY = "lms:analytics:seen"


def observe_event(event: str, caused_at) -> None:
    if caused_at is None:
        return
    from lms_core.models import utcnow

    EVENT_LAG.labels(event).observe(max(0.0, (utcnow() - caused_at).total_seconds()))


@bp.before_app_request
def _start_timer():
    g.analytics_started = time.perf_counter()


@bp.after_app_request
def _count(response):
    started = g.pop("analytics_started", None)
    if request.endpoint == "analytics_metrics.metrics":
        return response
    REQUESTS.labels(request.method, f"{response.status_code // 100}xx", request.blueprint or "core").inc()
    if started is not None:
        REQUEST_SECONDS.labels(request.method).observe(time.perf_counter() - started)
    from lms_core import current_user

    if current_user:
        _seen(current_user.id)
    return response


def _seen_here() -> dict[int, float]:
    """This process's users of this app: the write throttle, and the count without Redis."""
    return current_app.extensions.setdefault("analytics_seen", {})


def _seen(user_id: int) -> None:
    now = time.time()
    seen = _seen_here()
    last = seen.get(user_id)
    if last is not None and now - last < 30:
        return  # one write per user and process every 30 seconds is enough
    seen[user_id] = now
    if current_app.config.get("REDIS_URL"):
        try:
            from lms_core import redis_connection

            pipe = redis_connection().pipeline()
            pipe.zadd(SEEN_KEY, {str(user_id): now})
            pipe.zremrangebyscore(SEEN_KEY, 0, now - ACTIVE_WINDOW)
            pipe.execute()
        except Exception:  # metrics never break a request
            pass


def active_sessions() -> int:
    now = time.time()
    if current_app.config.get("REDIS_URL"):
        try:
            from lms_core import redis_connection

            return int(redis_connection().zcount(SEEN_KEY, now - ACTIVE_WINDOW, "+inf"))
        except Exception:
            return 0
    return sum(1 for t in _seen_here().values() if now - t < ACTIVE_WINDOW)


class PlatformCollector:
    """Values read at scrape time from the database and Redis."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from lms_analytics import health

        with self.app.app_context():
            jobs = health.jobs()
            failures = health.event_failure_totals()
            sessions = active_sessions()
            plugins = health.plugins()
        queue = GaugeMetricFamily("lms_job_queue_length", "Jobs waiting in the queue", labels=["state"])
        for state in ("queued", "failed", "scheduled"):
            queue.add_metric([state], jobs[state])
        yield queue
        yield GaugeMetricFamily("lms_job_workers", "rq workers listening on the queue", value=jobs["workers"])
        job_failures = CounterMetricFamily("lms_job_failures", "Job runs that raised", labels=["final"])
        job_failures.add_metric(["false"], jobs["failures_total"] - jobs["final_failures_total"])
        job_failures.add_metric(["true"], jobs["final_failures_total"])
        yield job_failures
        delivery = CounterMetricFamily(
            "lms_event_delivery_failures", "Event deliveries to a plugin that raised", labels=["event"]
        )
        for hook, n in sorted(failures.items()):
            delivery.add_metric([hook], n)
        yield delivery
        yield GaugeMetricFamily(
            "lms_active_sessions", f"Users who made a request in the last {ACTIVE_WINDOW} s", value=sessions
        )
        enabled = GaugeMetricFamily("lms_plugins", "Installed plugins", labels=["enabled"])
        enabled.add_metric(["true"], sum(1 for p in plugins if p["enabled"]))
        enabled.add_metric(["false"], sum(1 for p in plugins if not p["enabled"]))
        yield enabled


def allowed() -> bool:
    from lms_analytics.settings import settings

    token = settings.get("ANALYTICS_METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), str(token)):
        return True
    networks = settings.get("ANALYTICS_METRICS_ALLOWED_IPS")
    if isinstance(networks, str):
        networks = [n for n in networks.split(",") if n.strip()]
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    for network in networks:
        try:
            if address in ipaddress.ip_network(network.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def registry(app) -> CollectorRegistry:
    """This process's metrics, or every worker's in multi-process mode, plus the platform's."""
    found = app.extensions.get("analytics_metrics_registry")
    if found is None:
        found = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(found)
        else:
            for metric in (REQUESTS, REQUEST_SECONDS, EVENT_LAG):
                found.register(metric)
        found.register(PlatformCollector(app))
        app.extensions["analytics_metrics_registry"] = found
    return found


@bp.get("/metrics")
def metrics():
    if not allowed():
        return Response(
            "forbidden: send the metrics token or scrape from an allowed address\n", 403, mimetype="text/plain"
        )
    app = current_app._get_current_object()
    return Response(generate_latest(registry(app)), mimetype=CONTENT_TYPE_LATEST)
