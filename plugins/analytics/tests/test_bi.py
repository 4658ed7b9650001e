"""What BI tools get: the Infinity JSON API (token auth, documented shapes), the
Prometheus metrics (parsed with prometheus_client's parser) and the reporting views
(through a real read-only role on PostgreSQL)."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from lms_core import db
from lms_core.models import ApiToken


def token_for(user):
    row, token = ApiToken.issue(user, "grafana")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def course_with_activity(factory, add_facts, at):
    from lms_analytics import jobs

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Physics")
    lesson = factory.lesson(course=course)
    ann, bob = factory.user(name="Ann Example"), factory.user(name="Bob Example")
    for learner in (ann, bob):
        factory.enrol(learner, course)
    day = date.today() - timedelta(days=1)
    add_facts([(ann, lesson, 1800, at(day.isoformat(), 10)), (bob, lesson, 1800, at(day.isoformat(), 11))])
    jobs.fold()
    return teacher, course, day, (ann, bob)


def test_grafana_reads_a_time_series_with_a_token(client, course_with_activity):
    teacher, course, day, _ = course_with_activity
    headers = token_for(teacher)
    response = client.get(
        f"/api/v1/analytics/timeseries/hours?from={day}&to={day + timedelta(days=1)}", headers=headers
    )
    assert response.status_code == 200
    points = response.json
    # Infinity's JSON: an array of flat objects, the time column in ISO 8601 (UTC)
    assert [set(p) for p in points] == [{"time", "value"}] * 2
    assert [datetime.fromisoformat(p["time"].replace("Z", "+00:00")).date() for p in points] == [
        day,
        day + timedelta(days=1),
    ]
    assert [p["value"] for p in points] == [1.0, 0]
    active = client.get(
        f"/api/v1/analytics/timeseries/active_learners?from={day}&to={day}&course_id={course.id}", headers=headers
    ).json
    assert active == [{"time": f"{day}T00:00:00Z", "value": 2}]


def test_the_api_refuses_bad_tokens_and_bad_ranges(client, course_with_activity, factory):
    teacher, course, day, (ann, _bob) = course_with_activity
    assert client.get("/api/v1/analytics/timeseries/hours", headers={"Authorization": "Bearer nope"}).status_code == 401
    headers = token_for(teacher)
    bad = client.get("/api/v1/analytics/timeseries/hours?from=2026-13-01", headers=headers)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid"
    assert client.get("/api/v1/analytics/timeseries/mood", headers=headers).json["error"]["code"] == "not_found"
    other = factory.course(title="Not mine")
    assert client.get(f"/api/v1/analytics/tables/courses?course_id={other.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/analytics/metrics", headers=token_for(ann)).status_code == 403


def test_the_tables_and_the_openapi_document_agree(client, course_with_activity):
    teacher, course, day, _ = course_with_activity
    headers = token_for(teacher)
    rows = client.get(f"/api/v1/analytics/tables/courses?from={day}&to={day}", headers=headers).json
    assert rows == [
        {
            "course_id": course.id,
            "course": "Physics",
            "hours": 1.0,
            "peak_active_learners": 2,
            "enrolments": 0,
            "completions": 0,
            "attempts": 0,
        }
    ]
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["analytics_CourseRow"]
    assert set(schema["properties"]) == set(rows[0])
    assert "/analytics/timeseries/{metric}" in document["paths"]
    listed = {m["metric"] for m in client.get("/api/v1/analytics/metrics", headers=headers).json}
    enum = set(document["paths"]["/analytics/timeseries/{metric}"]["get"]["parameters"][0]["schema"]["enum"])
    assert enum <= listed


def scrape(client, **kwargs):
    response = client.get("/metrics", **kwargs)
    return response, (
        {f.name: f for f in text_string_to_metric_families(response.text)} if response.status_code == 200 else {}
    )


def test_prometheus_scrapes_low_cardinality_metrics(client, factory, login):
    teacher = factory.user(role="teacher")
    login(client, teacher)
    client.get("/analytics/")
    client.get("/analytics/platform")  # refused to a teacher (403)
    response, families = scrape(client, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200
    requests = {
        tuple(sorted(s.labels.items())): s.value
        for s in families["lms_http_requests"].samples
        if s.name == "lms_http_requests_total"
    }
    assert requests[(("area", "analytics"), ("method", "GET"), ("status", "2xx"))] >= 1
    assert requests[(("area", "analytics"), ("method", "GET"), ("status", "4xx"))] >= 1
    assert families["lms_active_sessions"].samples[0].value >= 1
    assert {s.labels["state"] for s in families["lms_job_queue_length"].samples} == {"queued", "failed", "scheduled"}
    for family in families.values():
        for sample in family.samples:
            assert not {"user", "user_id", "course", "course_id"} & set(sample.labels)


def test_metrics_are_refused_to_strangers(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403


@pytest.mark.lms_config(ANALYTICS_METRICS_TOKEN="scrape-secret", ANALYTICS_METRICS_ALLOWED_IPS="")
def test_metrics_with_the_token(client):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    response, families = scrape(client, headers={"Authorization": "Bearer scrape-secret"})
    assert response.status_code == 200 and "lms_plugins" in families


def test_failed_event_deliveries_are_counted_per_event(app, client, factory):
    from lms_core import hookimpl

    class Broken:
        @hookimpl
        def on_enrolled(self, user, course, enrollment):
            raise RuntimeError("boom")

    app.extensions["lms_plugins"].register(Broken(), name="broken_stand_in")
    factory.enrol(factory.user(), factory.course())
    _response, families = scrape(client, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    samples = {
        s.labels["event"]: s.value for s in families["lms_event_delivery_failures"].samples if s.name.endswith("_total")
    }
    assert samples["on_enrolled"] == 1


# ---------------------------------------------------------------- the reporting views


def test_the_views_name_learners_only_by_pseudonym(app, course_with_activity):
    from sqlalchemy import text

    from lms_analytics import reporting

    _teacher, course, day, (ann, _bob) = course_with_activity
    dialect = db.engine.dialect.name
    with db.engine.connect() as conn:
        rows = (
            conn.execute(
                text(
                    f"SELECT * FROM {reporting.view_name('lesson_time_daily', dialect)} "
                    "WHERE course_id = :c ORDER BY learner_key"
                ),
                {"c": course.id},
            )
            .mappings()
            .all()
        )
        learners = conn.execute(text(f"SELECT * FROM {reporting.view_name('learners', dialect)}")).mappings().all()
    assert sum(r["seconds"] for r in rows) == 3600
    assert reporting.learner_key(ann.id) in {r["learner_key"] for r in rows}
    assert "name" not in learners[0] and "email" not in learners[0]
    assert all("Example" not in str(v) for r in rows for v in r.values())


@pytest.mark.skipif(not os.environ.get("LMS_TEST_DATABASE_URL"), reason="roles exist on PostgreSQL only")
def test_metabase_reads_the_views_through_a_read_only_role(app, course_with_activity):
    import psycopg
    from sqlalchemy.engine import make_url

    from lms_analytics import reporting

    role = f"metabase_{os.environ.get('LMS_TEST_DB_TAG', '')}{os.getpid()}".lower()
    password = reporting.grant_readonly(role, statement_timeout="5s")
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with psycopg.connect(
            host=url.host, port=url.port or 5432, dbname=url.database, user=role, password=password, autocommit=True
        ) as conn:
            count = conn.execute("SELECT count(*) FROM reporting.course_daily").fetchone()[0]
            assert count >= 1
            assert conn.execute("SHOW statement_timeout").fetchone()[0] == "5s"
            for statement in (
                "SELECT * FROM users",
                "SELECT * FROM activity_facts",
                "INSERT INTO reporting.courses (course_id) VALUES (1)",
                "DELETE FROM analytics_course_days",
                "CREATE TABLE reporting.x (i int)",
            ):
                with pytest.raises(psycopg.Error):
                    conn.execute(statement)
    finally:
        from sqlalchemy import text

        with db.engine.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))


def test_grant_readonly_refuses_a_bad_role_name(app):
    from lms_analytics import reporting

    with pytest.raises(reporting.ReportingError):
        reporting.grant_readonly("Robert'); DROP TABLE users;--")


@pytest.mark.lms_config(ANALYTICS_REPORTING_NAMES=True)
def test_with_names_the_learners_view_names_all_but_the_hidden(app, course_with_activity):
    from sqlalchemy import text

    from lms_core import hookimpl

    from lms_analytics import jobs, reporting

    _teacher, _course, _day, (ann, bob) = course_with_activity

    class HidesBob:
        @hookimpl
        def lms_analytics_hidden_learners(self, user_ids):
            return [bob.id] if bob.id in user_ids else []

    app.extensions["lms_plugins"].register(HidesBob(), name="privacy_stand_in")
    jobs.fold()
    with db.engine.begin() as conn:
        reporting.create_views(conn, reporting.include_names())
        rows = {
            r["learner_key"]: r
            for r in conn.execute(
                text(f"SELECT * FROM {reporting.view_name('learners', db.engine.dialect.name)}")
            ).mappings()
        }
    assert rows[reporting.learner_key(ann.id)]["name"] == "Ann Example"
    assert rows[reporting.learner_key(bob.id)]["name"] is None and rows[reporting.learner_key(bob.id)]["email"] is None


def test_the_commands_rebuild_and_refuse_a_role_on_sqlite(app, course_with_activity):
    from lms_analytics.cli import analytics_group

    runner = app.test_cli_runner()
    result = runner.invoke(analytics_group, ["rebuild"])
    assert result.exit_code == 0 and "learners: 2" in result.output
    result = runner.invoke(analytics_group, ["refresh"])
    assert result.exit_code == 0 and "facts: 0" in result.output
    if db.engine.dialect.name == "sqlite":
        result = runner.invoke(analytics_group, ["grant-readonly", "metabase"])
        assert result.exit_code == 2 and "needs PostgreSQL" in result.output
