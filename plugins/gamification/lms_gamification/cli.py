"""``lms gamification ...``: maintenance commands for operators."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.group("gamification")
def gamification_group():
    """Points, badges and leaderboards."""


@gamification_group.command("rebuild")
@with_appcontext
def rebuild_command():
    """Recompute every leaderboard from the points ledger (SQL summary and Redis)."""
    from lms_gamification.mirror import connection
    from lms_gamification.rebuild import rebuild

    started = time.perf_counter()
    report = rebuild()
    target = "SQL and Redis" if connection() is not None else "SQL"
    click.echo(
        f"rebuilt {report.boards} leaderboards ({report.rows} rows, {report.changed} changed, "
        f"{report.removed} removed) in {target} in {time.perf_counter() - started:.1f}s"
    )
