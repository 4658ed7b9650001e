"""The reporting schema for BI tools (Metabase, Grafana's SQL sources): SQL views with
stable column names over the core's tables and the rollups, learners named by a
pseudonym (an HMAC of the user id with the deployment's secret) unless
``ANALYTICS_REPORTING_NAMES`` is set, and a read-only PostgreSQL role limited to them.

The views live in the schema ``reporting`` on PostgreSQL (``reporting.course_daily``)
and are named ``analytics_report_<name>`` on SQLite, which has no schemas. Columns are
only ever added, never renamed or dropped (docs/analytics.md lists them).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app
from sqlalchemy import select, text

from lms_core import db
from lms_core.models import User

from lms_analytics import privacy
from lms_analytics.models import LearnerKey
from lms_analytics.settings import settings

SCHEMA = "reporting"
SQLITE_PREFIX = "analytics_report_"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_STATEMENT_TIMEOUT = "30s"
TIMEOUT = re.compile(r"^\d{1,7}(ms|s|min)?$")


def secret() -> bytes:
    configured = settings.get("ANALYTICS_PSEUDONYM_SECRET")
    if configured:
        return str(configured).encode()
    # Derived, so a deployment needs no new secret; set the setting to keep keys stable
    # across a change of SECRET_KEY.
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"lms-analytics-pseudonym", hashlib.sha256).digest()


def learner_key(user_id: int) -> str:
    return hmac.new(secret(), str(int(user_id)).encode(), hashlib.sha256).hexdigest()[:32]


def ensure_learner_keys(user_ids=None) -> int:
    """Give the accounts that have none a pseudonym; returns how many were added."""
    known = select(LearnerKey.user_id).where(LearnerKey.user_id == User.id).exists()
    query = select(User.id).where(~known)
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    missing = db.session.execute(query).scalars().all()
    if missing:
        hidden = privacy.hidden_among(missing)
        db.session.execute(
            db.insert(LearnerKey),
            [{"user_id": uid, "learner_key": learner_key(uid), "hidden": uid in hidden} for uid in missing],
        )
    return len(missing)


def refresh_hidden() -> None:
    """Copy the learners' choice to be hidden (asked of the plugins) into the keys table,
    which the views read."""
    ids = db.session.execute(select(LearnerKey.user_id)).scalars().all()
    hidden = privacy.hidden_among(ids)
    db.session.execute(db.update(LearnerKey).values(hidden=LearnerKey.user_id.in_(list(hidden)) if hidden else False))


def rebuild_learner_keys() -> int:
    db.session.execute(db.delete(LearnerKey))
    return ensure_learner_keys()


# ---------------------------------------------------------------- the views


def view_name(name: str, dialect: str) -> str:
    return f"{SCHEMA}.{name}" if dialect == "postgresql" else f"{SQLITE_PREFIX}{name}"


def view_definitions(include_names: bool) -> dict[str, str]:
    """name -> SELECT. The learner is ``learner_key`` everywhere; names and e-mails only
    in ``learners`` and only with ``include_names`` (and never for a hidden learner)."""
    names = (
        (
            ",\n  CASE WHEN k.hidden THEN NULL ELSE u.name END AS name,"
            "\n  CASE WHEN k.hidden THEN NULL ELSE u.email END AS email"
        )
        if include_names
        else ""
    )
    return {
        "courses": "SELECT c.id AS course_id, c.slug, c.title, c.default_language, c.published, c.created_at "
        "FROM courses c",
        "lessons": "SELECT l.id AS lesson_id, l.course_id, l.position, l.title, l.published FROM lessons l",
        "quizzes": "SELECT q.id AS quiz_id, q.course_id, q.position, q.title, q.pass_percent, q.max_attempts "
        "FROM quizzes q",
        "learners": f"SELECT k.learner_key, u.role, u.locale, u.created_at{names} "
        "FROM users u JOIN analytics_learner_keys k ON k.user_id = u.id",
        "enrolments": "SELECT e.course_id, k.learner_key, e.status, e.enrolled_at, e.completed_at "
        "FROM enrollments e JOIN analytics_learner_keys k ON k.user_id = e.user_id",
        "course_daily": "SELECT d.day, d.course_id, d.active_learners, d.seconds, d.enrolments, d.completions, "
        "d.lesson_completions, d.attempts FROM analytics_course_days d",
        "lesson_time_daily": "SELECT a.day, a.course_id, NULLIF(a.lesson_id, 0) AS lesson_id, k.learner_key, "
        "a.seconds FROM analytics_activity_days a "
        "JOIN analytics_learner_keys k ON k.user_id = a.user_id",
        "learner_progress": "SELECT p.course_id, k.learner_key, p.status, p.enrolled_at, p.completed_at, "
        "p.seconds, p.last_active_at, p.lessons_done, p.attempts, p.quizzes_passed, "
        "p.quizzes_failing, p.best_percent_avg FROM analytics_learner_courses p "
        "JOIN analytics_learner_keys k ON k.user_id = p.user_id",
        "quiz_attempts": "SELECT a.id AS attempt_id, a.quiz_id, q.course_id, k.learner_key, a.number, a.score, "
        "a.max_score, a.percent, a.passed, a.started_at, a.submitted_at FROM attempts a "
        "JOIN quizzes q ON q.id = a.quiz_id JOIN analytics_learner_keys k ON k.user_id = a.user_id "
        "WHERE a.submitted_at IS NOT NULL",
    }


def create_views(connection, include_names: bool = False) -> list[str]:
    """(Re)create every view on ``connection``; returns their qualified names. Read-only
    roles granted before keep their access."""
    dialect = connection.dialect.name
    created = []
    if dialect == "postgresql":
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    for name, query in view_definitions(include_names).items():
        qualified = view_name(name, dialect)
        connection.execute(text(f"DROP VIEW IF EXISTS {qualified}"))
        connection.execute(text(f"CREATE VIEW {qualified} AS {query}"))
        created.append(qualified)
    if dialect == "postgresql":
        for (role,) in connection.execute(
            text(
                "SELECT rolname FROM pg_roles WHERE NOT rolsuper AND rolname <> current_user "
                "AND rolname NOT LIKE 'pg\\_%' AND has_schema_privilege(rolname, :schema, 'USAGE')"
            ),
            {"schema": SCHEMA},
        ):
            connection.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO "{role}"'))
    return created


def drop_views(connection) -> None:
    dialect = connection.dialect.name
    for name in view_definitions(False):
        connection.execute(text(f"DROP VIEW IF EXISTS {view_name(name, dialect)}"))
    if dialect == "postgresql":
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA}"))


def include_names() -> bool:
    return bool(settings.get("ANALYTICS_REPORTING_NAMES"))


# ---------------------------------------------------------------- the read-only role


class ReportingError(ValueError):
    """Bad input to ``grant-readonly`` (shown as the command's error)."""


def grant_readonly(role: str, password: str | None = None, statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT) -> str:
    """Create (or update) a PostgreSQL login role that can read the reporting views and
    nothing else, with a statement timeout and read-only transactions. Returns the
    password (generated when none is given)."""
    if db.engine.dialect.name != "postgresql":
        raise ReportingError("grant-readonly needs PostgreSQL: SQLite has no roles (give BI tools a copy of the file)")
    if not ROLE_NAME.match(role or ""):
        raise ReportingError(
            "the role name must be lower-case letters, digits and _ (at most 63), starting with a letter"
        )
    if not TIMEOUT.match(statement_timeout or ""):
        raise ReportingError("the statement timeout is a number with ms, s or min (for example 30s)")
    password = password or secrets.token_urlsafe(24)
    with db.engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if exists:
            super_ = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
            if super_ or role == conn.execute(text("SELECT current_user")).scalar():
                raise ReportingError(f"{role} is the application's own or a superuser role: choose another name")
        statement = "ALTER ROLE %I LOGIN PASSWORD %L" if exists else "CREATE ROLE %I LOGIN PASSWORD %L"
        # format() quotes the name (%I) and the password (%L) the way PostgreSQL reads them.
        ddl = conn.execute(
            text("SELECT format(CAST(:f AS text), CAST(:r AS text), CAST(:p AS text))"),
            {"f": statement, "r": role, "p": password},
        ).scalar()
        conn.execute(text(ddl))
        quoted = f'"{role}"'
        database = conn.execute(text("SELECT current_database()")).scalar()
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {quoted}'))
        conn.execute(text(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {quoted}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {quoted}"))
        conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM {quoted}"))
        conn.execute(text(f"ALTER ROLE {quoted} SET statement_timeout = '{statement_timeout}'"))
        conn.execute(text(f"ALTER ROLE {quoted} SET default_transaction_read_only = on"))
    return password
