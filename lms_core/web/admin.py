"""Administration: users and roles, plugins (with their errors), failed jobs."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms_core.auth import login_required, require
from lms_core.extensions import db
from lms_core.models import JobFailure, PluginError, User
from lms_core.services import ServiceError, accounts, people, platform
from lms_core.web.admin_forms import NewUserForm, PluginForm, UserForm, role_choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def only_admins():
    require("admin.access")


@bp.route("/")
def index():
    count = db.func.count
    return render_template(
        "admin/index.html",
        users=db.session.execute(db.select(count(User.id))).scalar_one(),
        plugins=platform.plugin_rows(),
        plugin_errors=db.session.execute(db.select(count(PluginError.id))).scalar_one(),
        job_failures=db.session.execute(db.select(count(JobFailure.id))).scalar_one(),
    )


# ---------------------------------------------------------------- people


@bp.route("/users")
def users():
    query = request.args.get("q", "").strip()
    role = request.args.get("role") or None
    page = request.args.get("page", "1")
    try:
        # 0 (refused as invalid) for anything but a plain, reasonably sized number
        result = people.search_users(query, role, int(page) if page.isdecimal() and len(page) <= 9 else 0)
    except ServiceError as exc:
        return render_template(
            "admin/users.html",
            result=people.UserPage([], 1, 1, 0),
            query=query,
            role=role,
            roles=role_choices(),
            errors=exc.fields,
        ), exc.status
    return render_template("admin/users.html", result=result, query=query, role=role, roles=role_choices(), errors={})


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                form.email.data, form.name.data, form.password.data, role=form.role.data, email_verified=True
            )
        except ServiceError as exc:
            _show_field_errors(form, exc)
            return render_template("admin/new_user.html", form=form), exc.status
        flash(_("The account of %(name)s was created.", name=user.name), "success")
        return redirect(url_for("admin.user", user_id=user.id)), 303
    return render_template("admin/new_user.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id):
    person = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=person)
    if form.validate_on_submit():
        try:
            people.update_user(g.user, person, form.role.data, form.active.data)
        except ServiceError as exc:
            db.session.rollback()
            _show_field_errors(form, exc)
            return render_template("admin/user.html", person=person, form=form), exc.status
        flash(_("The account of %(name)s was saved.", name=person.name), "success")
        return redirect(url_for("admin.user", user_id=person.id)), 303
    return render_template("admin/user.html", person=person, form=form), 400 if form.is_submitted() else 200


def _show_field_errors(form, exc: ServiceError) -> None:
    for name, message in exc.fields.items():
        if hasattr(form, name):
            getattr(form, name).errors = [message]
    if not exc.fields or not any(hasattr(form, name) for name in exc.fields):
        flash(exc.message, "error")


# ---------------------------------------------------------------- plugins


@bp.route("/plugins")
def plugins():
    rows = platform.plugin_rows()
    for row in rows:
        row["disabling"] = disabling_consequences(row["name"], row["hooks"])
    return render_template("admin/plugins.html", plugins=rows, form=PluginForm())


def disabling_consequences(name: str, hooks) -> str:
    """What disabling a plugin changes, from the hooks it implements: the question the
    Disable button asks before it is sent (static confirm.js, no inline script)."""
    effects = {
        "lms_completion_requirements": _(
            "The course completion requirements it adds disappear: learners who met every other "
            "requirement complete their courses."
        ),
        "lms_before_enroll": _("It no longer checks enrolments (a payment, say): enrolment works without it."),
        "lms_gradebook_items": _("Its columns leave the gradebooks and the course totals change."),
        "lms_course_workspace_tabs": _("Its tabs leave the teachers' course workspaces."),
        "lms_blueprints": _("Its pages answer “not found”."),
        "lms_periodic_tasks": _("Its periodic tasks stop."),
        "lms_notification_channels": _("Notifications are no longer sent through its channels."),
    }
    lines = [text for hook, text in effects.items() if hook in hooks]
    if any(hook.startswith("on_") for hook in hooks):
        lines.append(_("Events that happen while it is disabled are not delivered to it."))
    lines.append(_("Its data is kept; enabling it again restores everything."))
    return "\n".join([_("Disable the plugin %(name)s?", name=name), *("• " + line for line in lines)])


@bp.route("/plugins/<name>/enable", methods=["POST"])
def enable_plugin(name):
    return _set_plugin(name, True)


@bp.route("/plugins/<name>/disable", methods=["POST"])
def disable_plugin(name):
    return _set_plugin(name, False)


def _set_plugin(name, enabled):
    if not PluginForm().validate_on_submit():
        abort(400)
    platform.set_plugin_enabled(name, enabled)
    if enabled:
        flash(_("The plugin %(name)s is enabled.", name=name), "success")
        folder = platform.migration_folders().get(name)
        if folder and platform.migrations_pending(name, folder):
            flash(_("Its database tables are not up to date: run “lms db upgrade” now."), "error")
    else:
        flash(_("The plugin %(name)s is disabled. Its data is kept.", name=name), "success")
    return redirect(url_for("admin.plugins")), 303


@bp.route("/plugins/<name>/events/retry", methods=["POST"])
def retry_plugin_events(name):
    if not PluginForm().validate_on_submit():
        abort(400)
    try:
        counts = platform.retry_plugin_events(name)
    except ServiceError as exc:
        abort(exc.status)
    still = counts["failed"] + counts["given_up"]
    flash(
        _(
            "Events delivered to %(name)s: %(delivered)s; still failing: %(failing)s.",
            name=name,
            delivered=counts["delivered"],
            failing=still,
        ),
        "error" if still else "success",
    )
    return redirect(url_for("admin.plugins")), 303


@bp.route("/plugins/errors")
def plugin_errors():
    return render_template("admin/plugin_errors.html", errors=platform.recent_plugin_errors())


# ---------------------------------------------------------------- jobs


@bp.route("/jobs")
def jobs():
    return render_template(
        "admin/jobs.html", failures=platform.recent_job_failures(), attempts_allowed=platform.job_attempts_allowed()
    )


# ---------------------------------------------------------------- mail written to files


@bp.route("/mail")
def mail():
    from lms_core.mail import stored_mails

    return render_template("admin/mail.html", mails=stored_mails(), smtp=current_app.config.get("MAIL_SERVER"))


@bp.route("/mail/<name>")
def mail_message(name):
    from lms_core.mail import read_stored_mail

    message = read_stored_mail(name) or abort(404)
    return render_template("admin/mail_message.html", message=message)
