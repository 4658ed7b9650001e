"""A student hands in work through the pages: drafts, attempts, history, and uploads
that are refused without leaving anything behind."""

import io
import zipfile
from datetime import timedelta

import pytest

from lms_core import db
from lms_core.models import utcnow

from lms_assignments import storage
from lms_assignments.models import Submission, SubmissionFile


def page(response) -> str:
    return response.get_data(as_text=True)


def hand_in(client, assignment, action="submit", files=(), **fields):
    data = {"action": action, **fields}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/assignments/{assignment.id}/hand-in", data=data, content_type="multipart/form-data")


def test_a_student_saves_a_draft_then_hands_in_files_a_link_and_text(client, login, assignments, stored_files):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, title="Lab report", allowed_extensions=["pdf", "py"])
    login(client, student)

    assert 'data-state="not_started"' in page(client.get(f"/assignments/{assignment.id}"))
    draft = hand_in(client, assignment, action="draft", text="First thoughts", files=[("report.pdf", assignments.PDF)])
    assert draft.status_code == 303
    shown = page(client.get(f"/assignments/{assignment.id}"))
    assert 'data-state="draft"' in shown and "report.pdf" in shown and "First thoughts" in shown
    assert db.session.execute(db.select(Submission.status)).scalar_one() == "draft"

    final = hand_in(
        client,
        assignment,
        text="Final answer",
        links="https://example.org/my-notes",
        files=[("solution.py", b"print('hello')\n")],
    )
    assert final.status_code == 303
    submission = db.session.execute(db.select(Submission)).scalar_one()
    assert (submission.status, submission.number, submission.text) == ("submitted", 1, "Final answer")
    assert sorted(f.original_name for f in submission.files) == ["report.pdf", "solution.py"]
    assert [link.url for link in submission.links] == ["https://example.org/my-notes"]
    assert len(stored_files()) == 2 and not any(name.endswith(".part") for name in stored_files())
    shown = page(client.get(f"/assignments/{assignment.id}"))
    assert 'data-state="submitted"' in shown and "Attempt 1" in shown


def test_files_are_stored_outside_the_web_root_under_generated_names(app, client, login, assignments, stored_files):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"])
    login(client, student)
    hand_in(client, assignment, files=[("My Report.pdf", assignments.PDF)])

    row = db.session.execute(db.select(SubmissionFile)).scalar_one()
    assert stored_files() == [row.stored_name]
    assert "Report" not in row.stored_name and not row.stored_name.endswith(".pdf")
    assert str(storage.upload_root()).startswith(app.instance_path)
    assert client.get(f"/static/{row.stored_name}").status_code == 404


def test_a_student_replaces_a_submission_and_keeps_the_history_until_attempts_run_out(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, max_attempts=2, accepts_files=False)
    login(client, student)

    hand_in(client, assignment, text="Attempt one")
    hand_in(client, assignment, text="Attempt two")
    attempts = db.session.execute(db.select(Submission).order_by(Submission.number)).scalars().all()
    assert [(a.number, a.text, a.status) for a in attempts] == [
        (1, "Attempt one", "submitted"),
        (2, "Attempt two", "submitted"),
    ]
    refused = hand_in(client, assignment, text="Attempt three")
    assert refused.status_code == 409
    assert "You have used all your attempts at this assignment." in page(refused)
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar_one() == 2


def test_after_the_deadline_the_form_is_closed_and_a_hand_in_is_refused(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, due_at=utcnow() - timedelta(minutes=1))
    login(client, student)
    shown = page(client.get(f"/assignments/{assignment.id}"))
    assert 'id="hand-in-form"' not in shown and "hand-ins are closed" in shown
    refused = hand_in(client, assignment, text="Too late")
    assert refused.status_code == 409 and 'data-code="deadline_passed"' in page(refused)
    assert db.session.execute(db.select(Submission)).first() is None


