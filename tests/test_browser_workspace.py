"""A teacher walks the course workspace and the gradebook in Chromium (issue 11), in
English and Russian, at 1280 and 390 px: every tab opens its page with the same tabs,
nothing scrolls sideways, the gradebook's wide table scrolls inside its card, and an
override is made through the form. Screenshots are kept as the run's artefacts (the ``screenshots`` fixture)."""

from __future__ import annotations

import pytest

from lms_core.extensions import db
from lms_core.models import User
from lms_core.testing import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.lms_config(LMS_PLUGINS="assignments,certificates,gamification,zoom,payments"),
]

WIDTHS = (1280, 390)


def no_sideways_scroll(page) -> bool:
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right >"
        " document.documentElement.clientWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    print("wider than the page:", wide)  # noqa: T201 - shown when a test fails
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


# The gradebook headings whose longest word is wider than the heading's cell: such a word
# is broken inside (the words are measured in a nowrap probe with the heading's font).
WORDS_FIT_THEIR_HEADINGS = """() => [...document.querySelectorAll('#gradebook thead th a')].filter(link => {
  const cell = link.closest('th'), style = getComputedStyle(cell);
  const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const probe = document.createElement('span');
  probe.style.cssText = 'position: absolute; visibility: hidden; white-space: nowrap';
  probe.textContent = link.textContent.split(/\\s+/).sort((a, b) => b.length - a.length)[0];
  link.appendChild(probe);  // inside the link: its font, out of the layout
  const wide = probe.getBoundingClientRect().width > room + 0.5;
  probe.remove();
  return wide;
}).map(link => link.textContent)"""


def test_a_teacher_walks_the_workspace_tabs_and_the_gradebook(live_server, browser_page, factory, screenshots):
    teacher = factory.user(role="teacher", name="Tess Teacher")
    course = factory.course(teacher=teacher, title="Geology for everyone")
    quizzes = [factory.quiz(course, title=f"Minerals and rocks, part {n}") for n in range(1, 9)]
    learners = [factory.user(name=f"Learner number {n}") for n in range(1, 6)]
    for n, learner in enumerate(learners):
        factory.enrol(learner, course)
        for quiz in quizzes[: n + 2]:
            factory.attempt(learner, quiz, correct=n % 2 == 0)
    page = browser_page
    browser_login(page, live_server, teacher)

    for language in ("en", "ru"):
        if language == "ru":
            db.session.get(User, teacher.id).locale = "ru"
            db.session.commit()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server}/teach/courses/{course.id}")
        tabs = page.locator("#workspace-tabs a[data-tab]")
        keys = [tabs.nth(i).get_attribute("data-tab") for i in range(tabs.count())]
        assert {"content", "settings", "gradebook", "assignments", "live", "certificates", "prices"} <= set(keys)
        for key in keys:
            page.click(f"#workspace-tabs a[data-tab='{key}']")
            page.wait_for_selector(f"#workspace-tabs a[data-tab='{key}'][aria-current='page']")
            page.wait_for_load_state("load")  # the elements are there before the style sheets on a busy machine
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                assert no_sideways_scroll(page), (language, key, width)
            if key in ("content", "assignments", "gradebook"):
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    page.screenshot(path=str(screenshots / f"workspace-{key}-{language}-{width}.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
        heading = "Журнал оценок" if language == "ru" else "Gradebook"
        page.click("#workspace-tabs a[data-tab='gradebook']")
        page.wait_for_selector("#workspace-tabs a[data-tab='gradebook'][aria-current='page']")
        page.wait_for_load_state("load")  # the widths below need the style sheets applied
        assert page.inner_text("h1") == heading
        assert page.locator("#gradebook tbody tr").count() == len(learners)
        for width in WIDTHS:  # item headings wrap between words, never inside one
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate(WORDS_FIT_THEIR_HEADINGS) == [], (language, width)
        page.set_viewport_size({"width": 1280, "height": 900})

    # An override through the form, at phone width, in Russian: the reason is required.
    page.set_viewport_size({"width": 390, "height": 900})
    page.click(f"#gradebook tr[data-user='{learners[0].id}'] a")
    key = f"quiz:{quizzes[7].id}"
    page.select_option("#item_key", key)
    page.fill("#points", "1")
    page.click("#save-override")
    page.wait_for_selector(".field-error")
    assert "Укажите, почему оценка меняется" in page.inner_text(".field-error")
    assert page.input_value("#points") == "1" and page.input_value("#item_key") == key  # kept
    page.fill("#reason", "Сдал устно")
    page.click("#save-override")
    page.wait_for_selector(".flash-success")
    assert "Сдал устно" in page.inner_text("#history")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / "gradebook-learner-ru-390.png"), full_page=True)
