"""The course page lists a course's assignments and counts the required ones towards
completion; both read the course's assignments once per transaction, and a change
committed in between is always seen."""

from contextlib import contextmanager

from sqlalchemy import event

from lms_core import db
from lms_core.services.progress import course_progress


@contextmanager
def statements():
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_the_course_page_reads_the_assignments_once_for_the_list_and_the_requirements(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignments.create(course, teacher, title="Final project", pass_points=6)
    assignments.create(course, teacher, title="Reading notes", required=False)
    assignments.create(course, teacher, title="Hidden draft", published=False)
    login(client, student)

    with statements() as seen:
        page = client.get(f"/courses/{course.slug}").get_data(as_text=True)

    assert "Get at least 6 points for “Final project”" in page  # a completion requirement
    assert "Reading notes" in page and "Hidden draft" not in page  # the list
    assert "Hand in “Reading notes” and get it graded" not in page  # not required
    assert len([s for s in seen if "FROM assignments_assignments" in s]) == 1


def test_an_assignment_published_later_in_the_same_request_counts_at_once(app, assignments):
    course, teacher, student = assignments.course_with_student()
    assignments.create(course, teacher, title="Final project")
    with app.test_request_context():
        before = [r.label for r in course_progress(student, course).requirements]
        assignments.create(course, teacher, title="Peer review")  # commits
        after = [r.label for r in course_progress(student, course).requirements]

    assert "Hand in “Peer review” and get it graded" not in before
    assert "Hand in “Peer review” and get it graded" in after


def test_a_draft_published_in_the_same_request_shows_on_the_course_page_at_once(app, client, login, assignments):
    from lms_assignments import authoring
    from lms_assignments.fragments import course_fragment
    from lms_core.payloads import CourseInfo, UserInfo

    course, teacher, student = assignments.course_with_student()
    draft = assignments.create(course, teacher, title="Peer review", published=False)
    with app.test_request_context():
        assert course_fragment(UserInfo.of(student), CourseInfo.of(course)) == []
        authoring.update_assignment(
            teacher, draft, {"title": "Peer review", "due_at": draft.due_at, "max_points": 10, "published": True}
        )
        shown = "".join(course_fragment(UserInfo.of(student), CourseInfo.of(course)))

    assert "Peer review" in shown