def test_an_empty_hand_in_is_refused(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    login(client, student)
    refused = hand_in(client, assignment, text="   ")
    assert refused.status_code == 400 and "Add a file, a link or some text" in page(refused)
    assert db.session.execute(db.select(Submission.status)).scalars().all() == []


# --------------------------------------------------------------------------- bad uploads


def _zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hi")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, status, code",
    [
        ("big.pdf", b"%PDF-1.4\n" + b"x" * 3000, 413, "file_too_large"),
        ("empty.pdf", b"", 400, "empty_file"),
        ("fake.pdf", b"MZ\x90\x00 this is a renamed executable", 400, "file_content_mismatch"),
        ("notes.docx", None, 400, "file_content_mismatch"),  # a ZIP without Word's parts
        ("program.exe", b"MZ\x90\x00", 400, "file_type_not_allowed"),
        ("binary.txt", b"abc\x00def", 400, "file_content_mismatch"),
        ("../../etc/passwd.pdf", b"%PDF-1.4 ok", 400, "invalid_file_name"),
        ("..\\..\\boot.ini.pdf", b"%PDF-1.4 ok", 400, "invalid_file_name"),
        (".hidden.pdf", b"%PDF-1.4 ok", 400, "invalid_file_name"),
        ("bell\x07.pdf", b"%PDF-1.4 ok", 400, "invalid_file_name"),
    ],
)
def test_a_bad_upload_is_refused_with_a_clear_message_and_leaves_nothing_behind(
    client, login, assignments, stored_files, name, content, status, code
):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf", "docx", "txt"], max_file_size=2048)
    login(client, student)
    good = ("fine.pdf", assignments.PDF)
    refused = hand_in(
        client, assignment, text="With files", files=[good, (name, _zip_bytes() if content is None else content)]
    )
    assert refused.status_code == status
    assert f'data-code="{code}"' in page(refused)
    assert db.session.execute(db.select(Submission)).first() is None
    assert db.session.execute(db.select(SubmissionFile)).first() is None
    assert stored_files() == []


def test_the_size_limit_message_names_the_file_and_the_limit(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"], max_file_size=2048)
    login(client, student)
    refused = hand_in(client, assignment, files=[("thesis.pdf", b"%PDF-1.4\n" + b"x" * 5000)])
    assert refused.status_code == 413
    assert "“thesis.pdf” is larger than the limit of 2 KB." in page(refused)


@pytest.mark.lms_config(MAX_CONTENT_LENGTH=4096)
def test_a_request_over_the_site_wide_upload_limit_gets_413_with_a_message(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"], max_file_size=2048)
    login(client, student)
    refused = hand_in(client, assignment, files=[("huge.pdf", b"%PDF-1.4\n" + b"x" * 10000)])
    assert refused.status_code == 413
    assert "The upload is larger than 4 KB in total." in page(refused)


def test_too_many_files_are_refused_counting_the_ones_already_in_the_draft(client, login, assignments, stored_files):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"], max_files=2)
    login(client, student)
    hand_in(client, assignment, action="draft", files=[("one.pdf", assignments.PDF)])
    refused = hand_in(
        client, assignment, action="draft", files=[("two.pdf", assignments.PDF), ("three.pdf", assignments.PDF)]
    )
    assert refused.status_code == 400 and "at most 2 files" in page(refused)
    draft = db.session.execute(db.select(Submission)).scalar_one()
    assert [f.original_name for f in draft.files] == ["one.pdf"]
    assert len(stored_files()) == 1


def test_removing_a_file_from_a_draft_deletes_it_from_disk(client, login, assignments, stored_files):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"])
    login(client, student)
    hand_in(client, assignment, action="draft", files=[("old.pdf", assignments.PDF)])
    old = db.session.execute(db.select(SubmissionFile)).scalar_one()
    hand_in(client, assignment, action="draft", remove_file=str(old.id), files=[("new.pdf", assignments.PDF)])
    db.session.expire_all()
    rows = db.session.execute(db.select(SubmissionFile)).scalars().all()
    assert [r.original_name for r in rows] == ["new.pdf"]
    assert stored_files() == [rows[0].stored_name]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://example.org/x",
        "https://",
        "not a url",
        "http://exa mple.org",
        "https://user:secret@example.org/",
    ],
)
def test_a_link_must_be_a_well_formed_web_address(client, login, assignments, link):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    login(client, student)
    refused = hand_in(client, assignment, links=link, text="Kept after the error")
    assert refused.status_code == 400 and 'data-code="invalid_url"' in page(refused)
    assert ">Kept after the error</textarea>" in page(refused)  # nothing typed is lost
    assert db.session.execute(db.select(Submission)).first() is None


# --------------------------------------------------------------------------- downloads


