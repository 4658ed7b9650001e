"""Badges: the platform's own, teachers' course badges, and who holds which.

A badge is held at most once per person (``gamification_badge_awards`` is unique on
badge and person). Criteria hand a badge out after an event; a teacher may award it by
hand or revoke it with a reason. A revoked badge is never handed out again by its
criteria, only by hand.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import event
from flask_babel import lazy_gettext as _l

from lms_core import ServiceError, db, notify
from lms_core.models import Enrollment, User, utcnow

from lms_gamification import mirror
from lms_gamification.criteria import criteria_by_kind
from lms_gamification.models import Badge, BadgeAward
from lms_gamification.upsert import insert

log = logging.getLogger("lms.gamification")


@dataclass(frozen=True)
class BuiltinBadge:
    code: str
    criterion: str
    params: dict
    name: object
    description: object


BUILTIN_BADGES = [
    BuiltinBadge("first-quiz", "first_quiz_passed", {}, _l("First steps"), _l("Passed a first quiz.")),
    BuiltinBadge("perfect-score", "perfect_score", {}, _l("Perfectionist"), _l("Scored full marks in a quiz.")),
    BuiltinBadge("ten-quizzes", "quizzes_passed", {"count": 10}, _l("Quiz enthusiast"), _l("Passed 10 quizzes.")),
    BuiltinBadge("graduate", "course_completed", {}, _l("Graduate"), _l("Completed a course.")),
    BuiltinBadge(
        "early-bird",
        "assignment_early",
        {"hours": 24},
        _l("Early bird"),
        _l("Handed in an assignment at least a day before its deadline."),
    ),
    BuiltinBadge("week-streak", "active_streak", {"days": 7}, _l("On a roll"), _l("Active 7 days in a row.")),
]
BUILTIN_BY_CODE = {b.code: b for b in BUILTIN_BADGES}

IMAGE_MAX_BYTES = 1024 * 1024
IMAGE_MAX_PIXELS = 4096 * 4096
IMAGE_MIN_SIDE = 32
IMAGE_SIDE = 256  # stored images are re-encoded as square-bounded PNGs of this size at most
IMAGE_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
NAME_MAX = 120
DESCRIPTION_MAX = 2000
REASON_MAX = 1000
VALID_DAYS_MAX = 3650


# ---------------------------------------------------------------- badge classes


def ensure_builtin_badges() -> None:
    """Create the platform's own badges once (idempotent, safe from several processes)."""
    present = set(db.session.execute(db.select(Badge.builtin).where(Badge.builtin.is_not(None))).scalars())
    missing = [b for b in BUILTIN_BADGES if b.code not in present]
    for builtin in missing:
        db.session.execute(
            insert(Badge)
            .values(
                builtin=builtin.code,
                criterion=builtin.criterion,
                params=builtin.params,
                name="",
                description="",
                active=True,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["builtin"])
        )
    if missing:
        db.session.commit()


def badge_name(badge: Badge):
    if badge.name:
        return badge.name
    builtin = BUILTIN_BY_CODE.get(badge.builtin or "")
    return builtin.name if builtin else badge.criterion


def badge_description(badge: Badge):
    if badge.description:
        return badge.description
    builtin = BUILTIN_BY_CODE.get(badge.builtin or "")
    if builtin and badge.params == builtin.params:
        return builtin.description
    return criterion_sentence(badge)


def criterion_sentence(badge: Badge) -> str:
    criterion = criteria_by_kind().get(badge.criterion)
    return criterion.sentence(badge.params or {}) if criterion else badge.criterion


def badges_of_scope(course_id: int | None, include_inactive: bool = True) -> list[Badge]:
    query = db.select(Badge).where(Badge.course_id.is_(None) if course_id is None else Badge.course_id == course_id)
    if not include_inactive:
        query = query.where(Badge.active.is_(True))
    return list(db.session.execute(query.order_by(Badge.id)).scalars())


