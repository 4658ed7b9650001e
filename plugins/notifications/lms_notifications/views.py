"""The plugin's pages for everyone: notification settings (preferences, quiet hours,
phone, Telegram, Web Push, the delivery log), the one-click unsubscribe, the bot's
webhook, and teachers' course announcements. The admin's pages are in ``admin.py``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from lms_core import ServiceError, csrf_exempt, current_user, db, gettext as _, login_required, render_fragment, require
from lms_core.models import Course, User

from lms_notifications import announcements, phone, preferences, scenarios
from lms_notifications.channels import push, telegram
from lms_notifications.channels.email import clear_failing, read_unsubscribe_token
from lms_notifications.models import Announcement, Delivery

bp = Blueprint(
    "lms_notifications",
    __name__,
    url_prefix="/notifications",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def channel_labels() -> dict:
    return {"email": _("E-mail"), "sms": _("SMS"), "push": _("Browser"), "telegram": _("Telegram"), "inapp": _("Inbox")}


def frequency_labels() -> dict:
    return {"immediately": _("Immediately"), "daily": _("Daily digest"), "weekly": _("Weekly digest"), "off": _("Off")}


def status_labels() -> dict:
    return {
        "queued": _("Queued"),
        "sending": _("Sending"),
        "sent": _("Sent"),
        "retrying": _("Failed, will retry"),
        "given_up": _("Given up"),
        "skipped": _("Skipped"),
    }


def explain(error: str | None) -> str:
    """A delivery's error in the reader's language when it is one of the plugin's own
    (a provider's answer is shown as the provider gave it)."""
    if not error:
        return ""
    known = {
        "rate limit reached for this person and channel": _("Rate limit reached for this person and channel."),
        "turned off by the recipient": _("Turned off by the recipient."),
        "no channel reaches the recipient": _("No channel reaches the recipient."),
        "the recipient can no longer be reached on this channel": _(
            "The recipient can no longer be reached on this channel."
        ),
        "the recipient or the message no longer exists": _("The recipient or the message no longer exists."),
        "SMS: this month's cap is reached": _("SMS: this month's cap is reached."),
        "SMS: no provider is set": _("SMS: no provider is set."),
        "interrupted: the sending process stopped": _("Interrupted: the sending process stopped; retried."),
    }
    return known.get(error, error)


def visible_scenarios(user) -> list:
    audience = {
        "student": ("learner", "anyone"),
        "teacher": ("learner", "teacher", "anyone"),
        "admin": ("learner", "teacher", "admin", "anyone"),
    }.get(user.role, ("learner", "anyone"))
    return [s for s in scenarios.catalogue() if s.audience in audience]


# ---------------------------------------------------------------- the user's settings


@bp.route("/preferences", methods=["GET", "POST"], endpoint="preferences")
@login_required
def preferences_page():
    user = current_user
    errors, status = {}, 200
    if request.method == "POST":
        try:
            if request.form.get("part") == "quiet":
                preferences.set_quiet_hours(user.id, request.form.get("quiet_start"), request.form.get("quiet_end"))
                flash(_("Quiet hours saved."), "success")
            else:
                values = {}
                for s in visible_scenarios(user):
                    for channel in scenarios.CHANNELS:
                        raw = request.form.get(f"{s.name}:{channel}")
                        if raw is not None and not s.locked:
                            values[(s.name, channel)] = raw
                preferences.save(user.id, values)
                flash(_("Your notification settings were saved."), "success")
            return redirect(url_for("lms_notifications.preferences")), 303
        except ServiceError as exc:
            errors, status = exc.fields or {"form": exc.message}, exc.status
            flash(exc.message, "error")
    return render_settings(user, errors), status


def render_settings(user, errors=None):
    from lms_notifications.channels import all_channels

    listed = visible_scenarios(user)
    choices = preferences.explicit(user.id)
    # Only the channels this site has set up (no SMS column without an SMS provider).
    offered = [name for name, channel in all_channels().items() if channel.configured()]
    grid = [(s, {c: preferences.effective(s, c, choices) for c in offered}) for s in listed]
    profile = preferences.profile_of(user.id)
    recent = (
        db.session.execute(
            db.select(Delivery)
            .where(Delivery.user_id == user.id, Delivery.channel != "inapp")
            .order_by(Delivery.id.desc())
            .limit(20)
        )
        .scalars()
        .all()
    )
    labels = {s.name: s.label for s in scenarios.declared().values()}
    return render_template(
        "notifications/preferences.html",
        grid=grid,
        channels=offered,
        channel_labels=channel_labels(),
        frequency_labels=frequency_labels(),
        status_labels=status_labels(),
        profile=profile,
        errors=errors or {},
        subscriptions=push.subscriptions_of(user.id),
        telegram_bot=telegram.bot().get("username"),
        recent=recent,
        scenario_labels=labels,
        form=request.form if request.method == "POST" else {},
    )


@bp.post("/phone")
@login_required
def phone_request():
    try:
        phone.request_code(current_user.id, request.form.get("phone", ""))
        flash(_("We sent a code by SMS. Enter it below."), "success")
    except ServiceError as exc:
        flash(exc.message, "error")
        return render_settings(current_user, exc.fields), exc.status
    return redirect(url_for("lms_notifications.preferences") + "#phone"), 303


@bp.post("/phone/verify")
@login_required
def phone_verify():
    try:
        phone.verify(current_user.id, request.form.get("code", ""))
        flash(_("Your phone number is confirmed."), "success")
    except ServiceError as exc:
        flash(exc.message, "error")
        return render_settings(current_user, exc.fields), exc.status
    return redirect(url_for("lms_notifications.preferences") + "#phone"), 303


@bp.post("/phone/remove")
@login_required
def phone_remove():
    phone.remove(current_user.id)
    flash(_("Your phone number was removed."), "success")
    return redirect(url_for("lms_notifications.preferences") + "#phone"), 303


@bp.post("/telegram/link")
@login_required
def telegram_link():
    link = telegram.link_url(current_user.id)
    if link is None:
        flash(_("Telegram is not set up on this site yet."), "error")
        return redirect(url_for("lms_notifications.preferences") + "#telegram"), 303
    return redirect(link), 303


@bp.post("/telegram/unlink")
@login_required
def telegram_unlink():
    profile = preferences.profile_of(current_user.id)
    if profile is not None:
        profile.telegram_chat_id = None
        db.session.commit()
    flash(_("Telegram was unlinked."), "success")
    return redirect(url_for("lms_notifications.preferences") + "#telegram"), 303


@bp.post("/telegram/webhook")
@csrf_exempt  # the bot's updates: checked by the secret token header
def telegram_webhook():
    if not telegram.webhook_secret_ok(request.headers.get("X-Telegram-Bot-Api-Secret-Token")):
        return jsonify({"error": {"code": "forbidden", "message": "bad secret token"}}), 403
    update = request.get_json(silent=True)
    if not isinstance(update, dict):
        return jsonify({"error": {"code": "invalid", "message": "an update object is expected"}}), 400
    telegram.handle_update(update)
    return jsonify({"ok": True})


@bp.post("/email/confirm")
@login_required
def email_confirm():
    """The user says their address works again: a link is mailed to it to prove it."""
    from lms_core.services import throttle
    from lms_notifications.channels.base import DeliveryError
    from lms_notifications.channels.email import send_confirmation

    # Each click opens an SMTP connection: a few are free, then the waits grow.
    wait = throttle.wait_seconds("notifications.email-confirm", str(current_user.id), free=2)
    if wait:
        flash(_("Please wait %(seconds)d seconds before asking for another link.", seconds=wait), "error")
        return redirect(url_for("lms_notifications.preferences") + "#email"), 303
    throttle.failed("notifications.email-confirm", str(current_user.id))
    try:
        send_confirmation(current_user)
    except DeliveryError as exc:
        flash(
            _("The mail server still refuses %(address)s: %(error)s", address=current_user.email, error=str(exc)),
            "error",
        )
        return redirect(url_for("lms_notifications.preferences") + "#email"), 303
    flash(_("We sent a link to %(address)s: open it to receive e-mail again.", address=current_user.email), "success")
    return redirect(url_for("lms_notifications.preferences") + "#email"), 303


@bp.get("/email/confirm/<token>")
def email_confirmed(token):
    from lms_notifications.channels.email import read_confirm_token

    found = read_confirm_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None or user.email != found[1]:
        flash(_("This link is not valid (any more)."), "error")
        return redirect(url_for("lms_notifications.preferences")), 303
    clear_failing(user.id)
    flash(_("Thank you: e-mail to %(address)s is sent again.", address=user.email), "success")
    return redirect(url_for("lms_notifications.preferences") + "#email"), 303


# ---------------------------------------------------------------- Web Push (JSON, from static/push.js)


@bp.get("/push/key")
@login_required
def push_key():
    return jsonify({"public_key": push.public_key()})


def _subscription_json():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
        return None
    keys = data.get("keys")
    if not isinstance(keys, dict) or not all(isinstance(keys.get(k), str) and keys.get(k) for k in ("p256dh", "auth")):
        return None
    if len(data["endpoint"]) > 2000 or len(keys["p256dh"]) > 200 or len(keys["auth"]) > 64:
        return None
    return data["endpoint"], keys["p256dh"], keys["auth"]


@bp.post("/push/subscribe")
@login_required
def push_subscribe():
    found = _subscription_json()
    if found is None:
        return jsonify({"error": {"code": "invalid", "message": _("This is not a push subscription.")}}), 400
    try:
        push.subscribe(current_user.id, *found, user_agent=request.headers.get("User-Agent"))
    except ValueError:
        return jsonify({"error": {"code": "invalid", "message": _("This is not a push subscription.")}}), 400
    return jsonify({"subscribed": True})


@bp.post("/push/unsubscribe")
@login_required
def push_unsubscribe():
    data = request.get_json(silent=True) or {}
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        return jsonify({"error": {"code": "invalid", "message": _("This is not a push subscription.")}}), 400
    return jsonify({"unsubscribed": push.unsubscribe(current_user.id, endpoint)})


# ---------------------------------------------------------------- one-click unsubscribe (RFC 8058)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf_exempt  # a mail client's POST (RFC 8058): the signed token is the proof
def one_click_unsubscribe(token):
    found = read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user_id, scenario_name = found
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    scenario = scenarios.get(scenario_name)
    done = request.method == "POST"
    if done:
        preferences.unsubscribe(user_id, scenario_name)
        if request.form.get("List-Unsubscribe") == "One-Click":
            return "", 200  # the mail client's one-click request wants no page
    from flask_babel import force_locale

    language = (
        (current_user.locale if current_user else None)
        or user.locale
        or request.accept_languages.best_match(current_app.config["LMS_LANGUAGES"])
        or current_app.config["LMS_DEFAULT_LANGUAGE"]
    )
    with force_locale(language):
        return render_template("notifications/unsubscribed.html", scenario=scenario, done=done, token=token)


# ---------------------------------------------------------------- announcements (teachers)


@bp.route("/courses/<int:course_id>/announcements", methods=["GET", "POST"])
@login_required
def course_announcements(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            announcement = announcements.create(
                current_user, request.form.get("subject", ""), request.form.get("body", ""), course=course
            )
            flash(_("The announcement is on its way to %(num)d people.", num=announcement.recipients), "success")
            return redirect(url_for("lms_notifications.announcement", announcement_id=announcement.id)), 303
        except ServiceError as exc:
            errors, status = exc.fields, exc.status
    return render_template(
        "notifications/announcements.html",
        course=course,
        errors=errors,
        form=request.form,
        items=[(a, announcements.report(a)) for a in announcements.for_course(course.id)],
        audiences=None,
    ), status


def _announcement_or_404(announcement_id: int) -> Announcement:
    announcement = db.get_or_404(Announcement, announcement_id)
    if announcement.course_id is not None:
        require("course.edit", db.session.get(Course, announcement.course_id))
    else:
        require("admin.access")
    return announcement


@bp.get("/announcements/<int:announcement_id>")
@login_required
def announcement(announcement_id):
    item = _announcement_or_404(announcement_id)
    course = db.session.get(Course, item.course_id) if item.course_id else None
    return render_template(
        "notifications/announcement.html", item=item, course=course, report=announcements.report(item)
    )


@bp.get("/announcements/<int:announcement_id>/progress")
@login_required
def announcement_progress(announcement_id):
    return jsonify(announcements.report(_announcement_or_404(announcement_id)))


def course_fragment(user, course):
    """A link to the course's announcements for its teachers, on the course page."""
    from lms_core import is_staff

    if user is None or user.role not in ("teacher", "admin") or not is_staff(db.session.get(User, user.id), course):
        return None
    return Markup(render_fragment("notifications/_course_fragment.html", course=course))


from lms_notifications import admin  # noqa: E402,F401  (the admin's pages, on the same blueprint)
