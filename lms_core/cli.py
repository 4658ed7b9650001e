"""The ``lms`` command (click through Flask's CLI). Plugins add subcommands through
``lms_cli_commands``."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup, ScriptInfo, routes_command, shell_command, with_appcontext


def _create_app():
    from lms_core.app import create_app
    from lms_core.plugins import PluginConfigurationError

    try:
        return create_app()
    except PluginConfigurationError as exc:
        # One line the plugin's author can act on, not a traceback through the loader.
        raise click.ClickException(str(exc)) from None


def _set_verbosity(ctx, _param, verbose):
    """Alembic reports every migration step at INFO; operators see them with ``-v``."""
    import logging

    level = logging.INFO if verbose else logging.WARNING
    for name in ("alembic", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(level)
    return verbose


VERBOSE_OPTION = click.Option(
    ["-v", "--verbose"],
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_verbosity,
    help="Show Alembic's migration steps and other INFO lines.",
)


class LmsGroup(FlaskGroup):
    """Adds the enabled plugins' commands once the app is known."""

    def __init__(self, **kwargs):
        super().__init__(
            create_app=_create_app,
            add_default_commands=False,
            add_version_option=False,
            params=[VERBOSE_OPTION],
            **kwargs,
        )
        import weakref

        # Per app, not once per process: tests build many apps, each with its own plugins.
        self._plugin_commands_loaded_for: weakref.WeakSet = weakref.WeakSet()

    def _load_plugin_commands_from_app(self, ctx):
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except Exception:  # noqa: BLE001 - the error shows again when a command runs
            return
        if app in self._plugin_commands_loaded_for:
            return
        self._plugin_commands_loaded_for.add(app)
        with app.app_context():
            for command in app.extensions["lms_plugins"].call_flat("lms_cli_commands"):
                if command.name not in self.commands:
                    self.add_command(command)

    def list_commands(self, ctx):
        self._load_plugin_commands_from_app(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None:
            self._load_plugin_commands_from_app(ctx)
            command = self.commands.get(name)
        return command


main = LmsGroup(help="The LMS: a Flask core with pluggy plugins.")
main.add_command(routes_command)
main.add_command(shell_command)


@main.command("run")
@click.option("--host", default=lambda: os.environ.get("HOST") or "127.0.0.1", show_default="HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT") or 5000), show_default="PORT or 5000", type=int)
@click.option("--debug/--no-debug", default=False)
@with_appcontext
def run_command(host, port, debug):
    """Serve the app with WebSockets (development and small installs; use gunicorn
    behind a proxy in production, see docs/deployment.md)."""
    from flask import current_app

    from lms_core.config import served_address
    from lms_core.extensions import socketio

    if current_app.config.get("LMS_BASE_URL_DERIVED"):
        # No LMS_BASE_URL: links in mails, certificates and QR codes use this server's address.
        current_app.config["LMS_BASE_URL"] = served_address(host, port)
    # FlaskGroup marks the process as run from the CLI, which makes app.run() (called by
    # socketio.run) return at once; this command is the server, so lift the mark.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    socketio.run(
        current_app._get_current_object(),
        host=host,
        port=port,
        debug=debug,
        use_reloader=False,
        allow_unsafe_werkzeug=True,
    )


@main.group("db")
def db_group():
    """Database migrations (the core and every enabled plugin)."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade():
    """Apply every pending migration: the core first, then each enabled plugin."""
    from lms_core import migrate

    for owner in migrate.upgrade():
        click.echo(f"upgraded: {owner}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--owner", default="core", show_default=True, help="'core' or a plugin name")
@with_appcontext
def db_revision(message, owner):
    """Autogenerate a migration from the models (for developers)."""
    from lms_core import migrate

    migrate.revision(owner, message)


@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--fork", is_flag=True, help="Run each job in a process forked for it (rq's Worker).")
@click.option("--simple", is_flag=True, help="Run jobs in this process (the default; kept for old scripts).")
@with_appcontext
def worker_command(burst, fork, simple):
    """Run an rq worker with the app context (needs REDIS_URL). Jobs run in the
    worker's own process unless --fork."""
    from flask import current_app

    from lms_core import jobs

    if fork and simple:
        raise click.UsageError("--fork and --simple contradict each other: choose one.")

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline and need no worker.")
    import time

    from redis.exceptions import ConnectionError, TimeoutError

    jobs._worker_app = current_app._get_current_object()
    worker_class = jobs.worker_class(fork=fork)
    while True:
        try:
            worker = worker_class(
                [jobs.queue()], connection=jobs.redis_connection(), job_monitoring_interval=jobs.JOB_MONITORING_INTERVAL
            )
            worker.work(burst=burst, with_scheduler=True)
            return
        except (ConnectionError, TimeoutError) as exc:
            # Redis restarted under a running job: rq gives up on the worker; a new one
            # takes over (the job, if any, is recovered as abandoned by core.jobs.recover)
            click.echo(f"lost Redis ({exc}); starting a new worker in 1 s", err=True)
            time.sleep(1)