def clean_badge(course_id: int | None, raw: dict, builtin: bool = False) -> tuple[dict, dict]:
    """Validated fields of a badge from form or JSON values, and errors per field."""
    errors, values = {}, {}
    name = (raw.get("name") or "").strip()
    if not name and not builtin:
        errors["name"] = _("Name the badge.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name is too long (%(n)d characters at most).", n=NAME_MAX)
    values["name"] = name
    description = (raw.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("The description is too long (%(n)d characters at most).", n=DESCRIPTION_MAX)
    values["description"] = description
    kinds = criteria_by_kind()
    criterion = kinds.get(raw.get("criterion") or "")
    if criterion is None:
        errors["criterion"] = _("Choose one of the listed criteria.")
    else:
        values["criterion"] = criterion.kind
        params, param_errors = criterion.clean_params(raw.get("params") or {})
        values["params"] = params
        errors.update({f"params.{k}": v for k, v in param_errors.items()})
    valid_days = raw.get("valid_days")
    if valid_days in (None, ""):
        values["valid_days"] = None
    else:
        try:
            values["valid_days"] = int(valid_days)
            if not 1 <= values["valid_days"] <= VALID_DAYS_MAX:
                raise ValueError
        except (TypeError, ValueError):
            errors["valid_days"] = _(
                "Enter a number of days from %(low)d to %(high)d, or leave it empty.", low=1, high=VALID_DAYS_MAX
            )
    values["active"] = bool(raw.get("active", True))
    return values, errors


def save_badge(
    course_id: int | None, creator: User | None, raw: dict, image_file=None, badge: Badge | None = None
) -> Badge:
    """Create (or with ``badge``, change) a badge; nothing is stored when anything is wrong."""
    values, errors = clean_badge(course_id, raw, builtin=bool(badge and badge.builtin))
    image = None
    if image_file is not None and getattr(image_file, "filename", ""):
        try:
            image = normalise_image(image_file.read())
        except ServiceError as exc:
            errors["image"] = exc.message
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    if badge is None:
        badge = Badge(course_id=course_id, created_by=creator.id if creator else None)
        db.session.add(badge)
    for key, value in values.items():
        setattr(badge, key, value)
    if image is not None:
        badge.image = image
        badge.image_hash = hashlib.sha256(image).hexdigest()
    db.session.commit()
    return badge


def normalise_image(data: bytes) -> bytes:
    """Check an uploaded badge image and re-encode it as a PNG (which drops anything
    but the pixels: metadata, scripts in polyglot files, animation)."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ServiceError("invalid_image", _("The image file is empty."), 400)
    if len(data) > IMAGE_MAX_BYTES:
        raise ServiceError("image_too_large", _("The image is too large (1 MB at most)."), 413)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()
        if kind not in IMAGE_FORMATS:
            raise ValueError(kind)
        if width * height > IMAGE_MAX_PIXELS:
            raise ServiceError("image_too_large", _("The image is too large (4096 × 4096 pixels at most)."), 413)
        if min(width, height) < IMAGE_MIN_SIDE:
            raise ServiceError(
                "invalid_image",
                _("The image is too small (at least %(n)d pixels on each side).", n=IMAGE_MIN_SIDE),
                400,
            )
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGBA")
            image.thumbnail((IMAGE_SIDE, IMAGE_SIDE))
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
            return out.getvalue()
    except ServiceError:
        raise
    except (UnidentifiedImageError, ValueError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ServiceError("invalid_image", _("The image must be a PNG, JPEG, GIF or WebP picture."), 400) from None


# ---------------------------------------------------------------- holding badges


def grant(badge: Badge, user_id: int, awarded_by: User | None = None, narrative: str = "") -> BadgeAward | None:
    """Give ``badge`` to a person; returns the award, or ``None`` when they already hold
    it (or it was revoked and this is not a teacher's award by hand)."""
    now = utcnow()
    expires_at = now + timedelta(days=badge.valid_days) if badge.valid_days else None
    narrative = narrative or criterion_sentence(badge)
    award_id = db.session.execute(
        insert(BadgeAward)
        .values(
            uid=secrets.token_hex(16),
            badge_id=badge.id,
            user_id=user_id,
            course_id=badge.course_id,
            awarded_at=now,
            awarded_by=awarded_by.id if awarded_by else None,
            narrative=narrative,
            expires_at=expires_at,
            salt=secrets.token_hex(16),
        )
        .on_conflict_do_nothing(index_elements=["badge_id", "user_id"])
        .returning(BadgeAward.id)
    ).scalar_one_or_none()
    if award_id is None and awarded_by is not None:
        # A teacher gives back a revoked badge: the same award, reinstated.
        award_id = db.session.execute(
            db.update(BadgeAward)
            .where(BadgeAward.badge_id == badge.id, BadgeAward.user_id == user_id, BadgeAward.revoked_at.is_not(None))
            .values(
                revoked_at=None,
                revoked_by=None,
                revocation_reason=None,
                awarded_at=now,
                awarded_by=awarded_by.id,
                narrative=narrative,
                expires_at=expires_at,
            )
            .returning(BadgeAward.id)
        ).scalar_one_or_none()
    db.session.commit()
    if award_id is None:
        return None
    mirror.forget_people([user_id])  # the leaderboards count badges
    award = db.session.get(BadgeAward, award_id)
    _tell_holder(award)
    return award


def _tell_holder(award: BadgeAward) -> None:
    from lms_core import path_for

    from lms_gamification import notices

    badge = award.badge
    params = {
        "badge": str(badge_name(badge)),
        "description": str(badge_description(badge)),
        # what the texts were made from, so that a reader sees built-in names in their language
        "builtin": badge.builtin or "",
        "own_name": bool(badge.name),
        "own_description": bool(badge.description),
        "criterion": badge.criterion,
        "criterion_params": dict(badge.params or {}),
    }
    notify(award.user_id, notices.BADGE, url=path_for("gamification.profile"), params=params)


def award_by_hand(badge: Badge, student_id: int, teacher: User, reason: str) -> BadgeAward:
    student = db.session.get(User, student_id) if isinstance(student_id, int) else None
    if student is None:
        raise ServiceError("not_found", _("No such person."), 404, {"user_id": _("No such person.")})
    if (
        badge.course_id is not None
        and not db.session.execute(
            db.select(Enrollment.id).where(Enrollment.user_id == student.id, Enrollment.course_id == badge.course_id)
        ).first()
    ):
        raise ServiceError(
            "not_enrolled",
            _("This person is not enrolled in the course."),
            409,
            {"user_id": _("This person is not enrolled in the course.")},
        )
    if len((reason or "").strip()) > REASON_MAX:
        raise ServiceError(
            "invalid",
            _("Please correct the marked fields."),
            400,
            {"reason": _("The text is too long (%(n)d characters at most).", n=REASON_MAX)},
        )
    award = grant(badge, student.id, awarded_by=teacher, narrative=(reason or "").strip())
    if award is None:
        raise ServiceError("already_held", _("%(name)s already holds this badge.", name=student.name), 409)
    return award


def revoke(award: BadgeAward, teacher: User, reason: str) -> BadgeAward:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            "invalid", _("Please correct the marked fields."), 400, {"reason": _("Say why the badge is revoked.")}
        )
    if len(reason) > REASON_MAX:
        raise ServiceError(
            "invalid",
            _("Please correct the marked fields."),
            400,
            {"reason": _("The text is too long (%(n)d characters at most).", n=REASON_MAX)},
        )
    changed = db.session.execute(
        db.update(BadgeAward)
        .where(BadgeAward.id == award.id, BadgeAward.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by=teacher.id, revocation_reason=reason)
    ).rowcount
    db.session.commit()
    if not changed:
        raise ServiceError("already_revoked", _("This badge has already been revoked."), 409)
    mirror.forget_people([award.user_id])
    db.session.refresh(award)
    return award


def check(user_id: int, course_id: int | None) -> list[BadgeAward]:
    """Hand out every badge whose criterion the person now meets: the platform's badges
    and, with ``course_id``, that course's. Returns the new awards."""
    ensure_builtin_badges()
    held = set(db.session.execute(db.select(BadgeAward.badge_id).where(BadgeAward.user_id == user_id)).scalars())
    query = db.select(Badge).where(Badge.active.is_(True))
    query = query.where(
        Badge.course_id.is_(None) | (Badge.course_id == course_id) if course_id else Badge.course_id.is_(None)
    )
    kinds = criteria_by_kind()
    granted = []
    for badge in db.session.execute(query.order_by(Badge.id)).scalars().all():
        criterion = kinds.get(badge.criterion)
        if badge.id in held or criterion is None:
            continue  # a kind whose plugin is disabled waits until it is enabled again
        try:
            met = criterion.met(user_id, badge.course_id, badge.params or {})
        except Exception:  # one plugin's criterion must not stop the others
            db.session.rollback()
            log.exception("badge criterion %s failed", badge.criterion)
            continue
        if met:
            award = grant(badge, user_id)
            if award is not None:
                granted.append(award)
    return granted


def is_current(award: BadgeAward, now=None) -> bool:
    now = now or utcnow()
    return award.revoked_at is None and (award.expires_at is None or award.expires_at > now)


def awards_of(user_id: int) -> list[BadgeAward]:
    """Every badge the person holds or held (revoked and expired included), newest first."""
    return list(
        db.session.execute(
            db.select(BadgeAward)
            .where(BadgeAward.user_id == user_id)
            .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
        ).scalars()
    )


def awards_of_badge(badge: Badge) -> list[tuple[BadgeAward, User]]:
    return list(
        db.session.execute(
            db.select(BadgeAward, User)
            .join(User, User.id == BadgeAward.user_id)
            .where(BadgeAward.badge_id == badge.id)
            .order_by(BadgeAward.awarded_at.desc())
        ).all()
    )


def current(now=None):
    """The SQL condition of an award that is neither revoked nor expired."""
    now = now or utcnow()
    return BadgeAward.revoked_at.is_(None) & (BadgeAward.expires_at.is_(None) | (BadgeAward.expires_at > now))


@event.listens_for(BadgeAward, "after_insert")
@event.listens_for(BadgeAward, "after_update")
@event.listens_for(BadgeAward, "after_delete")
def _badges_changed(_mapper, _connection, award) -> None:
    """An award changed through the ORM (not only through ``grant``/``revoke``): the
    leaderboards' cached badges of its holder are dropped (again after the commit by
    those two)."""
    mirror.forget_people([award.user_id])
