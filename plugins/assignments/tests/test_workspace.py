"""The plugin in the teacher's workspace (issue 11): its tab with the hand-ins waiting,
its columns in the core's gradebook, the teacher's "To do", hand-in notices (each or a
daily summary), a preview of an assignment as a learner sees it, and a question before
"Release all graded"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from lms_core import db
from lms_core.models import Notification


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_assignments_tab_counts_hand_ins_waiting_and_opens_the_list(client, login, assignments, factory):
    course, teacher, student = assignments.course_with_student()
    essay = assignments.create(course, teacher)
    assignments.hand_in(student, essay)
    other = factory.user()
    factory.enrol(other, course)
    assignments.hand_in(other, essay)
    login(client, teacher)

    page = text(client.get(f"/teach/courses/{course.id}"))
    assert re.search(
        rf'<a href="/assignments/course/{course.id}" data-tab="assignments"\s*>Assignments and grading <span class="count">2</span>',
        page,
    )
    listing = text(client.get(f"/assignments/course/{course.id}"))
    assert 'data-tab="assignments" aria-current="page"' in listing and 'data-tab="gradebook"' in listing


def test_the_tabs_count_is_kept_but_follows_every_hand_in_grade_and_return_at_once(
    client, login, assignments, factory, app
):
    from flask import g

    from lms_core.testing import count_sql

    from lms_core.models import User

    from lms_assignments import grading
    from lms_assignments.models import Assignment, Submission

    course, teacher, student = assignments.course_with_student()
    essay = assignments.create(course, teacher)
    first_id, essay_id = assignments.hand_in(student, essay).id, essay.id
    login(client, teacher)

    def waiting() -> str | None:
        g.pop("lms_workspace_tabs", None)  # the tests' requests share one app context: a new request's
        page = text(client.get(f"/teach/courses/{course.id}/students"))
        found = re.search(
            r'data-tab="assignments"[^>]*>Assignments and grading(?: <span class="count">(\d+)</span>)?', page
        )
        assert found, "the Assignments tab is on the page"
        return found.group(1)

    assert waiting() == "1"
    db.session.remove()
    with count_sql(db.engine) as sql:
        assert waiting() == "1"
    # kept: the count (which walks every hand-in of the course) is not asked again
    assert not [s for s in sql.statements if "count(assignments_submissions.id)" in s]
    other = factory.user()
    factory.enrol(other, course)
    second = assignments.hand_in(other, db.session.get(Assignment, essay_id))
    assert waiting() == "2"  # a hand-in: at once, not a minute later
    grading.grade_submission(db.session.get(User, teacher.id), db.session.get(Submission, first_id), score="5")
    assert waiting() == "1"  # a grade
    grading.return_for_resubmission(teacher, db.session.get(Submission, second.id), "Try again")
    assert waiting() is None  # a return: nothing waits, no count shown


def test_released_grades_are_columns_of_the_gradebook(client, login, assignments, factory, run_jobs):
    from lms_assignments import grading

    course, teacher, student = assignments.course_with_student()
    essay = assignments.create(course, teacher, title="Essay", max_points=10)
    submission = assignments.hand_in(student, essay)
    grading.grade_submission(teacher, submission, score="8")
    key = f"assignments:assignment:{essay.id}"
    login(client, student)

    # Graded, not released: the learner does not see it, nor does the gradebook.
    mine = text(client.get(f"/grades/{course.id}"))
    assert "Total: 0%" in mine and "Essay" in mine[mine.index('id="missing"') :]

    grading.release(submission)
    mine = text(client.get(f"/grades/{course.id}"))
    assert "Total: 80%" in mine and 'id="missing"' not in mine
    login(client, teacher)
    page = text(client.get(f"/teach/courses/{course.id}/gradebook"))
    assert f'data-key="{key}"' in page
    row = page[page.index(f'<tr data-user="{student.id}"') :]
    assert re.search(r'<td class="num"\s*>8</td>', row[: row.index("</tr>")])


def test_the_gradebook_filters_follow_a_released_grade_and_release_all(client, login, assignments, factory):
    from lms_assignments import grading

    course, teacher, student = assignments.course_with_student()
    other = factory.user(name="Olga")
    factory.enrol(other, course)
    essay = assignments.create(course, teacher, title="Essay", max_points=10)
    mine, theirs = assignments.hand_in(student, essay), assignments.hand_in(other, essay)
    login(client, teacher)
    url = f"/teach/courses/{course.id}/gradebook?show="

    def kept(show):
        return sorted(int(n) for n in re.findall(r'<tr data-user="(\d+)"', text(client.get(url + show))))

    both = sorted([student.id, other.id])
    assert kept("missing") == both and kept("failing") == both  # the summaries are computed now
    grading.grade_submission(teacher, mine, score="8")
    assert kept("missing") == both  # graded, not released: still missing
    grading.release(mine)
    assert kept("missing") == [other.id] and kept("failing") == [other.id]
    grading.grade_submission(teacher, mine, score="2")  # a released grade changed: released again
    grading.grade_submission(teacher, theirs, score="9")
    assert kept("failing") == both
    grading.release_all(essay)
    assert kept("missing") == [] and kept("failing") == [student.id]


def test_the_teachers_to_do_lists_hand_ins_to_grade_and_learners_past_the_deadline(client, login, assignments, factory):
    course, teacher, student = assignments.course_with_student(title="Rocks")
    essay = assignments.create(course, teacher, title="Essay")
    assignments.hand_in(student, essay)
    late = assignments.create(
        course,
        teacher,
        title="Old one",
        opens_at=datetime.now(timezone.utc) - timedelta(days=5),
        due_at=datetime.now(timezone.utc) + timedelta(days=1),
    )
    from lms_assignments.models import Assignment

    db.session.execute(
        db.update(Assignment)
        .where(Assignment.id == late.id)
        .values(due_at=datetime.now(timezone.utc) - timedelta(days=1))
    )
    db.session.commit()
    login(client, teacher)

    page = text(client.get("/teach/todo"))

    assert "“Essay”: hand-ins to grade</a> <span class=\"nav-count\">1</span>" in page
    assert "“Old one”: learners past the deadline without a hand-in</a> <span class=\"nav-count\">1</span>" in page
    assert "To do (2)" in page
    login(client, factory.user(role="teacher"))  # another teacher has nothing to do here
    assert 'id="todo-empty"' in text(client.get("/teach/todo"))


def test_learners_past_the_deadline_are_counted_whatever_else_they_did(login, assignments, factory, app):
    """Counted: active learners with neither a hand-in nor a running extension (a draft
    is not a hand-in, an expired extension does not count). Not counted: those who
    handed in, those extended, a held or completed enrolment, a learner of another course."""
    from lms_assignments.models import Assignment, DeadlineExtension
    from lms_assignments.workspace import todo

    course, teacher, nothing = assignments.course_with_student(title="Rocks")
    now = datetime.now(timezone.utc)
    essay = assignments.create(
        course, teacher, title="Essay", opens_at=now - timedelta(days=9), due_at=now + timedelta(days=1)
    )
    _other_course, _other_teacher, stranger = assignments.course_with_student(title="Seas")
    learners = {
        name: factory.user(name=name) for name in ("draft", "handed", "extended", "expired", "held", "done", "both")
    }
    for user in learners.values():
        factory.enrol(user, course)
    assignments.hand_in(learners["draft"], essay, submit=False)
    for name in ("handed", "both", "held"):  # the held learner handed in before the hold
        assignments.hand_in(learners[name], essay)
    for user, due in (
        (learners["extended"], now + timedelta(days=2)),
        (learners["expired"], now - timedelta(hours=1)),
        (learners["both"], now + timedelta(days=2)),
        (learners["done"], now + timedelta(days=2)),  # not active: never counted, so not subtracted
        (stranger, now + timedelta(days=2)),  # not a learner of this course
    ):
        db.session.add(DeadlineExtension(assignment_id=essay.id, user_id=user.id, due_at=due))
    from lms_core.models import Enrollment

    for name, status in (("held", "pending"), ("done", "completed")):
        db.session.execute(db.update(Enrollment).where(Enrollment.user_id == learners[name].id).values(status=status))
    db.session.execute(db.update(Assignment).where(Assignment.id == essay.id).values(due_at=now - timedelta(days=1)))
    db.session.commit()

    with app.test_request_context("/"):
        items = [i for i in todo(teacher) if "past the deadline" in i.label]
    # nothing, draft, expired: three of the course's active learners (the student of the
    # other course, the held and the completed ones neither counted nor subtracted)
    assert [(i.count, i.course_id) for i in items] == [(3, course.id)]
    assert nothing.id not in {learner.id for learner in learners.values()}


def test_a_teacher_on_a_daily_summary_gets_one_summary_instead_of_a_notice_each(
    client, login, assignments, factory, run_jobs
):
    from lms_assignments import notices

    course, teacher, student = assignments.course_with_student()
    essay = assignments.create(course, teacher, title="Essay")
    from lms_assignments import authoring

    authoring.set_translations(essay, "ru", "Эссе", "")
    login(client, teacher)
    assert client.post("/assignments/notices", data={"mode": "weekly"}).status_code == 400
    assert client.post("/assignments/notices", data={"mode": "daily"}).status_code == 303
    assert 'value="daily" checked' in text(client.get("/assignments/notices"))

    assignments.hand_in(student, essay)
    run_jobs()

    def kinds():
        query = db.select(Notification.kind).where(Notification.user_id == teacher.id)
        return list(db.session.execute(query).scalars())

    assert "assignments.submission_received" not in kinds()

    assert notices.send_digests() == 0  # the first summary is due a day after choosing
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1, minutes=1)
    assert notices.send_digests(now=tomorrow) == 1
    assert notices.send_digests(now=tomorrow) == 0  # once
    [digest] = db.session.execute(
        db.select(Notification).where(
            Notification.user_id == teacher.id, Notification.kind == "assignments.hand_in_digest"
        )
    ).scalars()
    assert digest.title == "1 new hand-in today" and "“Essay”: 1" in digest.body
    assert digest.params["count"] == 1
    from flask_babel import force_locale

    from lms_assignments import messages

    with force_locale("ru"):  # a Russian reader: the titles as the course translates them
        assert messages.digest_texts(digest.params)[1] == "«Эссе»: 1"

    # Back to "each": the next hand-in is told at once.
    client.post("/assignments/notices", data={"mode": "each"})
    other = factory.user()
    factory.enrol(other, course)
    assignments.hand_in(other, essay)
    run_jobs()
    assert "assignments.submission_received" in kinds()


def test_a_teacher_previews_an_assignment_as_a_learner_without_handing_in(client, login, assignments):
    course, teacher, _student = assignments.course_with_student()
    essay = assignments.create(course, teacher, title="Essay")
    login(client, teacher)

    staff_page = text(client.get(f"/assignments/{essay.id}"))
    assert f'href="/assignments/{essay.id}?preview=1"' in staff_page
    page = text(client.get(f"/assignments/{essay.id}?preview=1"))
    assert 'id="preview-banner"' in page and 'id="hand-in-form"' in page and 'id="staff-tools"' not in page
    assert re.search(r'id="submit-work" disabled', page)
    assert "Enrol" not in page


def test_release_all_says_how_many_grades_go_out(client, login, assignments, factory):
    from lms_assignments import grading

    course, teacher, student = assignments.course_with_student()
    essay = assignments.create(course, teacher)
    login(client, teacher)
    page = text(client.get(f"/assignments/{essay.id}/queue"))
    assert re.search(r'id="release-all" disabled', page)  # nothing to release

    grading.grade_submission(teacher, assignments.hand_in(student, essay), score="5")
    page = text(client.get(f"/assignments/{essay.id}/queue"))
    assert 'data-confirm="Release 1 graded hand-in? The learner sees the grade' in page
    assert "Release all graded (1)" in page


def test_a_learner_s_list_of_assignments_costs_the_same_statements_for_one_and_for_five(
    client, login, assignments, factory
):
    from lms_core.testing import count_sql

    course, teacher, student = assignments.course_with_student(title="Rocks")
    course_id = course.id
    first = assignments.create(course, teacher, title="Essay 1")
    assignments.hand_in(student, first)
    login(client, student)

    def listed() -> tuple[int, str]:
        client.get(f"/assignments/course/{course_id}")
        db.session.remove()  # a fresh session, as each request has in production
        with count_sql(db.engine) as sql:
            html = text(client.get(f"/assignments/course/{course_id}"))
        return sql.count, html

    one, html = listed()
    assert "Handed in" in html
    course = db.session.get(type(course), course_id)
    for n in range(2, 6):
        assignments.create(course, db.session.merge(teacher), title=f"Essay {n}")
    five, html = listed()
    assert five == one  # deadlines, states and the enrolment: a query each for all of them
    assert html.count("Not started") == 4 and html.count("Handed in") == 1
