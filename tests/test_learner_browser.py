"""The learner's quiz story in a real Chromium, at 1280 and 390 px, in English and
Russian, with screenshots kept as the run's artefacts; the main pages of every role at
390 px without sideways scrolling (every plugin enabled); axe-core on them, failing on
any serious or critical violation."""

from pathlib import Path

import pytest

from lms_core.extensions import db
from lms_core.models import Attempt
from lms_core.testing import browser_login

pytestmark = pytest.mark.browser

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"  # copied by scripts/setup.sh from npm
WIDTHS = {"desktop": 1280, "phone": 390}

QUESTIONS = [
    {
        "kind": "single",
        "text": "What does this print?\n\n```python\nprint(len([1, 2]))\n```",
        "points": 1,
        "choices": [("`2`", True), ("`1`", False)],
        "feedback": "`len` counts the *items*.",
    },
    {"kind": "multiple", "text": "Which are **lists**?", "points": 1, "choices": [("`[1]`", True), ("`(1,)`", False)]},
    {
        "kind": "matching",
        "text": "Match the type",
        "points": 2,
        "choices": [("`3`", True), ("`'3'`", True)],
        "matches": ["int", "str"],
    },
    {"kind": "ordering", "text": "Smallest first", "points": 1, "choices": [("1", True), ("2", True), ("3", True)]},
    {"kind": "numeric", "text": "Half of 3?", "points": 1, "accepted_answers": ["1.5"], "tolerance": 0.01},
]

RUSSIAN = {"submit": "Отправить ответы", "anyway": "Всё равно отправить", "correct": "Верный ответ:"}
ENGLISH = {"submit": "Submit answers", "anyway": "Submit anyway", "correct": "Correct answer:"}


