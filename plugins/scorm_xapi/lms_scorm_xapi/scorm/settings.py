"""The SCORM half's settings, with their defaults. Each may be set in the app's config or
as an environment variable of the same name (converted to the default's type)."""

from __future__ import annotations

from lms_core import PluginSettings

settings = PluginSettings(
    {
        # Where package files are kept (outside the web root): <instance folder>/scorm-files.
        "SCORM_STORAGE_FOLDER": None,
        # Zip bombs: a package may hold at most this many files and bytes once unpacked.
        "SCORM_MAX_FILES": 10000,
        "SCORM_MAX_BYTES": 1024 * 1024 * 1024,
        # The uploaded zip itself.
        "SCORM_MAX_UPLOAD_BYTES": 512 * 1024 * 1024,
        # The origin packages are served from (``https://scorm.example.org``): another host
        # name pointed at the same application. Unset, packages are served from the site's
        # own origin (development; see the README's "Isolation").
        "SCORM_CONTENT_ORIGIN": None,
        # How long a player's runtime token is valid (seconds).
        "SCORM_TOKEN_SECONDS": 12 * 3600,
    }
)
