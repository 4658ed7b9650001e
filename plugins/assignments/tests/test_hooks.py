"""The hooks this plugin declares for other plugins: each documented in the README
with its exact arguments, and each with a test of its own."""

import io
import re
from pathlib import Path

import pytest

from lms_core import Refusal, db, hookimpl
from lms_core.testing import get_plugin_manager

from lms_assignments import grading, hookspecs
from lms_assignments.models import Submission
from lms_assignments.payloads import AssignmentInfo, GradeInfo, SubmissionInfo

README = Path(__file__).resolve().parents[1] / "README.md"
HOOK_HEADING = re.compile(r"^#{2,4} `(\w+)\(([^)]*)\)`[ \t]*$", re.M)


def declared_hooks(app) -> dict:
    hook = get_plugin_manager(app).pm.hook
    names = [name for name, value in vars(hookspecs).items() if hasattr(value, "lms_spec")]
    return {name: tuple(getattr(hook, name).spec.argnames) for name in names}


def test_every_declared_hook_is_registered_and_documented_with_its_arguments(app):
    declared = declared_hooks(app)
    assert set(declared) == {"lms_assignments_before_submit", "on_submission_created", "on_assignment_graded"}
    documented = {
        name: tuple(a.strip() for a in args.split(",") if a.strip())
        for name, args in HOOK_HEADING.findall(README.read_text())
    }
    assert documented == declared


def test_every_declared_hook_has_a_test_of_its_own():
    names = {name for name, value in vars(hookspecs).items() if hasattr(value, "lms_spec")}
    assert {f"test_hook_{name}" for name in names} <= set(globals())


class Listener:
    def __init__(self):
        self.events = []

    @hookimpl
    def on_submission_created(self, user, assignment, submission):
        self.events.append(("created", user, assignment, submission))

    @hookimpl
    def on_assignment_graded(self, user, assignment, submission, grade):
        self.events.append(("graded", user, assignment, submission, grade))


class PlagiarismCheck:
    @hookimpl
    def lms_assignments_before_submit(self, user, assignment, submission):
        if any("plagiarised" in link for link in submission.links):
            return Refusal("This link is on the plagiarism list.", code="plagiarism")
        return None


def test_hook_on_submission_created(app, assignments):
    listener = Listener()
    get_plugin_manager(app).register(listener, name="listener")
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    assignments.hand_in(student, assignment, text="Draft only", submit=False)
    assert listener.events == []  # a draft tells nobody
    assignments.hand_in(student, assignment, text="Final")

    [(kind, user, info, submission)] = listener.events
    assert (kind, user.id, info) == ("created", student.id, AssignmentInfo.of(assignment))
    assert isinstance(submission, SubmissionInfo)
    assert (submission.number, submission.status, submission.late_days, submission.has_text) == (
        1,
        "submitted",
        0,
        True,
    )
    with pytest.raises(AttributeError):
        submission.status = "draft"  # a snapshot, not the row


def test_hook_on_assignment_graded(app, assignments):
    listener = Listener()
    get_plugin_manager(app).register(listener, name="listener")
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, pass_points=5)
    submission = assignments.hand_in(student, assignment)
    grading.grade_submission(teacher, submission, score=7)
    assert [e[0] for e in listener.events] == ["created"]  # grading alone tells nobody
    grading.release(submission)
    grading.release(submission)  # releasing twice fires once

    graded = [e for e in listener.events if e[0] == "graded"]
    assert len(graded) == 1
    _, user, info, submission_info, grade = graded[0]
    assert (user.id, info.id, submission_info.id) == (student.id, assignment.id, submission.id)
    assert isinstance(grade, GradeInfo)
    assert (grade.points, grade.max_points, grade.passed, grade.released_at is not None) == (7.0, 10.0, True, True)

    grading.grade_submission(teacher, submission, score=4)  # a released grade changed: fires again
    assert [(e[4].points, e[4].passed) for e in listener.events if e[0] == "graded"] == [(7.0, True), (4.0, False)]


def test_hook_lms_assignments_before_submit(app, client, login, assignments, stored_files):
    get_plugin_manager(app).register(PlagiarismCheck(), name="plagiarism")
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, allowed_extensions=["pdf"])
    login(client, student)

    refused = client.post(
        f"/assignments/{assignment.id}/hand-in",
        content_type="multipart/form-data",
        data={
            "action": "submit",
            "links": "https://example.org/plagiarised",
            "files": [(io.BytesIO(assignments.PDF), "a.pdf")],
        },
    )
    assert refused.status_code == 403 and "This link is on the plagiarism list." in refused.get_data(as_text=True)
    assert db.session.execute(db.select(Submission)).first() is None
    assert stored_files() == []

    api = client.post(
        f"/api/v1/assignments/{assignment.id}/submissions",
        json={"submit": True, "links": ["https://example.org/plagiarised"]},
    )
    assert (api.status_code, api.get_json()["error"]["code"]) == (403, "plagiarism")
    accepted = client.post(
        f"/api/v1/assignments/{assignment.id}/submissions",
        json={"submit": True, "links": ["https://example.org/original"]},
    )
    assert accepted.status_code == 201
