"""The plugin's part of the OpenAPI document (``lms_openapi``): every route of
``api.py``. Component names start with ``gamification_``; the core's shared responses
(``Unauthorized``, ...) and its ``CsrfToken`` parameter are referred to, not repeated."""

from __future__ import annotations

# The core's schema helpers, so every part of the document is built alike.
from lms_core.api.openapi import BOOLEAN, INTEGER, JSON, MAYBE_WHEN, STRING, WHEN, obj, path_param

TAG = "gamification"

MAYBE_INTEGER = {"type": ["integer", "null"]}
ERRORS = {"Invalid": "400", "Unauthorized": "401", "Forbidden": "403", "NotFound": "404", "Conflict": "409"}
MAX_POINTS = 100_000  # the same bound as rules.MAX_POINTS
RULES = (
    "quiz_pass",
    "quiz_score_bonus",
    "quiz_first_attempt_bonus",
    "lesson_completed",
    "course_completed",
    "assignment_graded",
)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/gamification_{name}"}


PERIOD = {
    "name": "period",
    "in": "query",
    "required": False,
    "description": "`all` (default) or `week`",
    "schema": {"enum": ["all", "week"]},
}


def operation(
    operation_id: str,
    summary: str,
    ok: tuple[str, dict],
    parameters=(),
    body=None,
    unsafe=False,
    errors=("Unauthorized", "Forbidden", "NotFound"),
) -> dict:
    status, schema = ok
    op = {
        "operationId": f"gamification_{operation_id}",
        "summary": summary,
        "tags": [TAG],
        "responses": {
            status: {"description": summary, "content": {JSON: {"schema": schema}}},
            **{ERRORS[e]: {"$ref": f"#/components/responses/{e}"} for e in errors},
        },
    }
    params = list(parameters) + ([{"$ref": "#/components/parameters/CsrfToken"}] if unsafe else [])
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "description": body[1], "content": {JSON: {"schema": body[0]}}}
    return op


def schemas() -> dict:
    entry = obj(
        {
            "rank": INTEGER,
            "user_id": INTEGER,
            "name": STRING,
            "points": INTEGER,
            "level": STRING,
            "badges": {
                "type": "integer",
                "description": "Badges held now (on a course board: the platform's and that course's)",
            },
            "me": BOOLEAN,
        }
    )
    held = obj(
        {
            "id": INTEGER,
            "badge_id": INTEGER,
            "name": STRING,
            "description": STRING,
            "course_id": MAYBE_INTEGER,
            "awarded_at": WHEN,
            "expires_at": MAYBE_WHEN,
            "revoked": BOOLEAN,
            "revocation_reason": {"type": ["string", "null"]},
            "current": BOOLEAN,
            "assertion_url": {"type": "string", "format": "uri", "description": "The public Open Badges 2.0 assertion"},
        }
    )
    rule_values = {name: MAYBE_INTEGER for name in RULES}
    return {
        "gamification_Leaderboard": obj(
            {
                "scope": {"enum": ["platform", "course"]},
                "course_id": MAYBE_INTEGER,
                "period": {"enum": ["all", "week"]},
                "mode": {"enum": ["full", "neighbours", "off"], "description": "What students are shown"},
                "participants": INTEGER,
                "top": {"type": "array", "items": ref("LeaderboardEntry"), "description": "The first ten"},
                "around": {
                    "type": "array",
                    "items": ref("LeaderboardEntry"),
                    "description": "The viewer and the ranks around them, when not in the top",
                },
                "me": {"oneOf": [ref("LeaderboardEntry"), {"type": "null"}]},
                "hidden": {"type": "boolean", "description": "The viewer hides from leaderboards"},
            }
        ),
        "gamification_LeaderboardEntry": entry,
        "gamification_HeldBadge": held,
        "gamification_Me": obj(
            {
                "points": INTEGER,
                "level": obj({"position": INTEGER, "name": STRING, "threshold": INTEGER}),
                "hidden": BOOLEAN,
                "badges": {"type": "array", "items": ref("HeldBadge")},
            }
        ),
        "gamification_History": obj(
            {
                "items": {
                    "type": "array",
                    "items": obj(
                        {
                            "points": INTEGER,
                            "rule": STRING,
                            "reason": STRING,
                            "course_id": MAYBE_INTEGER,
                            "awarded_at": WHEN,
                            "changed_at": MAYBE_WHEN,
                        }
                    ),
                }
            }
        ),
        "gamification_Privacy": obj({"hidden": BOOLEAN}),
        "gamification_Criteria": obj(
            {
                "items": {
                    "type": "array",
                    "items": obj(
                        {
                            "kind": STRING,
                            "label": STRING,
                            "params": {
                                "type": "array",
                                "items": obj(
                                    {
                                        "name": STRING,
                                        "label": STRING,
                                        "default": INTEGER,
                                        "minimum": INTEGER,
                                        "maximum": INTEGER,
                                    }
                                ),
                            },
                        }
                    ),
                }
            }
        ),
        "gamification_Rules": obj({"stored": obj(rule_values), "effective": obj({n: INTEGER for n in RULES})}),
        "gamification_RulesUpdate": obj(
            {
                name: {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "maximum": MAX_POINTS,
                    "description": "null: use the platform's default",
                }
                for name in RULES
            },
            required=[],
        ),
        "gamification_BoardMode": obj({"mode": {"enum": ["full", "neighbours", "off"]}}),
        "gamification_Badge": obj(
            {
                "id": INTEGER,
                "course_id": MAYBE_INTEGER,
                "name": STRING,
                "description": STRING,
                "criterion": STRING,
                "params": {"type": "object", "additionalProperties": {"type": "integer"}},
                "valid_days": MAYBE_INTEGER,
                "active": BOOLEAN,
            }
        ),
        "gamification_BadgeList": obj({"items": {"type": "array", "items": ref("Badge")}}),
        "gamification_BadgeCreate": obj(
            {
                "name": {"type": "string", "minLength": 1, "maxLength": 120},
                "description": STRING,
                "criterion": {"type": "string", "description": "A kind from /gamification/criteria"},
                "params": {"type": "object", "additionalProperties": {"type": "integer"}},
                "valid_days": MAYBE_INTEGER,
                "active": BOOLEAN,
            },
            required=["name", "criterion"],
        ),
        "gamification_AwardByHand": obj({"user_id": INTEGER, "reason": STRING}, required=["user_id"]),
        "gamification_Revocation": obj({"reason": {"type": "string", "minLength": 1, "maxLength": 1000}}),
    }


