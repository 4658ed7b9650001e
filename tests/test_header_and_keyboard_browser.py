"""In a real Chromium: the header of the widest case (an admin, every plugin, Russian)
fits one line at 1280 px, a learner reaches a quiz from the course page, answers it
and submits it with the keyboard alone, and a teacher goes through the workspace's tabs,
filters the gradebook and changes a grade with the keyboard alone."""

import pytest

from lms_core.extensions import db
from lms_core.models import Attempt, GradeOverride
from lms_core.testing import browser_login

pytestmark = pytest.mark.browser

HEADER_LAYOUT = """() => {
  const bar = document.querySelector(".topbar");
  const items = [...bar.querySelectorAll(".brand, .mainnav > a, .mainnav > details, .usernav > *")].filter(e => e.offsetParent !== null);
  const tops = items.map(e => e.getBoundingClientRect().top);
  const lineHeight = parseFloat(getComputedStyle(document.querySelector(".mainnav a")).lineHeight) || 24;
  return {
    overflow: bar.scrollWidth - bar.clientWidth,
    rows: Math.max(...tops) - Math.min(...tops),
    wrapped: [...bar.querySelectorAll(".mainnav > a, .mainnav summary, .usernav a, .usernav button")]
      .filter(e => e.getBoundingClientRect().height > 1.6 * lineHeight).map(e => e.textContent.trim()),
    folded: !document.getElementById("menu-toggle").hidden && getComputedStyle(document.getElementById("menu-toggle")).display !== "none",
    links: bar.querySelectorAll("a[href]").length,
  };
}"""


def test_the_russian_admin_header_with_every_plugin_fits_one_line_at_1280(
    live_server, _lms_browser, factory, screenshots
):
    admin = factory.user(role="admin", name="Ада Администраторова", locale="ru")
    context = _lms_browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        browser_login(page, live_server, admin)
        for path in ("/dashboard", "/admin/"):
            page.goto(live_server + path)
            layout = page.evaluate(HEADER_LAYOUT)
            page.screenshot(path=str(screenshots / f"header-ru-admin{path.replace('/', '-')}.png"))
            assert layout["links"] >= 8, layout  # every plugin's menu entry is there to measure
            assert not layout["folded"], f"the header folds at 1280 px on {path}"
            assert layout["overflow"] <= 0, f"the header overflows by {layout['overflow']} px on {path}"
            assert layout["rows"] < 12, f"the header wraps onto a second line on {path}: {layout}"
            assert not layout["wrapped"], f"menu entries break inside on {path}: {layout['wrapped']}"
        # the admin's menu opens with the keyboard, lists every plugin's admin page, and Escape closes it
        focus_by_tab(page, ".nav-admin-menu > summary")
        page.keyboard.press("Enter")
        assert page.locator(".nav-admin-menu .menu-items a").count() >= 5
        assert page.is_visible(".nav-admin-menu a[href='/admin/']")
        page.screenshot(path=str(screenshots / "header-ru-admin-menu-open.png"))
        page.keyboard.press("Escape")
        assert not page.is_visible(".nav-admin-menu a[href='/admin/']")
    finally:
        context.close()


def focus_by_tab(page, selector: str, presses: int = 120) -> None:
    """Press Tab until ``selector`` has the focus (bounded: fails if it never gets it)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_a_learner_goes_from_the_course_page_through_a_quiz_with_the_keyboard_alone(live_server, browser_page, factory):
    course = factory.course(title="Python")
    factory.lesson(course, title="Read first")
    quiz = factory.quiz(
        course,
        title="Types",
        questions=[{"kind": "single", "text": "2 + 2?", "points": 1, "choices": [("4", True), ("5", False)]}],
    )
    student = factory.user(name="Kim Keys")
    factory.enrol(student, course)
    page = browser_page
    browser_login(page, live_server, student)
    page.goto(f"{live_server}/courses/{course.slug}")

    focus_by_tab(page, f"main a[href='/quizzes/{quiz.id}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/quizzes/{quiz.id}")
    focus_by_tab(page, "#start-quiz")
    page.keyboard.press("Enter")
    page.wait_for_selector("#quiz-form")
    question = quiz.questions[0]
    focus_by_tab(page, f"input[name='{question.id}']")
    # arrows move between the options of one question; Space chooses the focused one
    while page.evaluate("() => document.activeElement.value") != str(question.choices[0].id):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    focus_by_tab(page, "#submit-quiz")
    page.keyboard.press("Enter")
    page.wait_for_selector("#attempt-review", timeout=60_000)
    db.session.expire_all()
    [attempt] = db.session.execute(db.select(Attempt).where(Attempt.user_id == student.id)).scalars().all()
    assert attempt.score == 1.0 and attempt.passed


def test_a_teacher_filters_the_gradebook_and_changes_a_grade_with_the_keyboard_alone(
    live_server, browser_page, factory, tmp_path
):
    teacher = factory.user(role="teacher", name="Tess Keys")
    course = factory.course(teacher=teacher, title="Rocks")
    quiz = factory.quiz(
        course,
        title="Minerals",
        questions=[{"kind": "single", "text": "Quartz?", "points": 2, "choices": [("yes", True), ("no", False)]}],
    )
    ann, bob = factory.user(name="Ann Passed"), factory.user(name="Bob Missing")
    for learner in (ann, bob):
        factory.enrol(learner, course)
    factory.attempt(ann, quiz, correct=True)
    page = browser_page
    browser_login(page, live_server, teacher)
    page.goto(f"{live_server}/teach/courses/{course.id}")

    # every tab of the workspace takes the focus; Enter opens the gradebook's
    for tab in ("content", "settings", "translations", "students"):
        focus_by_tab(page, f"#workspace-tabs a[data-tab='{tab}']")
    focus_by_tab(page, "#workspace-tabs a[data-tab='gradebook']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/teach/courses/{course.id}/gradebook")
    # the filter: the arrow keys choose in the focused list, Enter on the button applies it
    focus_by_tab(page, "#gradebook-show")
    while page.evaluate("() => document.activeElement.value") != "failing":
        page.keyboard.press("ArrowDown")
    focus_by_tab(page, "#gradebook-search button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**show=failing**")
    assert page.locator("#gradebook tbody tr").count() == 1
    assert page.locator(f"#gradebook tr[data-user='{bob.id}']").count() == 1
    page.screenshot(path=str(tmp_path / "gradebook-failing-keyboard.png"))
    # the learner's grades, and a grade changed with a reason
    focus_by_tab(page, f"#gradebook a[href$='/gradebook/learners/{bob.id}']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#override-form")
    focus_by_tab(page, "#points")
    page.keyboard.type("1.5")
    focus_by_tab(page, "#reason")
    page.keyboard.type("Oral exam")
    focus_by_tab(page, "#save-override")
    page.keyboard.press("Enter")
    page.wait_for_selector("#history li")
    db.session.expire_all()
    [change] = db.session.execute(db.select(GradeOverride).where(GradeOverride.user_id == bob.id)).scalars().all()
    assert (change.points, change.reason, change.item_key) == (1.5, "Oral exam", f"quiz:{quiz.id}")
