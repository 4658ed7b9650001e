"""The chat in Debian's Chromium: a message typed in one browser appears live in another
(each on its own web process when Redis is there), in English and in Russian, at 1280
and 390 pixels wide without sideways scrolling. Screenshots are kept as the run's artefacts (the ``screenshots`` fixture)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lms_core import db
from lms_core.testing import browser_login


@pytest.fixture
def servers(request, live_server):
    # Two web processes when they can reach each other (Redis), else one.
    if os.environ.get("LMS_TEST_REDIS_URL"):
        return live_server, request.getfixturevalue("second_live_server")
    return live_server, live_server


def shoot(page, folder, name):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}px"
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


@pytest.mark.browser
def test_a_message_typed_in_one_browser_appears_live_in_another(course, servers, browser_page, screenshots):
    from lms_chat import messages

    ann, bob, _cleo = course.learners
    bob.locale = "ru"
    db.session.commit()
    messages.post(course.teacher, course.room, "Welcome to **Python basics**! Ask here.", "welcome-0001")
    messages.post(bob, course.room, "Where are the slides of lesson 2?", "bob-question-1")
    one, two = servers

    ann_page = browser_page
    browser_login(ann_page, one, ann)
    ann_page.goto(f"{one}/chat/course/{course.course.id}")
    ann_page.locator("#chat-online", has_text="Ann Lee").wait_for()

    bob_context = ann_page.context.browser.new_context(locale="ru-RU", timezone_id="UTC")
    try:
        bob_page = bob_context.new_page()
        browser_login(bob_page, two, bob)
        bob_page.goto(f"{two}/chat/{course.room.id}")
        bob_page.locator("#chat-online", has_text="Ann Lee").wait_for()
        assert bob_page.locator("h1").inner_text() == "Чат курса"

        ann_page.fill("#chat-body", "They are in the *Files* section, @Bob Stone")
        bob_page.locator("#chat-typing", has_text="Ann Lee").wait_for()  # typing travels too
        ann_page.press("#chat-body", "Enter")
        live = bob_page.locator("#chat-messages li", has_text="They are in the")
        live.wait_for()
        assert live.locator("em").inner_text() == "Files"  # Markdown, drawn from the sanitised HTML
        assert ann_page.locator("#chat-body").input_value() == ""
        mine = ann_page.locator("#chat-messages li", has_text="They are in the")
        mine.first.wait_for()  # the sender's own copy comes with the server's answer, maybe after Bob's
        assert mine.count() == 1  # once, not twice (the answer and the room's broadcast are one message)

        bob_page.fill("#chat-body", "x" * 10 + "!")
        bob_page.click("#chat-post button[type=submit]")
        ann_page.locator("#chat-messages li", has_text="xxxxxxxxxx!").wait_for()
        shoot(ann_page, screenshots, "room-en")
        shoot(bob_page, screenshots, "room-ru")
        bob_page.goto(f"{two}/chat/")
        shoot(bob_page, screenshots, "index-ru")
    finally:
        bob_context.close()


def tiny_png(path: Path) -> Path:
    """A real 8x8 PNG (the browser must be able to draw it)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * 8 for _ in range(8))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.browser
def test_a_picture_attached_in_one_browser_shows_in_another(course, servers, browser_page, tmp_path, screenshots):
    ann, bob, _cleo = course.learners
    one, two = servers
    bob_context = browser_page.context.browser.new_context(locale="ru-RU", timezone_id="UTC")
    try:
        bob_page = bob_context.new_page()
        browser_login(bob_page, two, bob)
        bob_page.goto(f"{two}/chat/{course.room.id}")
        bob_page.locator("#chat-online", has_text="Bob Stone").wait_for()

        ann_page = browser_page
        browser_login(ann_page, one, ann)
        ann_page.goto(f"{one}/chat/{course.room.id}")
        ann_page.fill("#chat-body", "My diagram")
        ann_page.set_input_files("#chat-file", str(tiny_png(tmp_path / "diagram.png")))
        ann_page.click("#chat-post button[type=submit]")  # with a file: the plain form post
        ann_page.locator("#chat-messages img[alt='diagram.png']").wait_for()
        live = bob_page.locator("#chat-messages img[alt='diagram.png']")
        live.wait_for()
        bob_page.wait_for_function(
            "document.querySelector(\"#chat-messages img[alt='diagram.png']\").naturalWidth === 8"
        )
        assert bob_page.locator("#chat-messages a[download]", has_text="diagram.png").count() == 1
        assert bob_page.locator("#chat-messages .chat-file", has_text="байт").count() == 1  # in Bob's language
        shoot(bob_page, screenshots, "room-file-ru")
    finally:
        bob_context.close()
