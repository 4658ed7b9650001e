"""The plugin's settings, with their defaults. Each may be set in the app's config
or, for deployments configured through the environment, as an environment variable
of the same name."""
from __future__ import annotations

import os

DEFAULTS = {
    "ASSIGNMENTS_GITHUB_API_URL": "https://api.github.com",
    "ASSIGNMENTS_GITHUB_TOKEN": None,
    "ASSIGNMENTS_GITHUB_TIMEOUT": 10,
    "ASSIGNMENTS_UPLOAD_FOLDER": None,  # default: <instance folder>/assignment-files
    "ASSIGNMENTS_REMINDER_INTERVAL": 300,  # seconds between reminder sweeps
    "ASSIGNMENTS_REPAIR_INTERVAL": 3600,
}
_NUMBERS = {"ASSIGNMENTS_GITHUB_TIMEOUT", "ASSIGNMENTS_REMINDER_INTERVAL", "ASSIGNMENTS_REPAIR_INTERVAL"}


def apply(app) -> None:
    for name, default in DEFAULTS.items():
        if name in app.config:
            continue
        value = os.environ.get(name)
        if value:
            app.config[name] = float(value) if name in _NUMBERS else value
        else:
            app.config[name] = default
