"""The plugin's settings, with their defaults. Each may be set in the app's config or,
for deployments configured through the environment, as an environment variable of the
same name."""
from __future__ import annotations

import os

DEFAULTS = {
    # Name learners (name, e-mail) in the reporting views; pseudonyms only by default.
    # Re-create the views after changing it: `lms analytics views`.
    "ANALYTICS_REPORTING_NAMES": False,
    # The secret of the learner pseudonyms (default: derived from SECRET_KEY).
    "ANALYTICS_PSEUDONYM_SECRET": None,
    # Who may scrape /metrics: a bearer token, and/or addresses and networks.
    "ANALYTICS_METRICS_TOKEN": None,
    "ANALYTICS_METRICS_ALLOWED_IPS": "127.0.0.1,::1",
}
_FLAGS = {"ANALYTICS_REPORTING_NAMES"}


def apply(app) -> None:
    for name, default in DEFAULTS.items():
        if name in app.config:
            continue
        value = os.environ.get(name)
        if value is not None and (value or name == "ANALYTICS_METRICS_ALLOWED_IPS"):
            app.config[name] = value.lower() in ("1", "true", "yes") if name in _FLAGS else value
        else:
            app.config[name] = default
