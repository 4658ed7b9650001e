"""The plugin's pages: a course's live sessions, scheduling, a session, joining through
the LMS (a link signed for the viewer), attendance, recordings and calendar feeds.
Webhooks live on their own blueprint (``hooks_bp``), outside CSRF protection."""

from __future__ import annotations

import secrets
from zoneinfo import available_timezones

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms_core import ServiceError, can, csrf_exempt, current_user, db, login_required, public_url
from lms_core.models import Course, User, utcnow

from lms_zoom import attendance, calendar, providers, sessions, webhooks
from lms_zoom.models import PENDING, READY, CourseRule, LiveSession, Occurrence, Recording
from lms_zoom.providers import ProviderError

bp = Blueprint(
    "zoom", __name__, url_prefix="/zoom", template_folder="templates", static_folder="static", static_url_path="/static"
)
# Providers cannot send our CSRF token: each webhook is verified by its signature instead.
hooks_bp = csrf_exempt(Blueprint("zoom_hooks", __name__, url_prefix="/zoom/webhooks"))
JOIN_LINK_AGE = 12 * 3600
WEEKDAYS = range(7)


@bp.app_template_global()
def zoom_weekday(number: int) -> str:
    from babel.dates import get_day_names
    from flask_babel import get_locale

    return get_day_names("abbreviated", locale=str(get_locale() or "en"))[number]


@bp.app_template_global()
def zoom_provider_label(name: str) -> str:
    return str(providers.LABELS.get(name, name))


@bp.app_template_global()
def zoom_language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


@bp.app_template_filter()
def zoom_zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@bp.app_template_global()
def zoom_minutes(seconds) -> str:
    if not seconds:
        return ""
    return _("%(num)d min", num=round(seconds / 60))


def _course(course_id: int, action: str) -> Course:
    course = db.get_or_404(Course, course_id)
    if not can(current_user, action, course):
        abort(403)
    return course


def _session(session_id: int, action: str) -> LiveSession:
    session = db.get_or_404(LiveSession, session_id)
    if not can(current_user, action, session):
        abort(403)
    return session


# --------------------------------------------------------------------------- join links


def _join_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="zoom.join")


def join_token(occurrence: Occurrence, user) -> str:
    """A join link for ``user`` only: it names them, and the join page checks that the
    person who opens it is logged in as them (a forwarded link is useless)."""
    return _join_serializer().dumps({"o": occurrence.id, "u": user.id, "v": secrets.token_hex(8)})


def _read_join(token: str) -> dict:
    try:
        data = _join_serializer().loads(token, max_age=JOIN_LINK_AGE)
    except SignatureExpired:
        raise ServiceError(
            "join_link_expired", _("This join link has expired. Open the session page again."), 410
        ) from None
    except BadSignature:
        raise ServiceError("join_link_invalid", _("This join link is not valid."), 404) from None
    if current_user is None or data.get("u") != current_user.id:
        raise ServiceError(
            "join_link_other_user",
            _("This join link was made for another account. Log in as yourself and join from the session page."),
            403,
        )
    return data


@bp.app_template_global()
def zoom_join_url(occurrence: Occurrence) -> str:
    return url_for("zoom.join", token=join_token(occurrence, current_user))


# --------------------------------------------------------------------------- course and session pages


@bp.route("/courses/<int:course_id>/")
@login_required
def course_sessions(course_id):
    course = _course(course_id, "zoom.view")
    staff = can(current_user, "zoom.manage", course)
    rows = sessions.course_sessions(course.id, staff)
    recordings = _recordings(course.id)
    return render_template(
        "zoom/course.html",
        course=course,
        staff=staff,
        sessions_=rows,
        now=utcnow(),
        recordings=recordings,
        rule=db.session.get(CourseRule, course.id),
        course_calendar=public_url(
            "zoom.course_calendar", course_id=course.id, signature=calendar.course_signature(course.id)
        ),
        next_occurrence=sessions.next_occurrence,
        can_join_now=sessions.can_join_now,
        join_opens=sessions.join_opens,
    )


def _recordings(course_id: int) -> list[Recording]:
    return list(
        db.session.execute(
            db.select(Recording)
            .join(Occurrence, Occurrence.id == Recording.occurrence_id)
            .join(LiveSession, LiveSession.id == Occurrence.session_id)
            .where(LiveSession.course_id == course_id, Recording.removed_at.is_(None))
            .order_by(Occurrence.starts_at.desc())
        ).scalars()
    )


def _form_page(course, session=None, error=None, status=200):
    now = utcnow()
    form = request.form if request.method == "POST" else None
    return render_template(
        "zoom/form.html",
        course=course,
        session=session,
        error=error,
        form=form,
        providers_=providers.enabled(),
        default_provider=providers.default(),
        provider_objects={n: providers.get(n) for n in providers.NAMES},
        time_zones=sorted(available_timezones()),
        weekdays=WEEKDAYS,
        time_zone=(current_user.timezone or current_app.config["LMS_DEFAULT_TIMEZONE"]),
        now=now,
    ), status