@main.command("scheduler")
@with_appcontext
def scheduler_command():
    """Enqueue the plugins' periodic tasks on rq at their intervals (run one)."""
    from flask import current_app
    from rq.cron import CronScheduler

    from lms_core import jobs

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: use `lms tick` from cron instead.")
    import time

    from redis.exceptions import ConnectionError, TimeoutError

    while True:
        try:
            scheduler = CronScheduler(connection=jobs.redis_connection())
            register_periodic_tasks(scheduler)
            scheduler.start()
            return  # stopped by a signal
        except (ConnectionError, TimeoutError) as exc:
            # Redis restarts or fails over: wait for it instead of dying, as the workers do
            click.echo(f"lost Redis ({exc}); starting again in 1 s", err=True)
            time.sleep(1)


def register_periodic_tasks(scheduler) -> None:
    """Register every plugin's periodic task with an rq ``CronScheduler``."""
    from lms_core import jobs
    from lms_core.periodic import periodic_tasks, run_periodic

    for task in periodic_tasks():
        scheduler.register(
            jobs.run_job,
            jobs.QUEUE_NAME,
            args=(jobs.function_path(run_periodic), (task.name,), {}),
            interval=task.interval,
            name=task.name,
        )


@main.command("tick")
@with_appcontext
def tick_command():
    """Run the periodic tasks that are due, in this process (cron, no Redis)."""
    from lms_core.periodic import run_due_tasks

    for name in run_due_tasks():
        click.echo(f"ran: {name}")


@main.group("gradebook")
def gradebook_group():
    """Course gradebooks."""


@gradebook_group.command("summarise")
@click.option("--course", "course_id", type=int, help="Only this course (its id).")
@with_appcontext
def gradebook_summarise(course_id):
    """Bring the summaries the "failing" and "missing" filters read up to date now (after
    an upgrade, or plugins switched on or off), instead of at each course's next filtered view."""
    from lms_core.extensions import db
    from lms_core.models import Course
    from lms_core.services.gradebook import refresh_summaries

    query = db.select(Course.id).order_by(Course.id)
    if course_id is not None:
        query = query.where(Course.id == course_id)
    ids = db.session.execute(query).scalars().all()
    if course_id is not None and not ids:
        raise click.ClickException(f"there is no course {course_id}")
    for one in ids:
        done = refresh_summaries(db.session.get(Course, one))
        if done:
            click.echo(f"course {one}: {done} learners summarised")
    db.session.remove()


@main.group("events")
def events_group():
    """The durable event log: what waits, and delivering it again."""


@events_group.command("status")
@with_appcontext
def events_status():
    """Undelivered events per plugin: failing (will be retried), given up, never tried."""
    from lms_core.delivery import waiting_by_plugin

    waiting = waiting_by_plugin()
    if not waiting:
        click.echo("every event is delivered")
    for plugin, counts in sorted(waiting.items()):
        click.echo(
            f"{plugin}: {counts['failing']} failing, {counts['given_up']} given up, {counts['pending']} not tried yet"
        )
        if counts["last_error"]:
            click.echo(f"  last error: {counts['last_error']}")


@events_group.command("replay")
@click.option(
    "--event", "event_ids", multiple=True, metavar="ID", help="This event again (repeatable), even if delivered."
)
@click.option("--plugin", help="Only this plugin (with --since: give it the events it never had).")
@click.option("--failed", is_flag=True, help="Every undelivered delivery, given up ones included.")
@click.option("--since", type=click.DateTime(), help="With --plugin: every event since then (UTC).")
@with_appcontext
def events_replay(event_ids, plugin, failed, since):
    """Deliver events again, now, in this process (oldest first, in order per user)."""
    from datetime import timezone

    from lms_core.delivery import deliver_now, replay
    from lms_core.models import Event
    from lms_core.extensions import db
    from lms_core.plugins import get_plugin_manager

    if not (event_ids or failed or since):
        raise click.UsageError("say what to replay: --event ID, --failed or --plugin NAME --since DATE")
    if since and not plugin:
        raise click.UsageError("--since needs --plugin")
    if plugin and plugin not in get_plugin_manager().installed:
        raise click.ClickException(f"no plugin named {plugin!r} is installed")
    unknown = set(event_ids) - set(db.session.execute(db.select(Event.id).where(Event.id.in_(event_ids))).scalars())
    if unknown:
        raise click.ClickException(f"no such event: {', '.join(sorted(unknown))}")
    made_due = replay(event_ids, plugin, failed, since.replace(tzinfo=timezone.utc) if since else None)
    counts = deliver_now(plugin)
    click.echo(
        f"deliveries made due: {made_due}; delivered: {counts['delivered']}, failed again: "
        f"{counts['failed'] + counts['given_up']}, still waiting: {counts['waiting']}"
    )
    if counts["failed"] or counts["given_up"]:
        sys.exit(1)


