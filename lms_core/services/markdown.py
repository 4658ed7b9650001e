"""Lesson Markdown to safe HTML: Markdown renders, then nh3 (Ammonia) removes anything
that could run script, whatever the author wrote.

Learner- and teacher-written text must not pass for the site itself either: no
``class``, ``id`` or ``style`` survives (they would borrow the site's components: a
fake "flash" message, a login button, an element a script looks up by id), except the
``language-…`` class Markdown puts on fenced code. Images load only from the site or
from the hosts an admin lists in ``LMS_MARKDOWN_IMAGE_HOSTS`` (an image from anywhere
else tells its host who read the page, and when); other images keep their text only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import markdown as markdown_lib
import nh3
from flask import current_app, has_app_context
from markupsafe import Markup

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
}
CODE_LANGUAGE = re.compile(r"^language-[A-Za-z0-9_+#.-]{1,40}$")


def image_hosts() -> frozenset[str]:
    if not has_app_context():
        return frozenset()
    return frozenset(h.lower() for h in current_app.config.get("LMS_MARKDOWN_IMAGE_HOSTS", ()))


def _image_allowed(src: str, hosts: frozenset[str]) -> bool:
    parts = urlsplit(src)
    if not parts.scheme and not parts.netloc:
        return not src.startswith("\\")  # a path on this site ("/static/...", "diagram.png")
    return parts.scheme == "https" and (parts.hostname or "") in hosts


def _filter(hosts: frozenset[str]):
    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if element == "code" and attribute == "class":
            languages = [c for c in value.split() if CODE_LANGUAGE.match(c)]
            return languages[0] if languages else None
        if element == "img" and attribute == "src":
            return value if _image_allowed(value, hosts) else None
        return value

    return attribute_filter


def render(text: str) -> Markup:
    html = markdown_lib.markdown(text or "", extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter(image_hosts()),
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def render_inline(text: str) -> Markup:
    """Like ``render``, without the paragraph around a one-paragraph text (an option's
    label, a short answer): ``**bold**`` and `` `code` `` stay inline."""
    html = str(render(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)
