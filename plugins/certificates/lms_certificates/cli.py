"""``lms certificates ...``: the repair sweep on demand and verification from a shell."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext


@click.group("certificates")
def certificates_group():
    """Course certificates."""


@certificates_group.command("sweep")
@with_appcontext
def sweep_command():
    """Render and notify whatever a crashed job left undone."""
    from lms_certificates.jobs import repair_sweep

    done = repair_sweep()
    click.echo(" ".join(f"{name}: {count}" for name, count in done.items()))


@certificates_group.command("verify")
@click.argument("number")
@with_appcontext
def verify_command(number):
    """Print what NUMBER verifies as, in the JSON the verification page gives."""
    from lms_certificates.verification import verify

    click.echo(json.dumps(verify(number).as_json(), ensure_ascii=False, indent=2))