@main.group("plugins")
def plugins_group():
    """Installed plugins."""


@plugins_group.command("list")
@with_appcontext
def plugins_list():
    """Name, version, state, hooks, problems and last error of every installed plugin."""
    from lms_core.services.platform import plugin_rows

    rows = plugin_rows()
    if not rows:
        click.echo("no plugins installed")
    for row in rows:
        click.echo(
            f"{row['name']} {row['version'] or '-'} {_plugin_state(row)} hooks: {', '.join(row['hooks']) or '-'}"
        )
        for problem in row["problems"]:
            click.echo(f"  problem: {problem}")
        if row["last_error"]:
            click.echo(f"  last error: {row['last_error']}")


def _plugin_state(row) -> str:
    if row["excluded"]:
        return "installed, excluded by LMS_PLUGINS"
    if not row["loaded"]:
        return "failed to load"
    state = "enabled" if row["enabled"] else "disabled"
    if row["migrations_pending"]:
        state += ", needs `lms db upgrade` (not called until then)"
    return state


@plugins_group.command("check")
@with_appcontext
def plugins_check():
    """Report every plugin problem (conflicts, tables, unmarked hooks, pending
    migrations, load errors); exits with status 1 when there is one."""
    from lms_core.services.platform import plugin_problems, plugin_rows

    found = [problem.message for problem in plugin_problems()]
    for row in plugin_rows():
        if not row["loaded"] and not row["excluded"]:
            found.append(f"plugin {row['name']!r} failed to load: {row['last_error']}")
        elif row["migrations_pending"] and not row["excluded"]:
            found.append(f"plugin {row['name']!r} needs `lms db upgrade`: its hooks are not called until then")
    for message in found:
        click.echo(f"problem: {message}")
    if found:
        raise SystemExit(1)
    click.echo("no problems found")


@plugins_group.command("new")
@click.argument("name")
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Where to create the distribution's folder (lms-plugin-NAME).",
)
def plugins_new(name, directory):
    """Create a working plugin distribution, lms-plugin-NAME, ready to install and test."""
    from lms_core.plugin_template import TemplateError, create_plugin

    try:
        folder = create_plugin(name, directory)
    except TemplateError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {folder}")
    click.echo("next: pip install -e " + str(folder) + " && lms db upgrade && pytest " + str(folder / "tests"))


@plugins_group.command("enable")
@click.argument("name")
@with_appcontext
def plugins_enable(name):
    """Enable an installed plugin (then run `lms db upgrade`)."""
    _set_plugin(name, True)


@plugins_group.command("disable")
@click.argument("name")
@with_appcontext
def plugins_disable(name):
    """Disable an installed plugin; its data is kept."""
    _set_plugin(name, False)


def _set_plugin(name, enabled):
    from lms_core.services import ServiceError
    from lms_core.services.platform import set_plugin_enabled

    try:
        set_plugin_enabled(name, enabled)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{name}: {'enabled' if enabled else 'disabled'}")


@main.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin(email, name, password):
    """Create an administrator account."""
    from lms_core.services import ServiceError, accounts

    try:
        user = accounts.register(email, name, password, role="admin", email_verified=True)
    except ServiceError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(f"created admin {user.email}")


@main.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor(email):
    """Turn off two-factor log-in for an account whose owner lost the phone and the
    recovery codes (check who is asking first); every session of the account ends."""
    from lms_core.extensions import db
    from lms_core.models import User
    from lms_core.services import accounts, sessions, two_factor

    user = db.session.execute(db.select(User).where(User.email == accounts.normalise_email(email))).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no account with the address {email}")
    two_factor.disable(user)
    sessions.end_all(user)
    click.echo(f"two-factor log-in is off for {user.email}; they set it up again at their next log-in if required")


@main.command("demo")
@click.option(
    "--size",
    type=click.Choice(["small", "large"]),
    default="small",
    show_default=True,
    help="large: also 20,000 learners, 200 courses and their history, for load tests (minutes)",
)
@with_appcontext
def demo_command(size):
    """Load demo data: an admin, a teacher, students, two courses (English, Russian)."""
    from lms_core.demo import load_demo

    if size == "large":
        from lms_core.demo_large import load_large_demo

        try:
            lines = load_large_demo()
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
    else:
        lines = load_demo()
    for line in lines:
        click.echo(line)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
