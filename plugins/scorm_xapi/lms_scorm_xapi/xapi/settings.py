"""The xAPI settings: deployment values in the app config (or the environment), and what
the admin gives on the settings page (kept in ``scorm_xapi_lrs_settings``), which wins.

The LRS is off until an endpoint is set: then every learning record of an enabled
plugin's events becomes a statement sent to it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lms_core import PluginSettings, ServiceError, db, gettext as _

VERSIONS = ("1.0.3", "2.0.0")
ACTORS = ("account", "mbox")  # pseudonymous account (homePage + opaque name) or mailto: e-mail

DEFAULTS = {
    "SCORM_XAPI_LRS_ENDPOINT": "",  # e.g. https://lrs.example.org/xAPI/ (the statements resource is below it)
    "SCORM_XAPI_LRS_KEY": "",
    "SCORM_XAPI_LRS_SECRET": "",
    "SCORM_XAPI_VERSION": "1.0.3",
    "SCORM_XAPI_ACTOR": "account",
    "SCORM_XAPI_CONNECT_TIMEOUT": 5.0,  # seconds to reach the LRS
    "SCORM_XAPI_READ_TIMEOUT": 15.0,  # seconds for its answer
    "SCORM_XAPI_RETRY_INTERVALS": (10, 60, 300, 1800, 7200, 21600),  # back-off; then given up
    "SCORM_XAPI_SEND_INTERVAL": 30,  # how often the sweep sends what is due
    "SCORM_XAPI_BATCH": 200,  # statements one job sends for one learner before it hands over
}
EDITABLE = {  # field on the page -> setting
    "endpoint": "SCORM_XAPI_LRS_ENDPOINT",
    "key": "SCORM_XAPI_LRS_KEY",
    "secret": "SCORM_XAPI_LRS_SECRET",
    "version": "SCORM_XAPI_VERSION",
    "actor": "SCORM_XAPI_ACTOR",
}
SETTINGS = PluginSettings(DEFAULTS)
_KEY = "lrs"


def config(name: str):
    """A deployment setting: the app's config, else the environment, else the default."""
    return SETTINGS.get(name)


def stored() -> dict:
    from lms_scorm_xapi.xapi.models import LrsSetting

    row = db.session.get(LrsSetting, _KEY)
    return dict(row.value) if row else {}


def lrs() -> dict:
    """The LRS in force: the admin's values over the deployment's."""
    saved = stored()
    values = {field: saved.get(field) or config(name) for field, name in EDITABLE.items()}
    values["endpoint"] = (values["endpoint"] or "").strip()
    return values


def enabled() -> bool:
    return bool(lrs()["endpoint"])


def retry_intervals() -> list[int]:
    value = config("SCORM_XAPI_RETRY_INTERVALS")
    if isinstance(value, str):
        value = [part for part in value.replace(" ", "").split(",") if part]
    return [int(v) for v in value]


def validate(form) -> dict:
    """The page's values checked field by field; raises ``ServiceError`` with a message
    at each bad field (nothing is saved then)."""
    errors: dict[str, str] = {}
    endpoint = (form.get("endpoint") or "").strip()
    key = (form.get("key") or "").strip()
    secret = (form.get("secret") or "").strip()
    version = (form.get("version") or "").strip()
    actor = (form.get("actor") or "").strip()
    current = stored()
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["endpoint"] = _("Enter the LRS address as an http:// or https:// URL.")
        elif parts.query or parts.fragment:
            errors["endpoint"] = _("The LRS address takes no query or fragment: give the xAPI base, e.g. /xAPI/.")
        elif len(endpoint) > 500:
            errors["endpoint"] = _("The address is too long (500 characters at most).")
        elif not endpoint.endswith("/"):
            endpoint += "/"
    if len(key) > 200:
        errors["key"] = _("The key is too long (200 characters at most).")
    if len(secret) > 200:
        errors["secret"] = _("The secret is too long (200 characters at most).")
    if not secret and endpoint == (current.get("endpoint") or ""):
        secret = current.get("secret", "")  # an empty field keeps the stored secret, for the same LRS only
    if endpoint and key and not secret:
        errors["secret"] = _("Enter the secret that goes with the key.")
    if endpoint and secret and not key:
        errors["key"] = _("Enter the key that goes with the secret.")
    if version not in VERSIONS:
        errors["version"] = _("Choose one of the offered values.")
    if actor not in ACTORS:
        errors["actor"] = _("Choose one of the offered values.")
    if errors:
        raise ServiceError("invalid", _("The settings were not saved."), 400, errors)
    return {"endpoint": endpoint, "key": key, "secret": secret, "version": version, "actor": actor}


def save(values: dict) -> None:
    from lms_scorm_xapi.xapi.models import LrsSetting

    row = db.session.get(LrsSetting, _KEY)
    if row is None:
        db.session.add(LrsSetting(key=_KEY, value=dict(values)))
    else:
        row.value = dict(values)
    db.session.commit()
