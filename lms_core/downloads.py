"""Serving files that people uploaded, so that none of them can run in the site's
origin: a hand-in called ``essay.html`` or ``notes.js`` (or an SVG with a script in
it) is always a download, never a page or a script the browser would execute.

Every plugin that serves uploads uses :func:`send_upload` (from the facade)."""

from __future__ import annotations

from flask import send_file

# Types a browser shows or hands to another program without running anything in the
# site's origin. Anything else (HTML, JavaScript, SVG, XML, JSON, unknown) is sent as
# application/octet-stream.
INERT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/zip",
        "application/gzip",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
RASTER_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


# Names a browser or an operating system would treat as a page or a program, whatever
# type they were stored with.
ACTIVE_EXTENSIONS = frozenset(
    {"htm", "html", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "js", "mjs", "css", "swf", "hta", "wasm"}
)


def safe_content_type(content_type: str | None, name: str = "") -> str:
    """The type to send a file as: its own when inert, else a download."""
    base = (content_type or "").split(";")[0].strip().lower()
    if name.rsplit(".", 1)[-1].lower() in ACTIVE_EXTENSIONS and "." in name:
        return "application/octet-stream"
    return base if base in INERT_TYPES else "application/octet-stream"


def send_upload(source, download_name: str, content_type: str | None, inline_image: bool = False):
    """Send an uploaded file (a path or a binary file object) as an attachment with a
    safe type, ``nosniff`` and a sandboxing policy. ``inline_image`` lets a raster
    image (PNG, JPEG, GIF, WebP) be shown in an ``<img>``; nothing else is ever inline."""
    mimetype = safe_content_type(content_type, download_name)
    inline = inline_image and mimetype in RASTER_IMAGES
    response = send_file(
        source, mimetype=mimetype, as_attachment=not inline, download_name=download_name, conditional=True, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