@bp.route("/courses/<int:course_id>/new", methods=["GET", "POST"])
@login_required
def new(course_id):
    course = _course(course_id, "zoom.manage")
    if request.method == "POST":
        try:
            session = sessions.schedule(current_user, course, sessions.parse(request.form, course))
        except ServiceError as exc:
            return _form_page(course, error=exc, status=exc.status)
        return redirect(url_for("zoom.session", session_id=session.id))
    return _form_page(course)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id):
    session = _session(session_id, "zoom.manage")
    course = db.session.get(Course, session.course_id)
    if request.method == "POST":
        try:
            sessions.edit(current_user, session, sessions.parse(request.form, course, session))
        except ServiceError as exc:
            db.session.rollback()
            return _form_page(course, session, error=exc, status=exc.status)
        flash(_("The session was saved."), "success")
        return redirect(url_for("zoom.session", session_id=session.id))
    return _form_page(course, session)


@bp.route("/sessions/<int:session_id>")
@login_required
def session(session_id):
    live = _session(session_id, "zoom.view")
    course = db.session.get(Course, live.course_id)
    staff = can(current_user, "zoom.manage", course)
    mine = {}
    if not staff:
        mine = attendance.minutes_of([o.id for o in live.occurrences if o.starts_at <= utcnow()], current_user.id)
    return render_template(
        "zoom/session.html",
        course=course,
        live=live,
        staff=staff,
        now=utcnow(),
        mine=mine,
        next_occurrence=sessions.next_occurrence(live),
        can_join_now=sessions.can_join_now,
        join_opens=sessions.join_opens,
        percent=attendance.percent,
    )


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel(session_id):
    live = _session(session_id, "zoom.manage")
    sessions.cancel(current_user, live)
    flash(_("The session is cancelled; the learners are told."), "success")
    return redirect(url_for("zoom.course_sessions", course_id=live.course_id))


@bp.route("/sessions/<int:session_id>/retry", methods=["POST"])
@login_required
def retry(session_id):
    live = _session(session_id, "zoom.manage")
    sessions.retry(live)
    db.session.expire_all()
    live = db.session.get(LiveSession, session_id)
    if live.state == READY and not live.needs_sync:
        flash(_("The meeting is ready at %(provider)s.", provider=zoom_provider_label(live.provider)), "success")
    return redirect(url_for("zoom.session", session_id=session_id))


@bp.route("/courses/<int:course_id>/rule", methods=["POST"])
@login_required
def rule(course_id):
    course = _course(course_id, "zoom.manage")
    try:
        attendance.set_rule(course.id, request.form.get("sessions"), request.form.get("percent"))
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("zoom.course_sessions", course_id=course.id)), 303
    flash(_("The attendance requirement was saved."), "success")
    return redirect(url_for("zoom.course_sessions", course_id=course.id))


# --------------------------------------------------------------------------- joining


@bp.route("/join/<token>")
@login_required
def join(token):
    data = _read_join(token)
    occurrence = db.get_or_404(Occurrence, data["o"])
    live = occurrence.session
    course = db.session.get(Course, live.course_id)
    if not can(current_user, "zoom.view", occurrence):
        abort(403)
    if not sessions.can_join_now(occurrence):
        raise ServiceError(
            "not_open",
            _(
                "You can join from %(when)s until the end of the session.",
                when=_format(sessions.join_opens(occurrence)),
            ),
            409,
        )
    moderator = can(current_user, "zoom.manage", course)
    try:
        target = providers.get(live.provider).join(live, occurrence, db.session.get(User, current_user.id), moderator)
    except ProviderError as exc:
        current_app.logger.warning("join live session %s: %s", live.id, exc)
        raise ServiceError(
            "provider_unavailable",
            _(
                "%(provider)s is not answering right now. Try again in a minute.",
                provider=zoom_provider_label(live.provider),
            ),
            503,
        ) from exc
    if target.url:
        return redirect(target.url)
    return render_template(
        "zoom/room.html",
        course=course,
        live=live,
        occurrence=occurrence,
        embed=target.embed,
        beat_url=url_for("zoom.beat", token=token),
        staff=moderator,
    )


def _format(value) -> str:
    from flask_babel import format_datetime

    return format_datetime(value, "short")


@bp.route("/join/<token>/beat", methods=["POST"])
@login_required
def beat(token):
    try:
        data = _read_join(token)
    except ServiceError as exc:
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.status
    occurrence = db.get_or_404(Occurrence, data["o"])
    if not sessions.can_join_now(occurrence) and (occurrence.ended_at or occurrence.ends_at) < utcnow():
        return jsonify({"error": {"code": "ended", "message": _("The session is over.")}}), 409
    if not can(current_user, "zoom.manage", occurrence):  # teachers are not counted as attending
        attendance.heartbeat(occurrence, current_user.id, data["v"])
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- attendance and recordings


