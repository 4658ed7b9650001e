"""A hand-in named .html, .js or .svg is always a download: never a page, a script or
an image the browser would run in the site's origin."""

from __future__ import annotations

import pytest

from lms_core import db
from lms_assignments.models import SubmissionFile

SCRIPT = b"alert(document.cookie)\n"
PAGE = b"<html><script>fetch('/api/v1/me')</script></html>\n"


@pytest.mark.parametrize(
    "name, content, sent_as",
    [
        ("steal.js", SCRIPT, "application/octet-stream"),
        ("page.html", PAGE, "application/octet-stream"),
        ("notes.txt", b"plain notes\n", "text/plain"),
    ],
)
def test_uploaded_files_are_served_as_inert_attachments(client, login, assignments, name, content, sent_as):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["js", "html", "txt"])
    assignments.hand_in(student, assignment, uploads=[assignments.upload(name, content)])
    file_id = db.session.execute(db.select(SubmissionFile.id)).scalar_one()
    login(client, teacher)

    for url in (f"/assignments/files/{file_id}", f"/api/v1/assignments/files/{file_id}"):
        response = client.get(url)
        assert response.status_code == 200 and response.data == content
        assert response.headers["Content-Type"].split(";")[0] == sent_as
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
