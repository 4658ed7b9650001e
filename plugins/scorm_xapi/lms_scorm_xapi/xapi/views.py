"""The admin's xAPI pages: the LRS settings and the statement log (with "Try again")."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lms_core import ServiceError, db, gettext as _, lazy_gettext as _l, login_required, require
from lms_core.models import User

from lms_scorm_xapi.xapi import jobs, settings
from lms_scorm_xapi.xapi.lrs import LrsError, check
from lms_scorm_xapi.xapi.models import FAILED, GIVEN_UP, PENDING, REJECTED, SENT, Statement
from lms_scorm_xapi.xapi.recording import SKIPPED
from lms_scorm_xapi.xapi.statements import VERBS

PAGE_SIZE = 50
RETRIED = "retried"  # a filter: sent after at least one failure

bp = Blueprint(
    "scorm_xapi_xapi",
    __name__,
    url_prefix="/admin/xapi",
    template_folder=str(Path(__file__).parent.parent / "templates"),
)


def status_labels() -> dict:
    return {
        PENDING: _("waiting to be sent"),
        SENT: _("sent"),
        RETRIED: _("sent after a retry"),
        FAILED: _("failed, will be retried"),
        GIVEN_UP: _("given up"),
        REJECTED: _("refused by the LRS"),
        SKIPPED: _("not sent (no LRS then)"),
    }


ACTOR_LABELS = {
    "account": _l("A pseudonymous account (an opaque id on this site)"),
    "mbox": _l("The learner's e-mail address"),
}


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def lrs_settings():
    require("admin.access")
    errors, status = {}, 200
    form = settings.lrs()
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in settings.EDITABLE}
        try:
            values = settings.validate(request.form)
            if request.form.get("test") and values["endpoint"]:
                try:
                    versions = check(values)
                except LrsError as exc:
                    raise ServiceError(
                        "lrs_unreachable",
                        _("The settings were not saved."),
                        400,
                        {"endpoint": _("The LRS did not answer as expected: %(error)s", error=str(exc))},
                    ) from exc
                if versions:
                    flash(_("The LRS answered; it speaks xAPI %(versions)s.", versions=versions), "success")
                else:
                    flash(_("The LRS answered and took the key and secret."), "success")
            settings.save(values)
            flash(_("The settings were saved."), "success")
            return redirect(url_for("scorm_xapi_xapi.lrs_settings")), 303
        except ServiceError as exc:
            errors, status = exc.fields, exc.status
            flash(exc.message, "error")
    return render_template(
        "scorm_xapi/xapi/settings.html",
        form=form,
        has_secret=bool(settings.lrs()["secret"]),
        errors=errors,
        versions=settings.VERSIONS,
        actors=ACTOR_LABELS,
    ), status


def _page() -> int:
    raw = request.args.get("page", "1")
    return min(int(raw), 10**6) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 1


def _date(raw: str):
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=timezone.utc) if raw else None
    except ValueError:
        return None


@bp.route("/statements")
@login_required
def statement_log():
    require("admin.access")
    filters = {k: request.args.get(k, "").strip() for k in ("status", "verb", "email", "since")}
    errors = {}
    query = db.select(Statement, User.email).join(User, User.id == Statement.user_id)
    if filters["status"] == RETRIED:
        query = query.where(Statement.status == SENT, Statement.retried > 0)
    elif filters["status"] in status_labels():
        query = query.where(Statement.status == filters["status"])
    if filters["verb"] in VERBS:
        query = query.where(Statement.verb == filters["verb"])
    if filters["email"]:
        query = query.where(User.email == filters["email"][:254].lower())
    since = _date(filters["since"][:32])
    if filters["since"] and since is None:
        errors["since"] = _("Enter a date as YYYY-MM-DD.")
    elif since is not None:
        query = query.where(Statement.created_at >= since)
    page = _page()
    rows = db.session.execute(
        query.order_by(Statement.order_key.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "scorm_xapi/xapi/statements.html",
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        filters=filters,
        errors=errors,
        status_labels=status_labels(),
        verbs=sorted(VERBS),
        lrs=settings.lrs(),
    ), (400 if errors else 200)


@bp.route("/statements/retry", methods=["POST"])
@login_required
def retry_statements():
    require("admin.access")
    ids = [i[:36] for i in request.form.getlist("statement")][:PAGE_SIZE]
    if request.form.get("all"):
        changed = jobs.retry(everything_failed=True)
    elif ids:
        changed = jobs.retry(statement_ids=ids)
    else:
        changed = 0
    if changed:
        flash(_("%(num)d statements will be sent again.", num=changed), "success")
    else:
        flash(_("Nothing to send again."), "error")
    return redirect(
        url_for(
            "scorm_xapi_xapi.statement_log",
            **{k: v for k, v in request.args.items() if k in ("status", "verb", "email", "since", "page")},
        )
    ), 303
