"""Log-in (throttled, with a second step for two-factor accounts), sign-up, password
reset and the e-mail links, language choice. State changes go through the services."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from lms_core.auth import log_in, log_out
from lms_core.extensions import db
from lms_core.models import User
from lms_core.services import ServiceError, accounts, throttle, two_factor
from lms_core.web.forms import CodeForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm

bp = Blueprint("auth", __name__)

PENDING = "two_factor_pending"
PENDING_SECONDS = 300  # the password step is good for this long


def safe_next(default: str) -> str:
    target = request.values.get("next") or ""
    # Browsers read "/\host" as "//host": a backslash or a control character is never
    # part of one of our own paths.
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def show_errors(form, exc: ServiceError) -> None:
    """A service's field errors at the form's fields; the rest as a message."""
    shown = False
    for name, message in exc.fields.items():
        if hasattr(form, name):
            getattr(form, name).errors = [message]
            shown = True
    if not shown:
        flash(exc.message, "error")


def _too_many(seconds: int) -> str:
    return _("Too many failed attempts. Please wait %(seconds)s seconds and try again.", seconds=seconds)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        wait = throttle.wait_seconds("login", email)
        if wait:
            return render_template("auth/login.html", form=form, error=_too_many(wait)), 429
        user = accounts.authenticate(email, form.password.data)
        if user is None:
            throttle.failed("login", email)
            return render_template("auth/login.html", form=form, error=_("Wrong e-mail address or password.")), 401
        throttle.succeeded("login", email)
        target = safe_next(url_for("learn.dashboard"))
        if user.two_factor_enabled:
            session[PENDING] = {"user": user.id, "at": time.time(), "next": target}
            return redirect(url_for("auth.login_code"))
        log_in(user)
        return redirect(target)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form, error=None), status


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step: a code from the authenticator app, or a recovery code."""
    pending = session.get(PENDING) or {}
    user = db.session.get(User, pending.get("user") or 0) if isinstance(pending, dict) else None
    if user is None or not user.active or time.time() - float(pending.get("at") or 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(_("Please log in again."), "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        subject = f"user:{user.id}"
        wait = throttle.wait_seconds("two-factor", subject)
        if wait:
            form.code.errors = [_too_many(wait)]
            status = 429
        elif two_factor.check(user, form.code.data):
            throttle.succeeded("two-factor", subject)
            log_in(user)  # clears the pending step with the rest of the old session
            return redirect(pending.get("next") or url_for("learn.dashboard"))
        else:
            throttle.failed("two-factor", subject)
            form.code.errors = [_("This code is not right. Enter the code your app shows now, or a recovery code.")]
            status = 400
    elif form.is_submitted():
        status = 400
    return render_template("auth/login_code.html", form=form), status


def _reading_language() -> str | None:
    """The language the visitor chose or their browser asks for; ``None`` when neither
    names one of ours (the account then follows the deployment's default)."""
    languages = current_app.config["LMS_LANGUAGES"]
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages)


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            # The account keeps the language the page was read in (chosen, or the
            # browser's): its e-mails, SMS and live notifications are written in it.
            accounts.sign_up(form.email.data, form.name.data, form.password.data, locale=_reading_language())
        except ServiceError as exc:
            show_errors(form, exc)
            return render_template("auth/register.html", form=form), exc.status
        # The same page for a new address and for one that has an account already.
        return render_template(
            "auth/check_mail.html", email=accounts.normalise_email(form.email.data), reason="sign-up"
        )
    return render_template("auth/register.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data)
        # Every request counts, known address or not: a mailbox cannot be flooded, and
        # the answer stays the same (nothing is sent while the wait lasts).
        if not throttle.wait_seconds("reset-request", email):
            accounts.request_password_reset(email, _reading_language())
        throttle.failed("reset-request", email)
        return render_template("auth/check_mail.html", email=email, reason="reset")
    return render_template("auth/forgot.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    if accounts.valid_token(token, "reset") is None:
        return render_template("auth/link_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except ServiceError as exc:
            show_errors(form, exc)
            return render_template("auth/reset.html", form=form), exc.status
        log_out()
        flash(_("Your password was changed and every session was logged out. Log in with the new password."), "success")
        return redirect(url_for("auth.login")), 303
    return render_template("auth/reset.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/email/verify/<token>")
def verify_email(token):
    try:
        accounts.verify_email(token)
    except ServiceError:
        return render_template("auth/link_invalid.html"), 400
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    return redirect(url_for("auth.account" if g.user else "auth.login")), 303


@bp.route("/email/confirm/<token>")
def confirm_email(token):
    try:
        accounts.confirm_email_change(token)
    except ServiceError as exc:
        if exc.code == "invalid_link":
            return render_template("auth/link_invalid.html"), 400
        return render_template("auth/link_invalid.html", message=exc.message), exc.status
    flash(_("Your new e-mail address is confirmed and in use."), "success")
    return redirect(url_for("auth.account" if g.user else "auth.login")), 303


@bp.route("/logout", methods=["POST"])
def logout():
    log_out()
    return redirect(url_for("catalogue.index"))


@bp.route("/language", methods=["POST"])
def set_language():
    language = request.form.get("language")
    if language in current_app.config["LMS_LANGUAGES"]:
        session["locale"] = language
        if g.user is not None:
            accounts.update_profile(g.user, locale=language)
    return redirect(safe_next(url_for("catalogue.index")))


# ---------------------------------------------------------------- two-factor policy

# What a teacher or admin who must turn two-factor log-in on may still open.
TWO_FACTOR_SETUP_ENDPOINTS = {
    "auth.two_factor",
    "auth.two_factor_qr",
    "auth.logout",
    "auth.set_language",
    "auth.verify_email",
    "auth.confirm_email",
    "static",
}


def enforce_two_factor():
    """Called before every request: staff who must use two-factor log-in and have not
    turned it on are sent to set it up before anything else."""
    user = g.get("user")
    if user is None or g.get("via_token") or user.two_factor_enabled or not two_factor.required_for(user):
        return None
    if request.endpoint in TWO_FACTOR_SETUP_ENDPOINTS:
        return None
    message = _("Your role needs two-factor log-in: turn it on first.")
    if request.path.startswith("/api/"):
        return jsonify({"error": {"code": "two_factor_required", "message": message}}), 403
    flash(message, "error")
    return redirect(url_for("auth.two_factor"))
