"""The account page: profile, password, e-mail address, two-factor log-in, the
sessions and API tokens in use. Routes of the ``auth`` blueprint (their endpoint
names are public: ``auth.account``, ``auth.two_factor``); changes go through services."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from lms_core.auth import login_required
from lms_core.models import utcnow
from lms_core.services import ServiceError, accounts, sessions, two_factor
from lms_core.web.auth import bp, show_errors
from lms_core.web.forms import AccountForm, CodeForm, DisableTwoFactorForm, EmailChangeForm, PasswordForm, TokenForm

COMMON_TIMEZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Vladivostok",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
]


def every_timezone() -> list[str]:
    """Every IANA zone the system knows, the common ones first (a filter box in front
    of the list, js/page.js, finds the others)."""
    from zoneinfo import available_timezones

    known = available_timezones()
    common = [tz for tz in COMMON_TIMEZONES if tz in known or tz == "UTC"]
    return common + sorted(known - set(common) - {"localtime", "Factory"})


def _language_choices():
    from lms_core.i18n import language_names

    return language_names().items()


def _int(name: str) -> int:
    value = request.form.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 0


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = g.user
    form = AccountForm(obj=user, prefix="account")
    form.locale.choices = [(c, n) for c, n in _language_choices()]
    form.timezone.choices = [(tz, tz) for tz in every_timezone()]
    password_form = PasswordForm(prefix="password")
    email_form = EmailChangeForm(prefix="email")
    token_form = TokenForm(prefix="token")
    new_token = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "profile" and form.validate():
                accounts.update_profile(user, name=form.name.data, locale=form.locale.data, timezone=form.timezone.data)
                session["locale"] = user.locale
                flash(_("Your settings were saved."), "success")
                return redirect(url_for("auth.account")), 303
            if action == "password" and password_form.validate():
                accounts.change_password(
                    user, password_form.current.data, password_form.password.data, keep=g.user_session
                )
                flash(_("Your password was changed. Every other session was logged out."), "success")
                return redirect(url_for("auth.account")), 303
            if action == "email" and email_form.validate():
                accounts.request_email_change(user, email_form.email.data, email_form.password.data)
                flash(
                    _(
                        "We sent a link to %(email)s: open it to start using the new address.",
                        email=accounts.normalise_email(email_form.email.data),
                    ),
                    "success",
                )
                return redirect(url_for("auth.account")), 303
            if action == "verify":
                if not user.email_verified:
                    accounts.send_verification(user)
                flash(_("We sent a new confirmation link to %(email)s.", email=user.email), "success")
                return redirect(url_for("auth.account")), 303
            if action == "token" and token_form.validate():
                days = token_form.expires.data
                new_token = accounts.create_api_token(user, token_form.name.data, int(days) if days else None)
            elif action == "revoke":
                if accounts.revoke_api_token(user, _int("token_id")):
                    flash(_("The token was revoked."), "success")
                return redirect(url_for("auth.account")), 303
            elif action == "end_session":
                if sessions.end_one_of(user, _int("session_id")):
                    flash(_("That session was logged out."), "success")
                return redirect(url_for("auth.account")), 303
            elif action == "end_other_sessions":
                count = sessions.end_all(user, keep=g.user_session)
                flash(_("%(count)s other sessions were logged out.", count=count), "success")
                return redirect(url_for("auth.account")), 303
            elif action != "token":
                status = 400
        except ServiceError as exc:
            target = {"profile": form, "password": password_form, "email": email_form, "token": token_form}.get(action)
            if target is not None:
                show_errors(target, exc)
            else:
                flash(exc.message, "error")
            status = exc.status
    return render_template(
        "auth/account.html",
        form=form,
        password_form=password_form,
        email_form=email_form,
        token_form=token_form,
        tokens=accounts.api_tokens_of(user),
        new_token=new_token,
        sessions=sessions.of_user(user),
        current_session=g.user_session,
        now=utcnow(),
    ), status


@login_required
def two_factor_page():
    user = g.user
    code_form = CodeForm(prefix="code")
    disable_form = DisableTwoFactorForm(prefix="disable")
    recovery_codes = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "begin":
                two_factor.begin_setup(user)
            elif action == "confirm" and code_form.validate():
                recovery_codes = two_factor.confirm_setup(user, code_form.code.data)
                code_form.code.data = ""
                flash(_("Two-factor log-in is on. Keep the recovery codes below somewhere safe."), "success")
            elif action == "recovery" and code_form.validate():
                if not two_factor.check(user, code_form.code.data):
                    raise ServiceError(
                        "invalid_code",
                        "",
                        400,
                        {"code": _("This code is not right. Enter the code your app shows now, or a recovery code.")},
                    )
                recovery_codes = two_factor.regenerate_recovery_codes(user)
                code_form.code.data = ""
                flash(_("New recovery codes were made; the old ones no longer work."), "success")
            elif action == "disable" and disable_form.validate():
                if two_factor.required_for(user):
                    raise ServiceError("two_factor_required", _("Your role needs two-factor log-in: it stays on."), 403)
                accounts.check_current_password(user, disable_form.password.data, field="password")
                two_factor.disable(user)
                flash(_("Two-factor log-in is off."), "success")
                return redirect(url_for("auth.two_factor")), 303
            else:
                status = 400
        except ServiceError as exc:
            show_errors(disable_form if action == "disable" else code_form, exc)
            status = exc.status
    return render_template(
        "auth/two_factor.html",
        user=user,
        code_form=code_form,
        disable_form=disable_form,
        recovery_codes=recovery_codes,
        required=two_factor.required_for(user),
        codes_left=two_factor.recovery_codes_left(user) if user.two_factor_enabled else 0,
        secret=user.totp_secret if not user.two_factor_enabled else None,
    ), status


# The endpoint is ``auth.two_factor`` (a public name); the function name says what it is.
bp.add_url_rule("/account/two-factor", "two_factor", two_factor_page, methods=["GET", "POST"])


@bp.route("/account/two-factor/qr.svg")
@login_required
def two_factor_qr():
    user = g.user
    if user.two_factor_enabled or not user.totp_secret:
        abort(404)  # the secret is shown only while it is being set up
    response = Response(two_factor.qr_svg(user), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response