def document() -> dict:
    course = path_param("course_id", "course")
    body_errors = ("Invalid", "Unauthorized", "Forbidden", "NotFound")
    paths = {
        "/gamification/leaderboards/platform": {
            "get": operation(
                "platformLeaderboard",
                "The platform's leaderboard as the caller may see it",
                ("200", ref("Leaderboard")),
                [PERIOD],
                errors=("Invalid", "Unauthorized"),
            )
        },
        "/gamification/leaderboards/courses/{course_id}": {
            "get": operation(
                "courseLeaderboard",
                "A course's leaderboard (`leaderboard_off` when its teacher turned it off)",
                ("200", ref("Leaderboard")),
                [course, PERIOD],
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound"),
            )
        },
        "/gamification/me": {
            "get": operation(
                "me", "The caller's points, level and badges", ("200", ref("Me")), errors=("Unauthorized",)
            )
        },
        "/gamification/me/history": {
            "get": operation(
                "history",
                "The caller's points history, newest first",
                ("200", ref("History")),
                errors=("Unauthorized",),
            )
        },
        "/gamification/me/privacy": {
            "put": operation(
                "setPrivacy",
                "Hide the caller from every leaderboard, or show them again",
                ("200", ref("Privacy")),
                body=(ref("Privacy"), "Whether to hide"),
                unsafe=True,
                errors=("Invalid", "Unauthorized"),
            )
        },
        "/gamification/criteria": {
            "get": operation(
                "criteria",
                "The kinds of badge criteria (with other plugins' kinds)",
                ("200", ref("Criteria")),
                errors=("Unauthorized",),
            )
        },
        "/gamification/courses/{course_id}/rules": {
            "get": operation("courseRules", "A course's points rules (its teachers)", ("200", ref("Rules")), [course]),
            "put": operation(
                "setCourseRules",
                "Change a course's points rules",
                ("200", ref("Rules")),
                [course],
                body=(ref("RulesUpdate"), "The values to set"),
                unsafe=True,
                errors=body_errors,
            ),
        },
        "/gamification/courses/{course_id}/leaderboard": {
            "put": operation(
                "setCourseBoard",
                "Show a course's leaderboard in full, neighbours only, or not at all",
                ("200", ref("BoardMode")),
                [course],
                body=(ref("BoardMode"), "The mode"),
                unsafe=True,
                errors=body_errors,
            )
        },
        "/gamification/courses/{course_id}/badges": {
            "get": operation("courseBadges", "A course's badges (its teachers)", ("200", ref("BadgeList")), [course]),
            "post": operation(
                "createCourseBadge",
                "Create a course badge (the image is uploaded on its page)",
                ("201", ref("Badge")),
                [course],
                body=(ref("BadgeCreate"), "The badge"),
                unsafe=True,
                errors=body_errors,
            ),
        },
        "/gamification/badges/{badge_id}/awards": {
            "post": operation(
                "awardBadge",
                "Award a badge by hand (`already_held` when the person holds it)",
                ("201", ref("HeldBadge")),
                [path_param("badge_id", "badge")],
                body=(ref("AwardByHand"), "Who, and why"),
                unsafe=True,
                errors=(*body_errors, "Conflict"),
            )
        },
        "/gamification/awards/{award_id}/revoke": {
            "post": operation(
                "revokeBadge",
                "Revoke a held badge with a reason (`already_revoked` the second time)",
                ("200", ref("HeldBadge")),
                [path_param("award_id", "award")],
                body=(ref("Revocation"), "Why"),
                unsafe=True,
                errors=(*body_errors, "Conflict"),
            )
        },
    }
    return {
        "paths": paths,
        "components": {"schemas": schemas()},
        "tags": [{"name": TAG, "description": "Points, badges and leaderboards (the gamification plugin)"}],
    }
