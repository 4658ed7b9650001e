"""Configuration: defaults, then environment variables, then explicit overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class Config:
    """Defaults for a single-machine deployment: SQLite, no Redis, jobs inline."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: sqlite in the instance folder
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    REDIS_URL: str | None = None
    LMS_PLUGINS = "all"  # comma list of plugin names, "all" or "" (none)
    LMS_PLUGINS_STRICT = False  # raise on plugin load errors (tests and CI)
    LMS_SITE_NAME = "LMS"
    LMS_DEFAULT_LANGUAGE = "en"
    LMS_LANGUAGES = ("en", "ru")
    LMS_DEFAULT_TIMEZONE = "UTC"
    LMS_BASE_URL = "http://127.0.0.1:5000"
    # Werkzeug's method for new password hashes. The test fixtures use a fast one
    # ("pbkdf2:sha256:1000", as Django advises for tests); never lower it in production.
    LMS_PASSWORD_HASH_METHOD = "scrypt"
    # Guessing (passwords, two-factor codes) per (account, address): this many failures
    # are free, then each one doubles the wait, from the base up to the ceiling.
    LMS_THROTTLE_FREE_ATTEMPTS = 3
    LMS_THROTTLE_BASE_SECONDS = 2
    LMS_THROTTLE_MAX_SECONDS = 300
    LMS_PROXY_HOPS = 0  # proxies in front that set X-Forwarded-For/-Proto (0: trust none)
    LMS_UNVERIFIED_MAY_ENROL = True  # may an account whose address is not confirmed enrol?
    LMS_TWO_FACTOR_REQUIRED_FOR_STAFF = False  # teachers and admins must turn on 2FA
    LMS_RESET_TOKEN_MINUTES = 60
    LMS_EMAIL_TOKEN_HOURS = 48  # sign-up confirmation and change of address
    LMS_SOCKET_ORIGINS: tuple = ()  # other origins allowed to open Socket.IO (LMS_BASE_URL always is)
    LMS_HEARTBEAT_SECONDS = 15  # how often the lesson page reports activity
    LMS_HEARTBEAT_MAX_SECONDS = 60  # the most one heartbeat may count
    LMS_CACHE_TTL = 300
    LMS_JOB_RETRY_INTERVALS = (10, 60, 300)
    # The event log (lms_core.delivery): pauses between the tries of a failed delivery,
    # then it is given up; how long a delivery may stay untried before the periodic task
    # takes it (the process died after its commit); how often that task runs; how long
    # events are kept.
    LMS_EVENT_RETRY_INTERVALS = (10, 60, 300, 1800, 7200)
    LMS_EVENT_DISPATCH_GRACE = 30
    LMS_EVENT_REDELIVERY_INTERVAL = 15
    LMS_EVENT_RETENTION_DAYS = 30
    LMS_EVENTS_VERIFY_SNAPSHOTS = False  # tests: every payload must come back equal from JSON
    LMS_EVENT_LOG = True  # False only for bench/events.py's baseline: dispatch after commit, nothing written
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # True behind HTTPS (docs/deployment.md, Security)
    PERMANENT_SESSION_LIFETIME = 14 * 86400  # an idle session ends after this many seconds
    # The cookie is signed again only when the session's last_seen_at is written (at most
    # once a minute, lms_core.services.sessions): its expiry slides as the session's does,
    # without the cost of signing a cookie on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    # Security headers (lms_core/security_headers.py, docs/deployment.md "Security").
    LMS_HSTS_SECONDS = 0  # Strict-Transport-Security max-age; set it only when served over HTTPS
    LMS_CSP_EXTRA: dict = {}  # directive -> extra sources for the Content-Security-Policy
    # Hosts Markdown images may come from (besides the site itself); none by default.
    LMS_MARKDOWN_IMAGE_HOSTS: tuple = ()
    # Mail (lms_core.mail): SMTP when MAIL_SERVER is set, else .eml files in instance/mail/.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False  # STARTTLS on a plain connection (port 587)
    MAIL_USE_SSL = False  # TLS from the start (port 465)
    MAIL_TIMEOUT = 30
    MAIL_DEFAULT_SENDER = "LMS <lms@localhost>"


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


