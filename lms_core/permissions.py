"""``can(user, action, target)``: every permission check goes through the
``lms_permission_allowed`` hook, whose default answers live in
``lms_core.defaults.permissions`` (registered ``trylast``)."""

from __future__ import annotations

from lms_core.plugins import get_plugin_manager


def can(user, action: str, target=None) -> bool:
    return bool(get_plugin_manager().call_first("lms_permission_allowed", user=user, action=action, target=target))
