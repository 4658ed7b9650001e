"""Sign-up, log-in (rate-limited), account settings, API tokens, language choice."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from lms_core import cache
from lms_core.auth import log_in, log_out, login_required
from lms_core.extensions import db
from lms_core.models import ApiToken
from lms_core.services import ServiceError, accounts
from lms_core.web.forms import AccountForm, LoginForm, PasswordForm, RegisterForm, TokenForm

bp = Blueprint("auth", __name__)

COMMON_TIMEZONES = ["UTC", "Europe/London", "Europe/Berlin", "Europe/Moscow", "Asia/Yekaterinburg",
                    "Asia/Novosibirsk", "Asia/Vladivostok", "America/New_York", "America/Chicago",
                    "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"]


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


def _login_limit_keys(email: str) -> list[str]:
    return [f"login:addr:{request.remote_addr}", f"login:email:{accounts.normalise_email(email)}"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        keys = _login_limit_keys(form.email.data)
        limit = current_app.config["LMS_LOGIN_RATE_LIMIT"]
        window = current_app.config["LMS_LOGIN_RATE_WINDOW"]
        if any(cache.read_counter(k) >= limit for k in keys):
            return render_template("auth/login.html", form=form, error=_(
                "Too many failed attempts. Please wait a few minutes and try again.")), 429
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            for key in keys:
                cache.increment(key, window)
            return render_template("auth/login.html", form=form, error=_("Wrong e-mail address or password.")), 401
        cache.reset_counter(keys[1])
        log_in(user)
        db.session.commit()
        return redirect(safe_next(url_for("learn.dashboard")))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form, error=None), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(form.email.data, form.name.data, form.password.data,
                                     locale=session.get("locale"))
        except ServiceError as exc:
            for name, message in exc.fields.items():
                if hasattr(form, name):
                    getattr(form, name).errors = [message]
            if not exc.fields:
                flash(exc.message, "error")
            return render_template("auth/register.html", form=form), exc.status
        log_in(user)
        db.session.commit()
        flash(_("Welcome, %(name)s!", name=user.name), "success")
        return redirect(safe_next(url_for("catalogue.index")))
    return render_template("auth/register.html", form=form), 400 if form.is_submitted() else 200


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
            g.user.locale = language
            db.session.commit()
    return redirect(safe_next(url_for("catalogue.index")))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = g.user
    form = AccountForm(obj=user, prefix="account")
    form.locale.choices = [(c, n) for c, n in _language_choices()]
    form.timezone.choices = [(tz, tz) for tz in COMMON_TIMEZONES]
    password_form = PasswordForm(prefix="password")
    token_form = TokenForm(prefix="token")
    new_token = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if action == "profile" and form.validate():
            try:
                accounts.update_profile(user, name=form.name.data, locale=form.locale.data,
                                        timezone=form.timezone.data)
            except ServiceError as exc:
                for name, message in exc.fields.items():
                    getattr(form, name).errors = [message]
                status = 400
            else:
                session["locale"] = user.locale
                flash(_("Your settings were saved."), "success")
                return redirect(url_for("auth.account"))
        elif action == "password" and password_form.validate():
            if not user.check_password(password_form.current.data):
                password_form.current.errors = [_("The current password is wrong.")]
                status = 400
            else:
                user.set_password(password_form.password.data)
                db.session.commit()
                log_in(user)
                flash(_("Your password was changed."), "success")
                return redirect(url_for("auth.account"))
        elif action == "token" and token_form.validate():
            token, new_token = ApiToken.issue(user, token_form.name.data.strip())
            db.session.add(token)
            db.session.commit()
        elif action == "revoke":
            token = db.session.get(ApiToken, request.form.get("token_id", type=int) or 0)
            if token is not None and token.user_id == user.id:
                db.session.delete(token)
                db.session.commit()
                flash(_("The token was revoked."), "success")
            return redirect(url_for("auth.account"))
        else:
            status = 400
    tokens = db.session.execute(db.select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at)).scalars().all()
    return render_template("auth/account.html", form=form, password_form=password_form, token_form=token_form,
                           tokens=tokens, new_token=new_token), status


def _language_choices():
    from lms_core.i18n import language_names

    return language_names().items()
