"""The plugin's settings, with their defaults, declared once. Each may be set in the
app's config or, for deployments configured through the environment, as an environment
variable of the same name (converted to the default's type)."""

from __future__ import annotations

from lms_core import PluginSettings

settings = PluginSettings(
    {
        "ASSIGNMENTS_GITHUB_API_URL": "https://api.github.com",
        "ASSIGNMENTS_GITHUB_HOSTS": None,  # default: githost.DEFAULT_HOSTS
        "ASSIGNMENTS_GITHUB_TOKEN": None,
        "ASSIGNMENTS_GITHUB_TIMEOUT": 10.0,  # seconds
        "ASSIGNMENTS_UPLOAD_FOLDER": None,  # default: <instance folder>/assignment-files
        "ASSIGNMENTS_REMINDER_INTERVAL": 300,  # seconds between reminder sweeps
        "ASSIGNMENTS_REPAIR_INTERVAL": 3600,
        "ASSIGNMENTS_DIGEST_INTERVAL": 900,  # seconds between checks for due daily summaries
    }
)
