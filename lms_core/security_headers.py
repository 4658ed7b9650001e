"""The security headers of every answer, set in this one place.

* ``Content-Security-Policy``: scripts only from the site itself (no inline script, no
  ``on*=`` attributes, no ``eval``), no plugins/objects, no framing by other sites,
  forms posting only here. Plugins extend it through the ``lms_content_security_policy``
  hook (a video provider's ``frame-src``, a content origin for SCORM packages), admins
  through ``LMS_CSP_EXTRA``; ``LMS_MARKDOWN_IMAGE_HOSTS`` adds its hosts to ``img-src``.
* ``Permissions-Policy``: no geolocation, payment or USB; camera, microphone, screen
  capture and full screen only for the site and the origins allowed in ``frame-src``
  (a framed video lecture needs them).
* ``Strict-Transport-Security`` when ``LMS_HSTS_SECONDS`` is set (off by default: it
  must only be sent by a site served over HTTPS, see docs/deployment.md).
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``, ``X-Frame-Options`` (for
  browsers older than ``frame-ancestors``).

Written here rather than with flask-talisman: its last release is from 2023, and the
policy must be assembled from the plugins' hook and settings at start, which is a
few lines of our own.
"""

from __future__ import annotations

from flask import Flask

BASE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    # Inline style attributes stay allowed (progress bars set their width in the
    # template); they cannot run script, and Markdown never keeps a style attribute.
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),  # 'self' includes the same host's ws:/wss: (Socket.IO)
    "media-src": ("'self'",),
    "frame-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
DENIED_FEATURES = ("geolocation", "payment", "usb")
FRAME_FEATURES = ("camera", "microphone", "display-capture", "fullscreen")


def merge_policy(base: dict, *extensions: dict) -> dict[str, list[str]]:
    """``base`` with every extension's sources added, directive by directive, in order
    and without duplicates. ``'none'`` gives way when a source is added."""
    policy = {directive: list(sources) for directive, sources in base.items()}
    for extension in extensions:
        for directive, sources in (extension or {}).items():
            if isinstance(sources, str):
                sources = sources.split()
            current = policy.setdefault(directive.strip().lower(), [])
            for source in sources:
                if source not in current:
                    current.append(source)
            if len(current) > 1 and "'none'" in current:
                current.remove("'none'")
    return policy


def render_policy(policy: dict[str, list[str]]) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}".strip() for directive, sources in policy.items())


def permissions_policy(policy: dict[str, list[str]]) -> str:
    framed = [f'"{s}"' for s in policy.get("frame-src", []) if s.startswith(("https://", "http://"))]
    parts = [f"{feature}=()" for feature in DENIED_FEATURES]
    parts += [f"{feature}=({' '.join(['self', *framed])})" for feature in FRAME_FEATURES]
    return ", ".join(parts)


def build_headers(app: Flask) -> dict[str, str]:
    """The headers for this app: computed once at start, from settings and plugins."""
    from lms_core.plugins import get_plugin_manager

    images = {"img-src": [f"https://{host}" for host in app.config.get("LMS_MARKDOWN_IMAGE_HOSTS", ())]}
    with app.app_context():
        from_plugins = [
            part
            for _name, part in get_plugin_manager().call_each_with_names(
                "lms_content_security_policy", include_disabled=True, app=app
            )
        ]
    policy = merge_policy(BASE_POLICY, images, *from_plugins, app.config.get("LMS_CSP_EXTRA") or {})
    headers = {
        "Content-Security-Policy": render_policy(policy),
        "Permissions-Policy": permissions_policy(policy),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    hsts = int(app.config.get("LMS_HSTS_SECONDS") or 0)
    if hsts > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
    return headers


def init_security_headers(app: Flask) -> None:
    headers = build_headers(app)
    app.extensions["lms_security_headers"] = headers

    @app.after_request
    def security_headers(response):
        for name, value in headers.items():
            # A view may set its own (a stricter policy for a served file, a framable page).
            response.headers.setdefault(name, value)
        return response
