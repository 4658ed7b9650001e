"""The admin's pages: channel settings (Telegram bot, SMS provider, cap and cost, Web
Push keys) with the providers' last errors, scenario defaults and locks, templates per
language with a preview, the delivery log, and announcements to everyone or a role."""

from __future__ import annotations


from flask import abort, current_app, flash, redirect, render_template, request, url_for

from lms_core import ServiceError, current_user, db, gettext as _, login_required, require
from lms_core.models import User

from lms_notifications import announcements, scenarios, settings, templating
from lms_notifications.channels import push, sms, telegram
from lms_notifications.channels.base import DeliveryError
from lms_notifications.models import STATUSES, Delivery, Template
from lms_notifications.views import bp, channel_labels, explain, frequency_labels, status_labels

PAGE_SIZE = 50


def _admin():
    require("admin.access")


@bp.route("/admin", methods=["GET", "POST"])
@login_required
def admin_settings():
    _admin()
    errors, status = {}, 200
    if request.method == "POST":
        part = request.form.get("part")
        try:
            if part == "telegram":
                _save_telegram(request.form)
            elif part == "sms":
                _save_sms(request.form)
            elif part == "push":
                subject = request.form.get("subject", "").strip()
                if subject and not subject.startswith(("mailto:", "https://")):
                    raise ServiceError(
                        "invalid",
                        _("The settings were not saved."),
                        400,
                        {"subject": _("Use a mailto: or https:// address.")},
                    )
                value = settings.get("vapid")
                value["subject"] = subject
                settings.put("vapid", value)
            flash(_("The settings were saved."), "success")
            return redirect(url_for("lms_notifications.admin_settings")), 303
        except ServiceError as exc:
            errors, status = exc.fields, exc.status
            flash(exc.message, "error")
    usage = sms.usage()
    return render_template(
        "notifications/admin_settings.html",
        telegram=telegram.bot(),
        sms_config=settings.get("sms"),
        providers=sms.PROVIDERS,
        usage=usage,
        month=sms.month_key(),
        push_key=push.public_key(),
        vapid=settings.get("vapid"),
        errors=errors,
        provider_errors=settings.provider_errors(),
        channel_labels=channel_labels(),
        webhook_url=url_for("lms_notifications.telegram_webhook", _external=True),
    ), status


def _save_telegram(form) -> None:
    token = form.get("token", "").strip()
    if form.get("remove"):
        settings.put("telegram", {})
        settings.record_provider_error("telegram", None)
        return
    if not token:
        raise ServiceError("invalid", _("The settings were not saved."), 400, {"token": _("Enter the bot token.")})
    try:
        current = telegram.set_token(token)
    except DeliveryError as exc:
        settings.record_provider_error("telegram", str(exc))
        raise ServiceError(
            "provider",
            _("Telegram did not accept the token: %(error)s", error=str(exc)),
            400,
            {"token": _("Telegram did not accept the token: %(error)s", error=str(exc))},
        ) from exc
    settings.record_provider_error("telegram", None)
    if form.get("webhook"):
        try:
            telegram.call(
                "setWebhook",
                {
                    "url": url_for("lms_notifications.telegram_webhook", _external=True),
                    "secret_token": current["webhook_secret"],
                    "allowed_updates": ["message"],
                },
            )
            settings.update("telegram", webhook=True)
        except DeliveryError as exc:
            raise ServiceError(
                "provider", _("Telegram refused the webhook: %(error)s", error=str(exc)), 400, {"webhook": str(exc)}
            ) from exc
    else:
        settings.update("telegram", webhook=False)


def _save_sms(form) -> None:
    errors = {}
    provider = form.get("provider", "")
    if provider and provider not in sms.PROVIDERS:
        errors["provider"] = _("Choose one of the offered values.")
    value = settings.get("sms")
    for name in ("twilio_sid", "twilio_from", "smsru_from", "currency"):
        value[name] = form.get(name, "").strip()[:100]
    for name in ("twilio_token", "smsru_api_id"):  # secrets: an empty field keeps the stored one
        if form.get(name, "").strip():
            value[name] = form.get(name).strip()[:200]
    try:
        cost = float(form.get("cost_per_segment") or 0)
        if not (0 <= cost < 1000) or cost != cost:
            raise ValueError
        value["cost_per_segment"] = cost
    except ValueError:
        errors["cost_per_segment"] = _("Enter a price such as 0.05.")
    raw_cap = (form.get("monthly_cap") or "0").strip()
    if not raw_cap.isascii() or not raw_cap.isdigit() or int(raw_cap) > 10**9:
        errors["monthly_cap"] = _("Enter a whole number (0: no cap).")
    else:
        value["monthly_cap"] = int(raw_cap)
    if errors:
        raise ServiceError("invalid", _("The settings were not saved."), 400, errors)
    value["provider"] = provider
    settings.put("sms", value)
    settings.record_provider_error("sms", None)


# ---------------------------------------------------------------- scenarios and templates


