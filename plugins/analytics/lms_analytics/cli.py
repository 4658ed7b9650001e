"""``lms analytics ...``: rebuild the rollups, fold new activity now, (re)create the
reporting views and create a read-only role for BI tools."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms_core import db


@click.group("analytics")
def analytics_group():
    """Analytics: rollups, reporting views, BI access."""


@analytics_group.command("rebuild")
@click.option("--quiz", "quiz_id", type=int, default=None, help="Only this quiz's statistics.")
@with_appcontext
def rebuild(quiz_id):
    """Recompute every rollup from the core's tables (after a restore, or a changed quiz)."""
    from lms_analytics import jobs, quizfold

    if quiz_id is not None:
        click.echo(f"quiz {quiz_id}: {quizfold.rebuild_quizzes(quiz_id)} attempts")
        return
    done = jobs.rebuild()
    click.echo(", ".join(f"{k}: {v}" for k, v in done.items()))


@analytics_group.command("refresh")
@with_appcontext
def refresh():
    """Fold the activity and attempts written since the last run (what the periodic task does)."""
    from lms_analytics import jobs

    done = jobs.fold()
    click.echo(", ".join(f"{k}: {v}" for k, v in done.items()))


@analytics_group.command("views")
@with_appcontext
def views():
    """(Re)create the reporting views, with or without names as ANALYTICS_REPORTING_NAMES says."""
    from lms_analytics import reporting

    with db.engine.begin() as connection:
        for name in reporting.create_views(connection, reporting.include_names()):
            click.echo(name)


@analytics_group.command("grant-readonly")
@click.argument("role")
@click.option("--password", default=None, help="Default: a new random password, printed once.")
@click.option("--statement-timeout", default="30s", show_default=True)
@with_appcontext
def grant_readonly(role, password, statement_timeout):
    """Create a PostgreSQL login ROLE that can read the reporting views and nothing else."""
    from lms_analytics import reporting

    try:
        secret = reporting.grant_readonly(role, password, statement_timeout)
    except reporting.ReportingError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"role {role} can read schema {reporting.SCHEMA} (statement timeout {statement_timeout})")
    if password is None:
        click.echo(f"password: {secret}")
