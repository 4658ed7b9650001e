"""The plugin's settings, with their defaults: each is read from the app's config, else
the environment variable of the same name, else the default."""

from __future__ import annotations

from lms_core import PluginSettings

settings = PluginSettings(
    {
        # Name learners (name, e-mail) in the reporting views; pseudonyms only by default.
        # Re-create the views after changing it: `lms analytics views`.
        "ANALYTICS_REPORTING_NAMES": False,
        # The secret of the learner pseudonyms (default: derived from SECRET_KEY).
        "ANALYTICS_PSEUDONYM_SECRET": None,
        # Who may scrape /metrics: a bearer token, and/or addresses and networks.
        "ANALYTICS_METRICS_TOKEN": None,
        "ANALYTICS_METRICS_ALLOWED_IPS": "127.0.0.1,::1",
    }
)
