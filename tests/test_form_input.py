"""Every form of the site, as each role fills it in wrongly: huge numbers, numbers
that are not numbers, digits of another script, over-long text. The answer is never a
500: the page comes back with the message at the field, in the user's language (here
Russian), or the value was fine and was saved."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from flask import g

from lms_core.testing import login
from tests.test_api_fuzz import world  # noqa: F401 - the shared fixture

BAD_VALUES = {
    "huge number": "9" * 30,
    "not a number": "NaN",
    "foreign digits": "١٢",
    "over-long": "x" * 300,
    "negative huge": "-" + "9" * 25,
}
SKIP_ACTIONS = ("logout", "delete", "revoke", "remove", "language", "regenerate", "release", "reissue")
TEXT_INPUTS = {"text", "number", "email", "url", "search", "datetime-local", "color", "tel", None}
PAGES_PER_ROLE = 25
CYRILLIC = re.compile("[а-яА-Я]")


def crawl(client, start: list[str]) -> list[tuple[str, lxml.html.HtmlElement]]:
    seen, queue, pages = set(start), list(start), []
    while queue and len(pages) < PAGES_PER_ROLE:
        path = queue.pop(0)
        g.pop("csrf_token", None)
        response = client.get(path)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        tree = lxml.html.fromstring(response.get_data(as_text=True))
        pages.append((path, tree))
        for href in tree.xpath("//a/@href"):
            parts = urlsplit(urljoin("http://localhost" + path, href))
            if (
                parts.netloc == "localhost"
                and parts.path not in seen
                and not any(s in parts.path for s in ("/files/", "/pdf", "/zip", "/static/", "/api/", "/download"))
            ):
                seen.add(parts.path)
                queue.append(parts.path)
    return pages


def form_fields(form) -> tuple[dict, list[str], set[str]]:
    """The values the form would send as it stands, the names a user types into, and
    which of them are numbers."""
    values, typed = {}, []
    for element in form.xpath(".//input|.//textarea|.//select"):
        name = element.get("name")
        if not name:
            continue
        kind = (element.get("type") or "").lower() or None
        if element.tag == "select":
            chosen = element.xpath(".//option[@selected]/@value") or element.xpath(".//option/@value")
            values[name] = chosen[0] if chosen else ""
        elif element.tag == "textarea":
            values[name] = element.text or ""
            typed.append(name)
        elif kind in ("checkbox", "radio"):
            if element.get("checked") is not None:
                values[name] = element.get("value", "y")
        elif kind not in ("submit", "button", "file", "password", "image", "reset"):
            values[name] = element.get("value", "")
            if kind in TEXT_INPUTS and kind != "hidden":
                typed.append(name)
    numbers = {e.get("name") for e in form.xpath(".//input[@type='number' or @inputmode='numeric']")}
    return values, [n for n in typed if n != "csrf_token"], numbers


def check_forms(client, pages) -> tuple[int, list[str]]:
    problems, tried = [], 0
    for path, tree in pages:
        for form in tree.xpath("//form[translate(@method, 'POST', 'post')='post']"):
            action = urljoin("http://localhost" + path, form.get("action") or path)
            if any(word in action for word in SKIP_ACTIONS):
                continue
            values, typed, numbers = form_fields(form)
            for field in typed:
                for kind, bad in BAD_VALUES.items():
                    try:
                        response = client.post(
                            urlsplit(action).path, data={**values, field: bad}, headers={"Accept-Language": "ru"}
                        )
                    except Exception as exc:  # noqa: BLE001 - the test app re-raises what would be a 500
                        problems.append(f"{action} {field}={kind}: 500 {type(exc).__name__}: {exc}"[:300])
                        continue
                    tried += 1
                    if response.status_code >= 500:
                        problems.append(f"{action} {field}={kind}: {response.status_code}")
                    elif response.mimetype == "text/html" and (
                        response.status_code >= 400 or response.status_code == 200 and field in numbers
                    ):
                        # A refusal, or a number field's page again: the message must be there.
                        # (Text such as "NaN" is a fine name for a token: a 200 page is then a success.)
                        page = lxml.html.fromstring(response.get_data(as_text=True) or "<p></p>")
                        alerts = " ".join(
                            e.text_content()
                            for e in page.xpath(
                                "//*[@role='alert' or contains(@class, 'field-error') or contains(@class, 'flash-error')]"
                            )
                        )
                        if not alerts.strip() or not CYRILLIC.search(alerts):
                            problems.append(
                                f"{action} {field}={kind}: {response.status_code} without a message "
                                f"in Russian ({alerts.strip()[:80]!r})"
                            )
    return tried, problems


@pytest.mark.parametrize(
    "role, start",
    [
        ("teacher", ["/teach", "/teach/courses/{course_id}"]),
        ("admin", ["/admin", "/admin/users"]),
        ("student", ["/dashboard", "/account"]),
    ],
)
def test_wrong_input_in_any_form_gets_a_message_at_the_field_never_a_500(app, client, world, role, start):
    user = world["users"][role]
    user.locale = "ru"
    from lms_core.extensions import db

    db.session.commit()
    login(client, user)
    pages = crawl(client, [p.format(**world["ids"]) for p in start])

    tried, problems = check_forms(client, pages)

    assert tried >= 20, [p for p, _t in pages]
    assert not problems, f"{len(problems)} of {tried}:\n" + "\n".join(problems)
