"""In a real Chromium against the real server: the main pages of every role run under
the Content-Security-Policy without a single violation (inline script, an ``on*=``
attribute, a script or connection to another origin would each be one)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from lms_core.testing import browser_login
from lms_core.testing import choose_language
from tests.test_api_fuzz import world  # noqa: F401 - the shared fixture: a course with every plugin's objects

pytestmark = pytest.mark.browser

PAGES_PER_ROLE = 14
SKIP = ("/logout", "/files/", "/pdf", ".pdf", "/zip", ".zip", "/download", "/export", "/static/", "/api/")
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def watch(page) -> list[str]:
    """Collects CSP violations: the DOM events (recorded before any page script runs)
    and the console's reports."""
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda m: (
            problems.append(f"console: {m.text}")
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
            else None
        ),
    )
    return problems


def visit(page, url: str, problems: list[str]) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # let deferred scripts run
    problems.extend(f"{url}: {v}" for v in page.evaluate("window.__csp || []"))
    return page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")


def crawl(page, base: str, start: list[str], problems: list[str]) -> list[str]:
    """Follows the site's own links from ``start``, breadth first, up to PAGES_PER_ROLE."""
    seen, queue, visited = set(start), list(start), []
    while queue and len(visited) < PAGES_PER_ROLE:
        path = queue.pop(0)
        hrefs = visit(page, urljoin(base, path), problems)
        visited.append(path)
        for href in hrefs:
            parts = urlsplit(urljoin(base + path, href))
            if f"{parts.scheme}://{parts.netloc}" != base or any(s in parts.path for s in SKIP):
                continue
            if parts.path not in seen:
                seen.add(parts.path)
                queue.append(parts.path)
    return visited


def test_the_main_pages_of_every_role_run_without_a_csp_violation(live_server, browser_page, world, factory):
    from lms_core.extensions import db
    from lms_core.models import Course, Quiz

    course = db.session.get(Course, world["ids"]["course_id"])
    timed = factory.quiz(course, title="Timed", time_limit_minutes=5)
    page = browser_page
    problems = watch(page)

    anonymous = crawl(page, live_server, ["/", "/login", "/register", f"/courses/{course.slug}"], problems)
    visited = {"anonymous": anonymous}
    for role, start in [
        ("student", ["/dashboard", f"/courses/{course.slug}", f"/quizzes/{timed.id}"]),
        ("teacher", ["/teach", f"/teach/courses/{course.id}"]),
        ("admin", ["/admin"]),
    ]:
        page.context.clear_cookies()
        browser_login(page, live_server, world["users"][role])
        visited[role] = crawl(page, live_server, start, problems)
        if role == "student":
            page.goto(f"{live_server}/quizzes/{timed.id}")
            page.click("#start-quiz")  # the countdown is a static script
            page.wait_for_selector("#time-left:has-text(':')")
            problems.extend(page.evaluate("window.__csp || []"))

    choose_language(page, "ru")  # the language menu submits itself (page.js)
    problems.extend(page.evaluate("window.__csp || []"))

    assert sum(len(v) for v in visited.values()) >= 30, visited
    assert any(p.startswith("/assignments") for p in visited["student"] + visited["teacher"]), visited
    assert not problems, "\n".join(problems)
    db.session.get(Quiz, timed.id)


def test_an_inline_script_would_be_caught(live_server, browser_page):
    page = browser_page
    problems = watch(page)
    visit(page, live_server + "/login", problems)

    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'document.title = "pwned"'; document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    problems.extend(page.evaluate("window.__csp"))

    assert page.title() != "pwned"
    assert any("script-src" in p for p in problems), problems
