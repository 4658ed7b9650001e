"""Administration of people: finding accounts, changing roles and the active flag.

Accounts are created through ``accounts.register`` (sign-up, admin page, CLI alike), so
``on_user_registered`` fires whoever creates them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import ROLES, User
from lms_core.services import ServiceError

PAGE_SIZE = 25


@dataclass
class UserPage:
    users: list[User]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search_users(query: str = "", role: str | None = None, page: int = 1, per_page: int = PAGE_SIZE) -> UserPage:
    """Accounts whose name or e-mail contains ``query`` (any case), optionally of one
    role, newest first, one page at a time (pages count from 1)."""
    if role is not None and role not in ROLES:
        raise ServiceError("invalid", _("Unknown role."), 400, {"role": _("Unknown role.")})
    if page < 1:
        raise ServiceError("invalid", _("Pages are numbered from 1."), 400, {"page": _("Pages are numbered from 1.")})
    conditions = []
    query = (query or "").strip()
    if query:
        from lms_core.sql import contains  # the search text is literal: % and _ match themselves

        conditions.append(db.or_(contains(User.name, query), contains(User.email, query)))
    if role is not None:
        conditions.append(User.role == role)
    total = db.session.execute(db.select(db.func.count(User.id)).where(*conditions)).scalar_one()
    users = (
        db.session.execute(
            db.select(User)
            .where(*conditions)
            .order_by(User.created_at.desc(), User.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return UserPage(list(users), page, max(1, -(-total // per_page)), total)


def update_user(actor: User, user: User, role: str, active: bool) -> User:
    """Change ``user``'s role and active flag. An admin cannot take the admin role away
    from themselves nor deactivate themselves, so a deployment always keeps the admin
    who is making changes. A deactivated user is logged out on their next request and
    their API tokens stop working."""
    errors = {}
    if role not in ROLES:
        errors["role"] = _("Unknown role.")
    elif actor.id == user.id and role != "admin":
        errors["role"] = _("You cannot take away your own administrator role.")
    if actor.id == user.id and not active:
        errors["active"] = _("You cannot deactivate your own account.")
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    user.role = role
    was_active, user.active = user.active, bool(active)
    if was_active != user.active:
        from lms_core.services.gradebook import gradebook_learner_changed

        # Plugins may leave inactive people out of their items (zoom's attendance).
        gradebook_learner_changed(user.id)
    db.session.commit()
    if was_active and not user.active:
        from lms_core.services import sessions

        sessions.end_all(user)  # its open pages stop hearing anything at once
    return user
