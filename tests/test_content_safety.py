"""What learners and teachers write or upload cannot pass for the site: Markdown keeps
no class, id or style of the site's components and loads images only from allowed
hosts; uploads are served as inert downloads; every page carries the security headers."""

from __future__ import annotations

import pytest

from lms_core.services.markdown import render

FAKE_INTERFACE = (
    '<div class="flash flash-success" id="unread-count" style="position:fixed;top:0">Payment received</div>\n\n'
    '<span class="button">Log in again</span> <a class="button" id="logout" href="/login">here</a>'
)


def test_markdown_cannot_borrow_the_sites_classes_ids_or_styles(app):
    html = str(render(FAKE_INTERFACE))

    assert "Payment received" in html and "Log in again" in html  # the words stay ...
    for attribute in ("class=", "id=", "style="):
        assert attribute not in html  # ... dressed as nothing of the site's
    assert '<a href="/login" rel="noopener noreferrer nofollow">here</a>' in html


def test_fenced_code_keeps_only_its_language_class(app):
    html = str(render('```python\nprint("hi")\n```\n\n<code class="language-js flash">x</code>'))

    assert '<code class="language-python">' in html
    assert '<code class="language-js">x</code>' in html


def test_images_from_other_hosts_are_dropped_unless_the_host_is_allowed(app):
    text = (
        "![chart](https://images.example.org/chart.png) ![tracker](https://tracker.example.net/p.gif) "
        "![relative](//tracker.example.net/p.gif) ![local](/static/img/variable.svg) "
        "![plain](http://images.example.org/chart.png)"
    )

    html = str(render(text))
    assert '<img alt="local" src="/static/img/variable.svg">' in html
    assert "tracker.example.net" not in html and "images.example.org" not in html
    assert '<img alt="chart">' in html  # the image's text stays

    app.config["LMS_MARKDOWN_IMAGE_HOSTS"] = ("images.example.org",)
    allowed = str(render(text))
    assert '<img alt="chart" src="https://images.example.org/chart.png">' in allowed
    assert "tracker.example.net" not in allowed
    assert "http://images.example.org" not in allowed  # HTTPS only


@pytest.mark.lms_config(LMS_MARKDOWN_IMAGE_HOSTS=("images.example.org",))
def test_allowed_image_hosts_are_in_the_content_security_policy(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    img_src = next(d for d in policy.split("; ") if d.startswith("img-src "))

    assert img_src == "img-src 'self' data: https://images.example.org"


def test_a_lesson_page_shows_the_authors_fake_button_as_plain_text(client, factory, login):
    course = factory.course()
    lesson = factory.lesson(course, body=FAKE_INTERFACE)
    student = factory.user()
    factory.enrol(student, course)
    login(client, student)

    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)

    assert "Payment received" in page
    assert 'class="flash flash-success" id="unread-count"' not in page


def test_every_page_carries_the_security_headers(client, factory, login):
    login(client, factory.user())
    for path in ("/", "/login", "/api/v1/me", "/static/css/lms.css", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "geolocation=()" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers  # off unless the site is served over HTTPS


@pytest.mark.lms_config(LMS_HSTS_SECONDS=31536000)
def test_hsts_is_sent_once_the_setting_is_on(client):
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_template_holds_inline_script_or_event_handler_attributes():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    templates = [
        *root.glob("lms_core/templates/**/*.html"),
        *root.glob("plugins/*/lms_*/templates/**/*.html"),
        *root.glob("examples/*/*/templates/**/*.html"),
    ]
    assert len(templates) > 40
    offenders = []
    for path in templates:
        source = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source) or re.search(r"<[^>]+\son[a-z]+\s*=", source):
            offenders.append(str(path.relative_to(root)))
    assert not offenders


def test_the_safe_type_of_any_upload():
    from lms_core.downloads import safe_content_type

    assert safe_content_type("image/svg+xml") == "application/octet-stream"
    assert safe_content_type("text/javascript") == "application/octet-stream"
    assert safe_content_type("text/html; charset=utf-8") == "application/octet-stream"
    assert safe_content_type("text/plain", "page.HTML") == "application/octet-stream"
    assert safe_content_type("application/pdf") == "application/pdf"
    assert safe_content_type(None) == "application/octet-stream"
