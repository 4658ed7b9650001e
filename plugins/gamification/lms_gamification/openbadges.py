"""Open Badges 2.0 documents for hosted verification.

Every held badge has a public assertion URL; the assertion points to its badge class,
which points to the issuer (the platform). A verifier fetches the assertion, checks
that its ``id`` is the URL it fetched, and finds the recipient by hashing the e-mail
address with the assertion's salt. A revoked assertion answers 410 with
``revoked: true``. Names are written in the platform's default language.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import force_locale

from lms_core import public_url, db
from lms_core.models import User

from lms_gamification.badges import badge_description, badge_name, criterion_sentence
from lms_gamification.models import Badge, BadgeAward

CONTEXT = "https://w3id.org/openbadges/v2"
DEFAULT_IMAGES = {
    "first_quiz_passed": "first-quiz.svg",
    "perfect_score": "perfect-score.svg",
    "quizzes_passed": "quizzes.svg",
    "course_completed": "graduate.svg",
    "assignment_early": "early-bird.svg",
    "active_streak": "streak.svg",
}


def default_image(badge: Badge) -> str:
    return DEFAULT_IMAGES.get(badge.criterion, "badge.svg")


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def issuer() -> dict:
    config = current_app.config
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": public_url("gamification.openbadges_issuer"),
        "name": config["LMS_SITE_NAME"],
        "url": config["LMS_BASE_URL"],
    }


def badge_class(badge: Badge) -> dict:
    with force_locale(current_app.config["LMS_DEFAULT_LANGUAGE"]):
        name, description = str(badge_name(badge)), str(badge_description(badge))
        criteria = criterion_sentence(badge)
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": public_url("gamification.openbadges_badge", badge_id=badge.id),
        "name": name,
        "description": description or name,
        "image": public_url("gamification.badge_image", badge_id=badge.id),
        "criteria": {"narrative": criteria},
        "issuer": public_url("gamification.openbadges_issuer"),
    }


def recipient_identity(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def assertion(award: BadgeAward) -> dict:
    url = public_url("gamification.openbadges_assertion", uid=award.uid)
    if award.revoked_at is not None:
        return {
            "@context": CONTEXT,
            "type": "Assertion",
            "id": url,
            "revoked": True,
            "revocationReason": award.revocation_reason or "",
        }
    recipient = db.session.get(User, award.user_id)
    document = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": url,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": recipient_identity(recipient.email, award.salt),
        },
        "badge": public_url("gamification.openbadges_badge", badge_id=award.badge_id),
        "verification": {"type": "hosted"},
        "issuedOn": _iso(award.awarded_at),
    }
    if award.expires_at is not None:
        document["expires"] = _iso(award.expires_at)
    if award.narrative:
        document["narrative"] = award.narrative
    return document
