"""The JSON API under ``/api/v1/gamification``, with the same permissions as the pages.

Clients send a personal token (``Authorization: Bearer ...``) or the page's session
cookie; cookie clients send the page's ``X-CSRFToken`` header with every change, as in
the core's API. Errors are ``{"error": {"code", "message", "fields"?}}``.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from lms_core.api.access import allow, find, find_course
from lms_core import ServiceError, api_blueprint, can, current_user, db, public_url
from lms_core.api import validation as v
from lms_core.models import Course

from lms_gamification import badges, leaderboard, ledger, levels, privacy, rules
from lms_gamification.criteria import criteria_by_kind
from lms_gamification.models import Badge, BadgeAward

# The core API's rules: a token or the session, the CSRF header for cookies.
bp = api_blueprint("gamification_api", __name__, url_prefix="/api/v1/gamification")


# Bodies are checked field by field with the core's rules (JSON types, 64-bit
# integers, lengths) before the plugin's services judge the values.
PRIVACY_RULES = {"hidden": v.boolean}
BOARD_RULES = {"mode": v.choice(*privacy.BOARD_MODES)}
BADGE_RULES = {
    "name": v.text(badges.NAME_MAX),
    "description": v.text(badges.DESCRIPTION_MAX, blank=True),
    "criterion": v.text(60),
    "params": v.dict_of(v.integer(), 20),
    "valid_days": v.nullable(v.integer()),
    "active": v.boolean,
}
AWARD_RULES = {"user_id": v.integer(1), "reason": v.text(badges.REASON_MAX, blank=True)}
REVOKE_RULES = {"reason": v.text(badges.REASON_MAX, blank=True)}


def _rules_rules() -> dict:
    return {name: v.nullable(v.integer(0, rules.MAX_POINTS)) for name in rules.DEFAULT_POINTS}


def _manage(course_id: int | None) -> None:
    if course_id is None:
        allow("admin.access")
    else:
        allow("course.edit", find(Course, course_id))


def _board(board: dict) -> dict:
    return {k: v for k, v in board.items() if k != "backend"}


@bp.get("/leaderboards/platform")
def platform_leaderboard():
    return jsonify(_board(leaderboard.view(current_user, None, request.args.get("period", "all"))))


@bp.get("/leaderboards/courses/<int:course_id>")
def course_leaderboard(course_id):
    period = request.args.get("period", "all")
    # The standings go out to Redis first and are read after the SQL below: one round
    # trip waits while the other runs. Who may see the board is judged here as before.
    with leaderboard.sent_early(current_user, course_id, period) as sent:
        course = find_course(course_id)  # with the viewer's enrolment: one statement, not two
        allow("course.follow", course)
        staff = can(current_user, "course.edit", course)
        return jsonify(_board(leaderboard.view(current_user, course, period, staff=staff, sent=sent)))


def badge_json(award: BadgeAward) -> dict:
    badge = award.badge
    return {
        "id": award.id,
        "badge_id": badge.id,
        "name": str(badges.badge_name(badge)),
        "description": str(badges.badge_description(badge)),
        "course_id": badge.course_id,
        "awarded_at": award.awarded_at.isoformat(),
        "expires_at": award.expires_at.isoformat() if award.expires_at else None,
        "revoked": award.revoked_at is not None,
        "revocation_reason": award.revocation_reason,
        "current": badges.is_current(award),
        "assertion_url": public_url("gamification.openbadges_assertion", uid=award.uid),
    }


@bp.get("/me")
def me():
    total = ledger.total_points(current_user.id)
    level = levels.level_of(total, levels.levels_for(None))
    return jsonify(
        {
            "points": total,
            "level": {"position": level.position, "name": str(level.name), "threshold": level.threshold},
            "hidden": privacy.is_hidden(current_user.id),
            "badges": [badge_json(a) for a in badges.awards_of(current_user.id)],
        }
    )


@bp.get("/me/history")
def my_history():
    awards = ledger.history(current_user.id)
    reasons = rules.describe_all(awards)
    return jsonify(
        {
            "items": [
                {
                    "points": a.points,
                    "rule": a.rule,
                    "reason": reasons[a.id],
                    "course_id": a.course_id,
                    "awarded_at": a.created_at.isoformat(),
                    "changed_at": a.updated_at.isoformat() if a.updated_at != a.created_at else None,
                }
                for a in awards
            ]
        }
    )


@bp.put("/me/privacy")
def set_privacy():
    hidden = v.read_body(PRIVACY_RULES, required=("hidden",))["hidden"]
    privacy.set_hidden(current_user.id, hidden)
    return jsonify({"hidden": hidden})


@bp.get("/criteria")
def list_criteria():
    return jsonify(
        {
            "items": [
                {
                    "kind": c.kind,
                    "label": str(c.label),
                    "params": [
                        {
                            "name": p.name,
                            "label": str(p.label),
                            "default": p.default,
                            "minimum": p.minimum,
                            "maximum": p.maximum,
                        }
                        for p in c.params
                    ],
                }
                for c in criteria_by_kind().values()
            ]
        }
    )


def _rules_json(course_id: int | None) -> dict:
    return {"stored": rules.stored_rules(course_id), "effective": rules.effective_rules(course_id)}


@bp.get("/courses/<int:course_id>/rules")
def course_rules(course_id):
    _manage(course_id)
    return jsonify(_rules_json(course_id))


@bp.put("/courses/<int:course_id>/rules")
def set_course_rules(course_id):
    _manage(course_id)
    rules.set_rules(course_id, v.read_body(_rules_rules()))
    return jsonify(_rules_json(course_id))


@bp.put("/courses/<int:course_id>/leaderboard")
def set_course_board(course_id):
    _manage(course_id)
    privacy.set_course_mode(course_id, v.read_body(BOARD_RULES, required=("mode",))["mode"])
    return jsonify({"mode": privacy.course_mode(course_id)})


def _badge_class_json(badge: Badge) -> dict:
    return {
        "id": badge.id,
        "course_id": badge.course_id,
        "name": str(badges.badge_name(badge)),
        "description": str(badges.badge_description(badge)),
        "criterion": badge.criterion,
        "params": badge.params,
        "valid_days": badge.valid_days,
        "active": badge.active,
    }


@bp.get("/courses/<int:course_id>/badges")
def course_badges(course_id):
    _manage(course_id)
    return jsonify({"items": [_badge_class_json(b) for b in badges.badges_of_scope(course_id)]})


@bp.post("/courses/<int:course_id>/badges")
def create_course_badge(course_id):
    _manage(course_id)
    badge = badges.save_badge(course_id, current_user, v.read_body(BADGE_RULES, required=("name", "criterion")))
    return jsonify(_badge_class_json(badge)), 201


def _badge(badge_id: int) -> Badge:
    badge = db.session.get(Badge, badge_id)
    if badge is None:
        raise ServiceError("not_found", _("No such badge."), 404)
    _manage(badge.course_id)
    return badge


@bp.post("/badges/<int:badge_id>/awards")
def award_badge(badge_id):
    badge = _badge(badge_id)
    body = v.read_body(AWARD_RULES, required=("user_id",))
    award = badges.award_by_hand(badge, body.get("user_id"), current_user, str(body.get("reason") or ""))
    return jsonify(badge_json(award)), 201


@bp.post("/awards/<int:award_id>/revoke")
def revoke_award(award_id):
    award = db.session.get(BadgeAward, award_id)
    if award is None:
        raise ServiceError("not_found", _("No such badge."), 404)
    _manage(award.badge.course_id)
    award = badges.revoke(award, current_user, v.read_body(REVOKE_RULES).get("reason", ""))
    return jsonify(badge_json(award))
