"""The plugin's pages: leaderboards, the learner's profile, teachers' badge and points
settings, the admin's defaults, badge images and the public Open Badges documents."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms_core import ServiceError, can, current_user, db, login_required, require
from lms_core.api.validation import id_value
from lms_core.models import Course, Enrollment, User

from lms_gamification import badges, leaderboard, ledger, levels, openbadges, privacy, rules
from lms_gamification.boards import board_key
from lms_gamification.criteria import criteria_by_kind
from lms_gamification.models import Badge, BadgeAward

bp = Blueprint(
    "gamification",
    __name__,
    url_prefix="/gamification",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def _require_badge_manager(badge_or_course_id) -> Course | None:
    """Teachers manage their course's badges, admins the platform's."""
    course_id = badge_or_course_id.course_id if isinstance(badge_or_course_id, Badge) else badge_or_course_id
    if course_id is None:
        require("admin.access")
        return None
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    return course


def _badges_page(course: Course | None):
    return redirect(
        url_for("gamification.course_badges", course_id=course.id)
        if course
        else url_for("gamification.platform_badges")
    ), 303


# ---------------------------------------------------------------- leaderboards


@bp.get("/leaderboard")
@login_required
def platform_leaderboard():
    period = request.args.get("period", "all")
    board = leaderboard.view(current_user, None, period)
    return render_template("gamification/leaderboard.html", board=board, course=None, period=period)


@bp.get("/courses/<int:course_id>/leaderboard")
@login_required
def course_leaderboard(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.follow", course)
    period = request.args.get("period", "all")
    board = leaderboard.view(current_user, course, period, staff=can(current_user, "course.edit", course))
    template = "gamification/_board.html" if request.args.get("fragment") else "gamification/leaderboard.html"
    return render_template(template, board=board, course=course, period=period)


# ---------------------------------------------------------------- the learner's own page


@bp.get("/me")
@login_required
def profile():
    user = current_user
    total = ledger.total_points(user.id)
    course_rows = (
        db.session.execute(
            db.select(Course)
            .join(Enrollment, Enrollment.course_id == Course.id)
            .where(Enrollment.user_id == user.id)
            .order_by(Course.title)
        )
        .scalars()
        .all()
    )
    points = ledger.points_on_boards(user.id, [board_key(c.id) for c in course_rows])  # one query for all
    per_course = [(c, points[board_key(c.id)]) for c in course_rows]
    history = ledger.history(user.id)
    return render_template(
        "gamification/profile.html",
        total=total,
        level=levels.level_of(total, levels.levels_for(None)),
        per_course=per_course,
        history=history,
        reasons=rules.describe_all(history),
        awards=badges.awards_of(user.id),
        hidden=privacy.is_hidden(user.id),
        badge_name=badges.badge_name,
        badge_description=badges.badge_description,
        is_current=badges.is_current,
    )


@bp.get("/me/summary")
@login_required
def dashboard_summary():
    """The dashboard's points-and-badges panel alone: its script fetches it again when
    the learner's points change (the push says only that they changed)."""
    from lms_core import render_fragment
    from lms_core.payloads import UserInfo

    from lms_gamification import fragments

    html = render_fragment(
        "gamification/_dashboard_fragment.html", **fragments.dashboard_summary(UserInfo.of(current_user))
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/me/privacy")
@login_required
def set_privacy():
    hidden = request.form.get("hidden") == "1"
    privacy.set_hidden(current_user.id, hidden)
    flash(
        _("You are now hidden from leaderboards.") if hidden else _("You are shown on leaderboards again."), "success"
    )
    return redirect(url_for("gamification.profile")), 303


# ---------------------------------------------------------------- points, levels, board settings


@bp.route("/courses/<int:course_id>/settings", methods=["GET", "POST"])
@login_required
def course_settings(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    return _settings_page(course)


@bp.route("/admin", methods=["GET", "POST"])
@login_required
def platform_settings():
    require("admin.access")
    return _settings_page(None)


def _settings_page(course: Course | None):
    course_id = course.id if course else None
    errors, status = {}, 200
    if request.method == "POST":
        try:
            part = request.form.get("part")
            if part == "rules":
                rules.set_rules(course_id, request.form.to_dict())
            elif part == "levels":
                pairs = list(zip(request.form.getlist("threshold"), request.form.getlist("name")))
                levels.set_levels(course_id, pairs)
            elif part == "board" and course is not None:
                privacy.set_course_mode(course.id, request.form.get("leaderboard", ""))
            else:
                abort(400)
        except ServiceError as exc:
            errors, status = exc.fields or {"form": exc.message}, exc.status
            flash(exc.message, "error")
        else:
            flash(_("Saved."), "success")
            return redirect(request.path), 303
    return render_template(
        "gamification/settings.html",
        course=course,
        errors=errors,
        stored=rules.stored_rules(course_id),
        effective=rules.effective_rules(course_id),
        defaults=rules.effective_rules(None) if course else rules.DEFAULT_POINTS,
        labels=rules.RULE_LABELS,
        levels=levels.levels_for(course_id),
        mode=privacy.course_mode(course.id) if course else None,
        modes=_mode_labels(),
        form=request.form,
    ), status


def _mode_labels():
    return {
        "full": _("Shown in full"),
        "neighbours": _("Each student sees only the ranks around their own"),
        "off": _("Turned off"),
    }


# ---------------------------------------------------------------- badges


@bp.route("/courses/<int:course_id>/badges", methods=["GET", "POST"])
@login_required
def course_badges(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    return _badge_list(course)


@bp.route("/admin/badges", methods=["GET", "POST"])
@login_required
def platform_badges():
    require("admin.access")
    badges.ensure_builtin_badges()
    return _badge_list(None)


def _badge_list(course: Course | None):
    errors, status = {}, 200
    if request.method == "POST":
        try:
            badges.save_badge(course.id if course else None, current_user, _badge_fields(), request.files.get("image"))
        except ServiceError as exc:
            errors, status = exc.fields, exc.status
            flash(exc.message, "error")
        else:
            flash(_("The badge was created."), "success")
            return _badges_page(course)
    return render_template(
        "gamification/badges.html",
        course=course,
        items=badges.badges_of_scope(course.id if course else None),
        errors=errors,
        form=request.form,
        criteria=criteria_by_kind(),
        badge_name=badges.badge_name,
        criterion_sentence=badges.criterion_sentence,
    ), status


def _badge_fields() -> dict:
    criterion = request.form.get("criterion", "")
    prefix = f"params.{criterion}."
    return {
        "name": request.form.get("name", ""),
        "description": request.form.get("description", ""),
        "criterion": criterion,
        "params": {k[len(prefix) :]: v for k, v in request.form.items() if k.startswith(prefix)},
        "valid_days": request.form.get("valid_days", ""),
        "active": request.form.get("active") == "1",
    }


@bp.route("/badges/<int:badge_id>", methods=["GET", "POST"])
@login_required
def badge(badge_id):
    badge = db.get_or_404(Badge, badge_id)
    course = _require_badge_manager(badge)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            badges.save_badge(badge.course_id, current_user, _badge_fields(), request.files.get("image"), badge=badge)
        except ServiceError as exc:
            db.session.rollback()
            errors, status = exc.fields, exc.status
            flash(exc.message, "error")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("gamification.badge", badge_id=badge.id)), 303
    return _badge_page(badge, course, errors, status)


def _badge_page(badge, course, errors=None, status=200):
    students = []
    if course is not None:
        students = (
            db.session.execute(
                db.select(User)
                .join(Enrollment, Enrollment.user_id == User.id)
                .where(Enrollment.course_id == course.id)
                .order_by(User.name)
            )
            .scalars()
            .all()
        )
    return render_template(
        "gamification/badge.html",
        badge=badge,
        course=course,
        errors=errors or {},
        form=request.form,
        criteria=criteria_by_kind(),
        holders=badges.awards_of_badge(badge),
        students=students,
        badge_name=badges.badge_name,
        is_current=badges.is_current,
        badge_description=badges.badge_description,
    ), status


@bp.post("/badges/<int:badge_id>/award")
@login_required
def award_badge(badge_id):
    badge = db.get_or_404(Badge, badge_id)
    course = _require_badge_manager(badge)
    user_id = request.form.get("user_id", type=id_value)
    if user_id is None and course is None:  # admins name anyone by e-mail
        email = (request.form.get("email") or "").strip().lower()
        user_id = db.session.execute(db.select(User.id).where(User.email == email)).scalar_one_or_none()
    try:
        award = badges.award_by_hand(badge, user_id, current_user, request.form.get("reason", ""))
    except ServiceError as exc:
        flash(exc.message, "error")
        return _badge_page(badge, course, exc.fields, exc.status)
    flash(_("The badge was awarded to %(name)s.", name=db.session.get(User, award.user_id).name), "success")
    return redirect(url_for("gamification.badge", badge_id=badge.id)), 303


@bp.post("/awards/<int:award_id>/revoke")
@login_required
def revoke_award(award_id):
    award = db.get_or_404(BadgeAward, award_id)
    course = _require_badge_manager(award.badge)
    try:
        badges.revoke(award, current_user, request.form.get("reason", ""))
    except ServiceError as exc:
        flash(exc.message, "error")
        return _badge_page(award.badge, course, exc.fields, exc.status)
    flash(_("The badge was revoked."), "success")
    return redirect(url_for("gamification.badge", badge_id=award.badge_id)), 303


@bp.get("/badges/<int:badge_id>/image")
def badge_image(badge_id):
    """Public: Open Badges consumers fetch it without logging in."""
    badge = db.get_or_404(Badge, badge_id)
    if not badge.image_hash:
        return redirect(url_for("gamification.static", filename=f"badges/{openbadges.default_image(badge)}"))
    if request.if_none_match.contains(badge.image_hash):
        return Response(status=304)
    response = Response(badge.image, mimetype="image/png")
    response.set_etag(badge.image_hash)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


# ---------------------------------------------------------------- Open Badges 2.0 (public JSON)


@bp.get("/openbadges/issuer")
def openbadges_issuer():
    return _json_ld(openbadges.issuer())


@bp.get("/openbadges/badges/<int:badge_id>")
def openbadges_badge(badge_id):
    return _json_ld(openbadges.badge_class(db.get_or_404(Badge, badge_id)))


@bp.get("/openbadges/assertions/<uid>")
def openbadges_assertion(uid):
    award = db.session.execute(db.select(BadgeAward).where(BadgeAward.uid == uid)).scalar_one_or_none()
    if award is None:
        abort(404)
    document = openbadges.assertion(award)
    # Hosted verification: a revoked assertion answers 410 Gone with the reason.
    return _json_ld(document, 410 if award.revoked_at else 200)


def _json_ld(document: dict, status: int = 200):
    response = jsonify(document)
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch these from anywhere
    return response
