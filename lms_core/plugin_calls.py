"""Calling hooks from a plugin: another plugin's optional hooks, or the hooks a plugin
declared itself (``lms_addhooks``), with the core's error isolation and enabled state."""

from __future__ import annotations

from typing import Any

from lms_core.contracts import Refusal
from lms_core.plugins import get_plugin_manager


def call_hook(hook_name: str, **kwargs: Any) -> list:
    """Every enabled implementation's result (``None`` left out), one at a time: an
    implementation that raises is logged against its plugin and skipped."""
    return get_plugin_manager().call_each(hook_name, **kwargs)


def call_first_hook(hook_name: str, **kwargs: Any) -> Any:
    """The first non-``None`` result in pluggy's order (for ``firstresult`` hooks such
    as ``render_certificate``), or ``None``."""
    return get_plugin_manager().call_first(hook_name, **kwargs)


def check_hook(hook_name: str, **kwargs: Any) -> Refusal | None:
    """Run a filter hook (``lms_before_*`` or a plugin's own): a ``Refusal`` wins over a
    hold, a hold over nothing; an implementation that raises refuses."""
    return get_plugin_manager().check(hook_name, **kwargs)
