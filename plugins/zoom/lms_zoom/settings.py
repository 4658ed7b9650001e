"""The plugin's settings, with their defaults. Each may be set in the app's config or,
for deployments configured through the environment, as an environment variable of the
same name. Secrets come only from here; every provider's base URL is a setting too, so
a deployment (or a test) can point it at another server."""

from __future__ import annotations

from lms_core import PluginSettings

DEFAULTS = {
    "ZOOM_DEFAULT_PROVIDER": "jitsi",
    "ZOOM_ENABLED_PROVIDERS": None,  # comma-separated; default: Jitsi plus every configured provider
    "ZOOM_HTTP_TIMEOUT": 10.0,  # seconds, for every call to a provider
    "ZOOM_JOIN_OPENS_MINUTES": 15,  # the join button appears this long before the start
    "ZOOM_REMINDER_MINUTES": 15,
    "ZOOM_WEBHOOK_TOLERANCE": 300,  # seconds a signed webhook's timestamp may be off
    "ZOOM_REPAIR_INTERVAL": 300,
    "ZOOM_REMINDER_INTERVAL": 60,
    "ZOOM_MAX_ATTEMPTS": 5,  # automatic retries of a meeting that could not be created
    # Zoom: a Server-to-Server OAuth app (Marketplace) with the meeting:write scopes.
    "ZOOM_ZOOM_ACCOUNT_ID": None,
    "ZOOM_ZOOM_CLIENT_ID": None,
    "ZOOM_ZOOM_CLIENT_SECRET": None,
    "ZOOM_ZOOM_WEBHOOK_SECRET": None,  # the app's "Secret Token" for webhooks
    "ZOOM_ZOOM_OAUTH_URL": "https://zoom.us",
    "ZOOM_ZOOM_API_URL": "https://api.zoom.us/v2",
    "ZOOM_ZOOM_USER": "me",  # the host of the meetings
    # Microsoft Teams: an Entra ID app with OnlineMeetings.ReadWrite.All (application)
    # and OnlineMeetingArtifact.Read.All, and an application access policy for the organizer.
    "ZOOM_TEAMS_TENANT_ID": None,
    "ZOOM_TEAMS_CLIENT_ID": None,
    "ZOOM_TEAMS_CLIENT_SECRET": None,
    "ZOOM_TEAMS_ORGANIZER": None,  # the organizer's user id or principal name
    "ZOOM_TEAMS_AUTHORITY_URL": "https://login.microsoftonline.com",
    "ZOOM_TEAMS_GRAPH_URL": "https://graph.microsoft.com/v1.0",
    "ZOOM_TEAMS_CA_BUNDLE": None,  # a CA file for a private authority / Graph proxy
    # BigBlueButton: the API endpoint (…/bigbluebutton/api) and its shared secret.
    "ZOOM_BBB_URL": None,
    "ZOOM_BBB_SECRET": None,
    "ZOOM_BBB_CHECKSUM": "sha256",  # sha1, sha256, sha384 or sha512
    # Jitsi Meet: the public meet.jit.si (no account) or a self-hosted server with JWT.
    "ZOOM_JITSI_URL": "https://meet.jit.si",
    "ZOOM_JITSI_APP_ID": None,
    "ZOOM_JITSI_SECRET": None,
}
settings = PluginSettings(DEFAULTS)


def get(name: str):
    """The setting's value: the app's config, else the environment, else the default."""
    return settings.get(name)
