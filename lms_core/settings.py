"""Settings of a plugin, with their defaults declared in one place.

    # lms_myplugin/settings.py
    from lms_core import PluginSettings

    settings = PluginSettings({"MYPLUGIN_TIMEOUT": 10, "MYPLUGIN_API_URL": "https://example.org"})

    settings.get("MYPLUGIN_TIMEOUT")  # the app's config, else the environment, else 10

A value from the environment is converted to the type of its default (``int``,
``float``, ``bool``); a default of ``None`` means "a string, or unset".
"""

from __future__ import annotations

import os
from typing import Any

from flask import current_app

TRUE = {"1", "true", "yes", "on"}


class PluginSettings:
    def __init__(self, defaults: dict[str, Any]):
        self.defaults = dict(defaults)

    def get(self, name: str) -> Any:
        if name not in self.defaults:
            raise KeyError(f"{name} is not one of this plugin's settings: {', '.join(sorted(self.defaults))}")
        config = current_app.config
        if config.get(name) is not None:
            return config[name]
        raw = os.environ.get(name)
        if raw:
            return _convert(raw, self.defaults[name], name)
        return self.defaults[name]

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def as_dict(self) -> dict[str, Any]:
        """Every setting with its current value (for an admin page or ``lms`` output)."""
        return {name: self.get(name) for name in self.defaults}


def _convert(raw: str, default: Any, name: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in TRUE
    for kind in (int, float):
        if isinstance(default, kind):
            try:
                return kind(raw)
            except ValueError:
                raise ValueError(f"the environment variable {name}={raw!r} is not a number") from None
    return raw
