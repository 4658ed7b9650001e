"""End to end in headless Chromium against the real server (``lms run``): a student
hands in a file, the teacher grades it with the rubric, the student sees the grade."""

import pytest

from lms_core import db
from lms_core.testing import browser_login

from lms_assignments.models import SubmissionFile, SubmissionGrade

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app, tmp_path, monkeypatch, request):
    """``live_server`` sharing this test's upload folder: the server reads the plugin's
    settings from the environment."""
    uploads = tmp_path / "uploads"
    monkeypatch.setenv("ASSIGNMENTS_UPLOAD_FOLDER", str(uploads))
    app.config["ASSIGNMENTS_UPLOAD_FOLDER"] = str(uploads)
    return request.getfixturevalue("live_server")


def log_out(page):
    page.click("form[action='/logout'] button")
    page.wait_for_selector("a[href='/login']")


def test_a_student_hands_in_a_file_the_teacher_grades_it_with_the_rubric_and_the_student_sees_the_grade(
    server, browser_page, assignments, tmp_path
):
    course, teacher, student = assignments.course_with_student(title="Bridges")
    student.name = "Sam Student"
    db.session.commit()
    assignment = assignments.rubric(course, teacher, title="Truss design", allowed_extensions=["pdf"])
    report = tmp_path / "truss.pdf"
    report.write_bytes(assignments.PDF)
    page = browser_page

    browser_login(page, server, student)
    page.goto(f"{server}/assignments/{assignment.id}")
    assert page.inner_text("#my-work [data-state]") == "Not started"
    page.set_input_files("#files", str(report))
    page.fill("#text", "My truss, see the PDF.")
    page.click("#submit-work")
    page.wait_for_selector(".flash-success")
    assert "Attempt 1 is with your teacher" in page.inner_text(".flash-success")
    assert page.inner_text("#my-work [data-state]") == "Handed in"
    log_out(page)

    browser_login(page, server, teacher)
    page.goto(f"{server}/assignments/{assignment.id}/queue")
    page.click("a.queue-student:has-text('Sam Student')")
    page.wait_for_selector("#grade-form")
    with page.expect_download() as download:
        page.click("a.file-link:has-text('truss.pdf')")
    assert download.value.suggested_filename == "truss.pdf"
    assert open(download.value.path(), "rb").read() == assignments.PDF
    page.check("fieldset.criterion:has-text('Correctness') label:has-text('Partly') input")
    page.check("fieldset.criterion:has-text('Style') label:has-text('Clean') input")
    page.fill("#comment", "Good **start**.")
    page.click("#release-grade")
    page.wait_for_selector(".flash-success")
    assert page.inner_text(".flash-success") == "Grade released."
    log_out(page)

    browser_login(page, server, student)
    page.goto(f"{server}/assignments/{assignment.id}")
    assert page.inner_text("#my-work [data-state]") == "Graded"
    assert page.inner_text("#grade-points") == "7"
    assert [cell.inner_text() for cell in page.query_selector_all(".rubric-level")] == ["Partly", "Clean"]
    assert page.inner_text(".grade-comment strong") == "start"

    db.session.expire_all()
    grade = db.session.execute(db.select(SubmissionGrade)).scalar_one()
    assert (grade.points, grade.released_at is not None) == (7.0, True)
    stored = db.session.execute(db.select(SubmissionFile.stored_name)).scalar_one()
    assert (tmp_path / "uploads" / stored).read_bytes() == assignments.PDF