def test_downloads_go_to_the_owner_the_course_staff_and_admins_with_the_original_name(
    client, login, assignments, factory
):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"])
    classmate = factory.user()
    factory.enrol(classmate, course)
    other_teacher = factory.user(role="teacher")
    factory.course(teacher=other_teacher)
    admin = factory.user(role="admin")
    login(client, student)
    hand_in(client, assignment, files=[("Отчёт по лабе.pdf", assignments.PDF)])
    file_id = db.session.execute(db.select(SubmissionFile.id)).scalar_one()
    url = f"/assignments/files/{file_id}"

    for user, status in [(student, 200), (teacher, 200), (admin, 200), (classmate, 403), (other_teacher, 403)]:
        client.post("/logout")
        login(client, user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert response.data == assignments.PDF
            assert "attachment" in response.headers["Content-Disposition"]
            assert "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82" in response.headers["Content-Disposition"]
            assert response.headers["Content-Type"] == "application/pdf"
    client.post("/logout")
    assert client.get(url).status_code in (302, 303)  # anonymous: to the login page


def test_the_repair_task_deletes_files_a_crash_left_without_a_row_and_keeps_the_rest(
    client, login, assignments, stored_files
):
    import os
    import time

    from lms_assignments import jobs

    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"])
    login(client, student)
    hand_in(client, assignment, files=[("kept.pdf", assignments.PDF)])
    kept = db.session.execute(db.select(SubmissionFile.stored_name)).scalar_one()
    root = storage.upload_root()
    orphan, recent, partial = root / "ab" / ("ab" + "0" * 30), root / "cd" / ("cd" + "1" * 30), root / "ef" / "x.part"
    for path in (orphan, recent, partial):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left by a crash")
    an_hour_ago = time.time() - 2 * 3600
    for path in (orphan, partial, root / kept):
        os.utime(path, (an_hour_ago, an_hour_ago))

    assert jobs.repair()["orphan_files"] == 2
    # a file just written may belong to a hand-in still being committed: it stays
    assert stored_files() == sorted([kept, str(recent.relative_to(root))])


# --------------------------------------------------------------------------- what the page shows first


def test_every_problem_of_a_hand_in_is_shown_once_at_its_own_field(client, login, assignments, stored_files):
    from lms_assignments.submissions import MAX_TEXT_LENGTH

    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"], max_file_size=2048)
    login(client, student)
    refused = hand_in(
        client,
        assignment,
        text="x" * (MAX_TEXT_LENGTH + 1),
        links="not a url\nftp://example.org/x\nhttps://example.org/fine",
        files=[("fake.pdf", b"MZ\x90 not a pdf"), ("program.exe", b"MZ\x90")],
    )
    html = page(refused)
    assert refused.status_code == 400
    top = html[html.index('id="hand-in-error"') :]
    top = top[: top.index("</div>")]
    assert "Please correct the marked fields." in top and "not a valid web address" not in top
    for field, count in (("text", 1), ("links", 2), ("files", 2)):
        box = html[html.index(f'<label for="{field}">') :]
        box = box[: box.index("</div>")]
        assert box.count('class="field-error"') == count, field
        assert 'aria-invalid="true"' in box
    assert html.count("The text is too long") == 1
    assert html.count("“not a url” is not a valid web address") == 1
    assert html.count("“ftp://example.org/x” is not a valid web address") == 1
    assert html.count("“fake.pdf” is not a real .pdf file.") == 1
    assert html.count("“program.exe”: only these file types are accepted") == 1
    assert db.session.execute(db.select(Submission)).first() is None and stored_files() == []


def test_a_single_problem_keeps_its_code_and_a_field_the_form_lacks_is_named_at_the_top(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, accepts_links=False)
    login(client, student)
    refused = page(hand_in(client, assignment, links="https://example.org", text="Hi"))
    top = refused[refused.index('id="hand-in-error"') :]
    assert 'data-code="links_not_accepted"' in top
    assert refused.count("This assignment does not accept links.") == 1
    assert "Please correct the marked fields." not in refused and 'class="field-error"' not in refused


def test_once_graded_the_grade_and_feedback_come_first(client, login, assignments):
    from lms_assignments import grading

    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    first = assignments.hand_in(student, assignment, text="First try")
    login(client, student)
    before = page(client.get(f"/assignments/{assignment.id}"))
    assert 'id="my-grade"' not in before and "Waiting for a grade." in before

    grading.grade_submission(teacher, first, score="7.5", comment="Good **structure**.")
    grading.release(first)
    graded = page(client.get(f"/assignments/{assignment.id}"))
    grade = graded.index('id="my-grade"')
    assert grade < graded.index('id="assignment-facts"') < graded.index('id="my-work"')
    assert '<span id="grade-points">7.5</span> / 10' in graded[grade:]
    assert graded.count("<strong>structure</strong>") == 1  # the feedback once, at the top
    assert "Its grade and feedback are at the top of the page." in graded
