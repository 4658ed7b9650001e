"""``lms scorm-xapi ...``: the plugin's commands (the SCORM half adds its own to the group).

``lms scorm-xapi replay --since DATE`` gives the learning records since DATE to the LRS
now configured (a new LRS gets the history): every statement since then is sent again,
learner by learner in order, with the same ids (an LRS that has one keeps it once).
"""

from __future__ import annotations

from datetime import datetime, timezone

import click
from flask.cli import with_appcontext


@click.group("scorm-xapi")
def scorm_xapi_group():
    """SCORM packages and xAPI statements."""


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@scorm_xapi_group.command("replay")
@click.option("--since", "since", required=True, help="Resend what happened on or after this date (UTC unless given).")
@click.option(
    "--wait/--no-wait", default=True, help="Send them now in this process (default), or leave it to the workers."
)
@with_appcontext
def replay(since, wait):
    """Send the xAPI statements since DATE again to the LRS in force."""
    from lms_scorm_xapi.xapi import jobs, settings

    moment = _moment(since)
    if not settings.enabled():
        raise click.ClickException("no LRS is configured: set it on Admin → xAPI (or SCORM_XAPI_LRS_ENDPOINT) first")
    count = jobs.replay(moment)
    click.echo(f"{count} statements since {moment.isoformat()} are due for {settings.lrs()['endpoint']}")
    if not wait:
        jobs.send_due()
        return
    totals = jobs.send_all()
    click.echo(f"sent: {totals['sent']}, failed (retried later): {totals['failed']}")