@bp.route("/occurrences/<int:occurrence_id>/attendance", methods=["GET", "POST"])
@login_required
def occurrence_attendance(occurrence_id):
    occurrence = db.get_or_404(Occurrence, occurrence_id)
    if not can(current_user, "zoom.manage", occurrence):
        abort(403)
    error, status = None, 200
    if request.method == "POST":
        try:
            user_id = int(request.form.get("user_id") or 0)
            attendance.correct(
                current_user, occurrence, user_id, request.form.get("minutes"), request.form.get("reason")
            )
            flash(_("The attendance was corrected."), "success")
            return redirect(url_for("zoom.occurrence_attendance", occurrence_id=occurrence.id))
        except (ServiceError, ValueError) as exc:
            error = exc if isinstance(exc, ServiceError) else ServiceError("invalid", _("Choose a learner."), 400)
            status = error.status
    rows = attendance.occurrence_rows(occurrence, sessions.learners(occurrence.session.course_id))
    return render_template(
        "zoom/attendance.html",
        occurrence=occurrence,
        live=occurrence.session,
        course=db.session.get(Course, occurrence.session.course_id),
        rows=rows,
        error=error,
        percent=attendance.percent,
    ), status


@bp.route("/occurrences/<int:occurrence_id>/attendance.csv")
@login_required
def attendance_csv(occurrence_id):
    occurrence = db.get_or_404(Occurrence, occurrence_id)
    if not can(current_user, "zoom.manage", occurrence):
        abort(403)
    rows = attendance.occurrence_rows(occurrence, sessions.learners(occurrence.session.course_id))
    name = f"attendance-{occurrence.session_id}-{occurrence.number}.csv"
    return Response(
        attendance.csv_export(occurrence, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.route("/recordings/<int:recording_id>/remove", methods=["POST"])
@login_required
def remove_recording(recording_id):
    recording = db.get_or_404(Recording, recording_id)
    if not can(current_user, "zoom.manage", recording):
        abort(403)
    if recording.removed_at is None:
        recording.removed_at, recording.removed_by = utcnow(), current_user.id
        db.session.commit()
    flash(_("The recording was removed from the course."), "success")
    return redirect(url_for("zoom.course_sessions", course_id=recording.occurrence.session.course_id))


@bp.route("/recordings/<int:recording_id>")
@login_required
def recording(recording_id):
    row = db.get_or_404(Recording, recording_id)
    if row.removed_at is not None or not can(current_user, "zoom.view", row):
        abort(404)
    return redirect(row.url)


# --------------------------------------------------------------------------- calendars


@bp.route("/calendar")
@login_required
def my_calendar():
    token = calendar.user_token(current_user.id)
    return render_template("zoom/calendar.html", feed=public_url("zoom.user_calendar", token=token))


@bp.route("/calendar/renew", methods=["POST"])
@login_required
def renew_calendar():
    calendar.user_token(current_user.id, renew=True)
    flash(_("Your calendar address was replaced; the old one no longer works."), "success")
    return redirect(url_for("zoom.my_calendar"))


@bp.route("/calendar/<token>.ics")
def user_calendar(token):
    user_id = calendar.user_of(token)
    if user_id is None:
        abort(404)
    return Response(calendar.user_feed(user_id), mimetype="text/calendar")


@bp.route("/courses/<int:course_id>/calendar/<signature>.ics")
def course_calendar(course_id, signature):
    if calendar.course_of(signature) != course_id:
        abort(404)
    course = db.get_or_404(Course, course_id)
    return Response(calendar.course_feed(course), mimetype="text/calendar")


# --------------------------------------------------------------------------- admin


@bp.route("/admin")
@login_required
def admin():
    if not can(current_user, "admin.access"):
        abort(403)
    rows = [(name, providers.get(name)) for name in providers.NAMES]
    failing = list(
        db.session.execute(
            db.select(LiveSession)
            .where(LiveSession.state == PENDING, LiveSession.last_error.is_not(None))
            .order_by(LiveSession.updated_at.desc())
            .limit(50)
        ).scalars()
    )
    return render_template(
        "zoom/admin.html",
        rows=rows,
        enabled=providers.enabled(),
        default=providers.default(),
        failing=failing,
        webhook_url=public_url("zoom_hooks.zoom"),
    )


# --------------------------------------------------------------------------- webhooks


def _refused(exc: webhooks.Refused):
    return jsonify({"error": {"code": exc.code}}), exc.status


@hooks_bp.route("/zoom", methods=["POST"])
def zoom():
    try:
        return jsonify(webhooks.receive_zoom(request.get_data(), request.headers))
    except webhooks.Refused as exc:
        return _refused(exc)


@hooks_bp.route("/bbb/<token>/analytics", methods=["POST"])
def bbb_analytics(token):
    try:
        return jsonify(
            webhooks.receive_bbb_analytics(token, request.get_data(), request.headers.get("Authorization", ""))
        )
    except webhooks.Refused as exc:
        return _refused(exc)


@hooks_bp.route("/bbb/<token>/ended", methods=["GET", "POST"])
def bbb_ended(token):
    try:
        return jsonify(webhooks.receive_bbb_ended(token, request.values.get("meetingID", "")))
    except webhooks.Refused as exc:
        return _refused(exc)
