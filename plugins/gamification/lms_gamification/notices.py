"""The plugin's notifications, drawn from their params in the language of whoever reads
them (``lms_notification_texts``): a level reached, a badge earned. Built-in level and
badge names are kept by their code, so they are translated when shown; names a teacher
typed are shown as typed."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import gettext as _

from lms_core import notification_name

LEVEL = "gamification.level"
BADGE = "gamification.badge"


def level_title(params: dict) -> str:
    from lms_gamification.levels import DEFAULT_LEVELS

    name = params.get("level", "")
    builtin = params.get("builtin_level")
    if isinstance(builtin, int) and 1 <= builtin <= len(DEFAULT_LEVELS):
        name = DEFAULT_LEVELS[builtin - 1][1]
    course = notification_name(params, "course")
    if course:
        return _("You reached the level “%(level)s” in “%(course)s”", level=str(name), course=course)
    return _("You reached the level “%(level)s”", level=str(name))


def badge_texts(params: dict) -> tuple[str, str]:
    from lms_gamification.badges import BUILTIN_BY_CODE, criterion_sentence

    name, description = params.get("badge", ""), params.get("description", "")
    builtin = BUILTIN_BY_CODE.get(params.get("builtin") or "")
    if builtin is not None and not params.get("own_name"):
        name = builtin.name
    if not params.get("own_description"):
        if builtin is not None and params.get("criterion_params") == builtin.params:
            description = builtin.description
        elif params.get("criterion"):
            badge = SimpleNamespace(criterion=params["criterion"], params=params.get("criterion_params") or {})
            description = criterion_sentence(badge)
    return _("You earned the badge “%(name)s”", name=str(name)), str(description)


def texts() -> dict:
    return {LEVEL: level_title, BADGE: badge_texts}