def shoot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_learner_takes_a_quiz_is_warned_of_an_unanswered_question_and_reviews_it(
    live_server, _lms_browser, factory, screenshots, language
):
    words = RUSSIAN if language == "ru" else ENGLISH
    course = factory.course(title="Python")
    factory.lesson(course, title="Read first")  # not done: the course stays open (no certificate to draw)
    quiz = factory.quiz(course, title="Types", questions=QUESTIONS, review_policy="after_attempt", max_attempts=5)
    student = factory.user(name="Sam Student", locale=language)
    factory.enrol(student, course)
    single, multiple, matching, ordering, numeric = quiz.questions
    from lms_core.services.quizzes import option_code

    shots = screenshots
    for label, width in WIDTHS.items():
        context = _lms_browser.new_context(
            locale="ru-RU" if language == "ru" else "en-US", viewport={"width": width, "height": 900}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            browser_login(page, live_server, student)
            page.goto(f"{live_server}/quizzes/{quiz.id}")
            page.click("#start-quiz")
            page.wait_for_selector("#quiz-form")
            assert "print(len([1, 2]))" in page.inner_text(f"#q{single.id}-text pre code")
            page.check(f"input[name='{single.id}'][value='{single.choices[0].id}']")
            page.check(f"input[name='{multiple.id}'][value='{multiple.choices[0].id}']")
            for place, item in enumerate(matching.choices, 1):  # options carry the learner's codes, not ids
                page.select_option(f"#q{matching.id}-m{place}", str(option_code(student.id, matching.id, item.id)))
            for place, item in enumerate(ordering.choices, 1):
                page.select_option(f"#q{ordering.id}-o{place}", str(option_code(student.id, ordering.id, item.id)))
            assert no_sideways_scroll(page), f"the quiz scrolls sideways at {width} px"
            shoot(page, shots, f"quiz-{language}-{label}")

            page.click("#submit-quiz")  # the numeric question is left empty
            page.wait_for_selector("#unanswered-warning:not([hidden])")
            assert "5" in page.inner_text("#unanswered-warning")
            assert page.inner_text("#submit-anyway") == words["anyway"]
            assert page.evaluate("document.activeElement.id") == "submit-anyway"  # reachable by keyboard
            shoot(page, shots, f"quiz-warning-{language}-{label}")
            page.keyboard.press("Enter")
            page.wait_for_selector("#attempt-review", timeout=60_000)
            assert page.locator(".correct-answer").count() == 5  # unanswered questions show theirs too
            assert words["correct"] in page.inner_text(f"#review-{single.id}")
            assert "items" in page.inner_text(f"#review-{single.id} .feedback")
            assert no_sideways_scroll(page), f"the review scrolls sideways at {width} px"
            shoot(page, shots, f"review-{language}-{label}")
        finally:
            context.close()
    db.session.expire_all()
    attempts = db.session.execute(db.select(Attempt).where(Attempt.user_id == student.id)).scalars().all()
    assert [a.score for a in attempts] == [5.0, 5.0]  # everything but the unanswered number, twice
    print(f"screenshots: {shots}")  # noqa: T201


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.help + " — " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


def header_links(page, base_url: str) -> list[str]:
    """The site's own pages the header's menus link to (every enabled plugin adds its own)."""
    hrefs = page.eval_on_selector_all(".topbar a[href]", "links => links.map(a => a.getAttribute('href'))")
    return [h for h in hrefs if h.startswith("/") and not h.startswith("//")]


BROWSER_LOCALES = {"en": "en-US", "ru": "ru-RU"}


def check_pages(browser, base_url: str, user, paths, problems: list, shots: Path, role: str, language: str) -> None:
    """Each page at 390 px (no sideways scroll) and at 1280 px (axe-core: no serious or
    critical violation), in a context that lets the test inject axe-core past the CSP;
    in ``language``, the browser's (the users have no language of their own)."""
    context = browser.new_context(
        locale=BROWSER_LOCALES[language], viewport={"width": 390, "height": 844}, bypass_csp=True
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        if user is not None:
            browser_login(page, base_url, user)
        paths = list(dict.fromkeys([*paths, *header_links(page, base_url)]))
        for number, path in enumerate(paths):
            page.set_viewport_size({"width": 390, "height": 844})
            response = page.goto(base_url + path)
            if response is None or response.status >= 400:
                problems.append(f"{role} {language} {path}: status {response.status if response else '-'}")
                continue
            assert page.locator("html").get_attribute("lang") == language, (role, path)
            slug = "".join(c if c.isalnum() else "-" for c in path).strip("-") or "home"
            shoot(page, shots, f"{role}-{language}-{number:02d}-{slug}-phone")
            if not no_sideways_scroll(page):
                width = page.evaluate("document.documentElement.scrollWidth")
                problems.append(f"{role} {language} {path}: scrolls sideways at 390 px (content {width} px wide)")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.add_script_tag(path=str(AXE_JS))
            for violation in page.evaluate(AXE_RUN):
                problems.append(f"{role} {language} {path}: {violation}")
    finally:
        context.close()


ROLES = ("visitor", "student", "teacher", "admin")


@pytest.mark.parametrize("language", list(BROWSER_LOCALES))
@pytest.mark.parametrize("role", ROLES)
def test_every_roles_main_pages_fit_a_phone_and_pass_axe(
    live_server, _lms_browser, factory, screenshots, role, language
):
    """Every role's pages in English and in Russian, one role and language a test (so the
    test run spreads them over its workers)."""
    assert AXE_JS.exists(), "run scripts/setup.sh: it copies axe-core from the npm registry"
    teacher = factory.user(role="teacher", name="Tess Teacher")
    admin = factory.user(role="admin", name="Ada Admin")
    student = factory.user(name="Sam Student")
    course = factory.course(teacher=teacher, title="Python", summary="Lists and loops.")
    lesson = factory.lesson(course, title="Lists", body="A list: `[1, 2]`.\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    quiz = factory.quiz(course, title="Types", questions=[*QUESTIONS, {"kind": "essay", "text": "Why?", "points": 2}])
    factory.enrol(student, course)
    attempt = factory.attempt(student, quiz)
    pages = {
        "visitor": (None, ["/", f"/courses/{course.slug}", "/login", "/register"]),
        "student": (
            student,
            [
                "/dashboard",
                f"/courses/{course.slug}",
                f"/lessons/{lesson.id}",
                f"/quizzes/{quiz.id}",
                f"/attempts/{attempt.id}",
            ],
        ),
        "teacher": (
            teacher,
            [
                "/teach/",
                f"/teach/courses/{course.id}",
                f"/teach/quizzes/{quiz.id}",
                f"/teach/questions/{quiz.questions[2].id}",
                f"/teach/quizzes/{quiz.id}/grading",
                f"/teach/attempts/{attempt.id}/grade",
                f"/teach/courses/{course.id}/students",
                f"/teach/courses/{course.id}/translations",
            ],
        ),
        "admin": (admin, ["/admin/", "/admin/users", "/admin/plugins"]),
    }
    user, paths = pages[role]
    problems: list[str] = []
    check_pages(_lms_browser, live_server, user, paths, problems, screenshots, role, language)
    assert not problems, "\n".join(problems)