@bp.route("/admin/scenarios", methods=["GET", "POST"])
@login_required
def admin_scenarios():
    _admin()
    catalogue = scenarios.catalogue()
    if request.method == "POST":
        name = request.form.get("scenario", "")
        if name not in {s.name for s in catalogue}:
            flash(_("No such scenario."), "error")
            return redirect(url_for("lms_notifications.admin_scenarios")), 303
        chosen = [c for c in request.form.getlist("channels") if c in scenarios.CHANNELS]
        frequency = request.form.get("frequency")
        if frequency not in scenarios.FREQUENCIES:
            flash(_("Choose one of the offered values."), "error")
            return redirect(url_for("lms_notifications.admin_scenarios")), 303
        # The fallback order is the order of the ranks given (1, 2, ...).
        ranks = {c: request.form.get(f"rank-{c}", "9") for c in chosen}
        chosen.sort(key=lambda c: (int(ranks[c]) if ranks[c].isascii() and ranks[c].isdigit() else 9, c))
        scenarios.save_defaults(name, chosen, frequency, bool(request.form.get("locked")))
        flash(_("The defaults were saved."), "success")
        return redirect(url_for("lms_notifications.admin_scenarios") + f"#{name}"), 303
    return render_template(
        "notifications/admin_scenarios.html",
        catalogue=catalogue,
        channels=scenarios.CHANNELS,
        channel_labels=channel_labels(),
        frequency_labels=frequency_labels(),
    )


@bp.route("/admin/scenarios/<name>", methods=["GET", "POST"])
@login_required
def admin_scenario(name):
    _admin()
    scenario = scenarios.declared().get(name)
    if scenario is None:
        abort(404)
    languages = list(current_app.config["LMS_LANGUAGES"])
    language = request.values.get("language") if request.values.get("language") in languages else languages[0]
    sources = templating.admin_sources(name, language)
    defaults = templating.default_sources(scenario, language)
    errors, status, overrides = {}, 200, None
    if request.method == "POST":
        submitted = {part: request.form.get(part, "") for part in scenarios.PARTS}
        for part, source in submitted.items():
            if len(source) > 20000:
                errors[part] = _("20,000 characters at most.")
                continue
            if source.strip():
                problem = templating.check_source(source, _sample(scenario), autoescape=part == "html")
                if problem:
                    errors[part] = _("This template does not work with the sample data: %(error)s", error=problem)
        if request.form.get("action") == "preview" or errors:
            overrides, sources = {k: v for k, v in submitted.items() if v.strip()}, submitted
            status = 400 if errors and request.form.get("action") != "preview" else 200
        else:
            _save_templates(name, language, submitted)
            flash(_("The templates were saved."), "success")
            return redirect(url_for("lms_notifications.admin_scenario", name=name, language=language)), 303
    message, broken = templating.render(scenario, language, _sample(scenario), overrides=overrides)
    return render_template(
        "notifications/admin_scenario.html",
        scenario=scenario,
        language=language,
        languages=languages,
        sources=sources,
        defaults=defaults,
        message=message,
        broken=broken,
        errors=errors,
        sms_cost=sms.cost_of(message.short),
        parts=scenarios.PARTS,
    ), status


def _sample(scenario) -> dict:
    return dict(scenario.sample) | {
        "user_name": current_user.name,
        "site_name": current_app.config["LMS_SITE_NAME"],
        "url": current_app.config.get("LMS_BASE_URL", "") + "/",
        "title": str(scenario.label),
        "body": str(scenario.description),
    }


def _save_templates(name: str, language: str, submitted: dict) -> None:
    for part, source in submitted.items():
        row = db.session.execute(
            db.select(Template).where(Template.scenario == name, Template.language == language, Template.part == part)
        ).scalar_one_or_none()
        if source.strip():
            if row is None:
                db.session.add(Template(scenario=name, language=language, part=part, source=source))
            else:
                row.source = source
        elif row is not None:
            db.session.delete(row)  # empty: back to the default
    db.session.commit()


# ---------------------------------------------------------------- the delivery log


@bp.get("/admin/deliveries")
@login_required
def admin_deliveries():
    _admin()
    filters = {k: request.args.get(k, "").strip() for k in ("status", "channel", "scenario", "email")}
    query = db.select(Delivery, User.email).join(User, User.id == Delivery.user_id).where(Delivery.channel != "inapp")
    if filters["status"] in STATUSES:
        query = query.where(Delivery.status == filters["status"])
    if filters["channel"] in scenarios.CHANNELS:
        query = query.where(Delivery.channel == filters["channel"])
    if filters["scenario"]:
        query = query.where(Delivery.scenario == filters["scenario"][:64])
    if filters["email"]:
        query = query.where(User.email == filters["email"][:254].lower())
    raw_page = request.args.get("page", "1")
    page = min(int(raw_page), 10**6) if raw_page.isascii() and raw_page.isdigit() and int(raw_page) > 0 else 1
    rows = db.session.execute(
        query.order_by(Delivery.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "notifications/admin_deliveries.html",
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        filters=filters,
        statuses=STATUSES,
        channels=scenarios.CHANNELS,
        status_labels=status_labels(),
        channel_labels=channel_labels(),
        catalogue=scenarios.catalogue(),
        provider_errors=settings.provider_errors(),
        explain=explain,
    )


# ---------------------------------------------------------------- announcements to everyone or a role


@bp.route("/admin/announcements", methods=["GET", "POST"])
@login_required
def admin_announcements():
    _admin()
    errors, status = {}, 200
    if request.method == "POST":
        try:
            item = announcements.create(
                current_user,
                request.form.get("subject", ""),
                request.form.get("body", ""),
                audience=request.form.get("audience", ""),
            )
            flash(_("The announcement is on its way to %(num)d people.", num=item.recipients), "success")
            return redirect(url_for("lms_notifications.announcement", announcement_id=item.id)), 303
        except ServiceError as exc:
            errors, status = exc.fields, exc.status
    audiences = {
        "everyone": _("Everyone"),
        "student": _("Students"),
        "teacher": _("Teachers"),
        "admin": _("Administrators"),
    }
    return render_template(
        "notifications/announcements.html",
        course=None,
        errors=errors,
        form=request.form,
        items=[(a, announcements.report(a)) for a in announcements.platform_wide()],
        audiences=audiences,
    ), status
