"""The course overview in a real browser: charts drawn by Chart.js from the data
attributes, the tables beside them, at desktop and phone widths, in English and Russian."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms_core.testing import browser_login
from lms_core.testing import choose_language


@pytest.mark.browser
def test_a_teacher_reads_the_course_overview_in_a_browser(
    live_server, browser_page, factory, add_facts, settle, screenshots
):
    from lms_core.models import utcnow
    from lms_core.services import progress

    from lms_analytics import jobs

    teacher = factory.user(role="teacher", name="Tess Teacher")
    course = factory.course(teacher=teacher, title="Data Science")
    lessons = [factory.lesson(course=course, title=t) for t in ("Numbers", "Tables", "Charts")]
    factory.quiz(course=course, title="Check")
    learners = [factory.user(name=f"Learner {n}") for n in range(1, 7)]
    now = utcnow()
    for n, learner in enumerate(learners):
        factory.enrol(learner, course)
        for lesson in lessons[: 1 + n % 3]:
            progress.complete_lesson(learner, lesson)
        add_facts([(learner, lessons[d % 3], 60 * (n + d + 1), now - timedelta(days=d, hours=n)) for d in range(6)])
    settle()
    jobs.fold()
    page = browser_page
    browser_login(page, live_server, teacher)
    for language in ("en", "ru"):
        if language == "ru":
            page.goto(live_server + "/dashboard")
            choose_language(page, "ru")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server}/analytics/courses/{course.id}")
            page.wait_for_function(
                "document.querySelectorAll('canvas[data-chart]').length > 0 && "
                "[...document.querySelectorAll('canvas[data-chart]')].every(c => c.chart)"
            )
            heading = "Active learners per day" if language == "en" else "Активные учащиеся по дням"
            assert page.locator("h2", has_text=heading).count() == 1
            # the page never scrolls sideways (the workspace's tabs and wide tables scroll
            # inside their own boxes)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(screenshots / f"course-overview-{language}-{width}.png"), full_page=True)
    # the table holds the chart's data
    page.locator("#chart-funnel summary").click()
    assert page.locator("#chart-funnel tbody tr").count() == 1 + 3 + 1  # enrolled, three lessons, the quiz