ENVIRONMENT_SETTINGS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "LMS_PLUGINS": str,
    "LMS_PLUGINS_STRICT": lambda v: v.lower() in ("1", "true", "yes"),
    "LMS_SITE_NAME": str,
    "LMS_BASE_URL": str,
    "LMS_DEFAULT_LANGUAGE": str,
    "LMS_DEFAULT_TIMEZONE": str,
    "LMS_HSTS_SECONDS": int,
    "LMS_MARKDOWN_IMAGE_HOSTS": lambda v: tuple(h.strip().lower() for h in v.split(",") if h.strip()),
    "LMS_DATABASE_POOL_SIZE": int,
    "LMS_EVENT_RETENTION_DAYS": int,
    "LMS_EVENT_DISPATCH_GRACE": int,
    "LMS_EVENT_REDELIVERY_INTERVAL": int,
    "LMS_EVENT_RETRY_INTERVALS": lambda v: tuple(int(s) for s in v.split(",") if s.strip()),
    "LMS_JOB_RETRY_INTERVALS": lambda v: tuple(int(s) for s in v.split(",") if s.strip()),
    "SESSION_COOKIE_SECURE": _flag,
    "PERMANENT_SESSION_LIFETIME": int,
    "LMS_PROXY_HOPS": int,
    "LMS_UNVERIFIED_MAY_ENROL": _flag,
    "LMS_TWO_FACTOR_REQUIRED_FOR_STAFF": _flag,
    "LMS_SOCKET_ORIGINS": lambda v: tuple(o.strip() for o in v.split(",") if o.strip()),
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": _flag,
    "MAIL_USE_SSL": _flag,
    "MAIL_TIMEOUT": float,
    "MAIL_DEFAULT_SENDER": str,
}


def load_config(app, overrides: dict | None) -> None:
    """Defaults, then the environment, then explicit overrides (tests)."""
    app.config.from_object(Config)
    for name, convert in ENVIRONMENT_SETTINGS.items():
        value = os.environ.get(name)
        # An empty LMS_PLUGINS means "no plugins"; an empty anything else means unset.
        if value or (value == "" and name == "LMS_PLUGINS"):
            app.config[name] = convert(value)
    if overrides:
        app.config.update(overrides)
    if not os.environ.get("LMS_BASE_URL") and "LMS_BASE_URL" not in (overrides or {}):
        # Unset: the address the app is served on (`make run` / `lms run` read HOST and
        # PORT; `lms run --host --port` sets it again), never a request's Host header.
        app.config["LMS_BASE_URL"] = served_address(os.environ.get("HOST"), os.environ.get("PORT"))
        app.config["LMS_BASE_URL_DERIVED"] = True
    if app.config.get("DATABASE_URL") and not (overrides or {}).get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
    pool_size = app.config.get("LMS_DATABASE_POOL_SIZE")
    if pool_size and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # one connection per thread that may be inside a request (gunicorn --threads)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}).update(pool_size=pool_size, max_overflow=pool_size)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["LMS_DEFAULT_LANGUAGE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["LMS_DEFAULT_TIMEZONE"]


def served_address(host: str | None, port) -> str:
    """``http://host:port`` of a server listening on ``host``; a wildcard address
    (0.0.0.0, ::) is reached as 127.0.0.1."""
    host = (host or "127.0.0.1").strip()
    if host in ("0.0.0.0", "::", "[::]", ""):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = str(port or "").strip()
    return f"http://{host}:{int(port) if port.isdigit() else 5000}"


def normalise_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` URLs use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(instance_path: str) -> str:
    """A per-install secret kept in the instance folder, so sessions survive restarts
    of a default install without anybody having to invent a key."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
