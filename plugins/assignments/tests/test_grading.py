"""A teacher grades from the queue, returns work, releases grades; students see their
own grade only once it is released."""

from datetime import timedelta

from lms_core import db
from lms_core.models import Enrollment, Notification, utcnow
from lms_core.services.progress import course_progress

from lms_assignments import anonymity, grading
from lms_assignments.models import Submission, SubmissionGrade


def page(response) -> str:
    return response.get_data(as_text=True)


def switch(client, login, user):
    client.post("/logout")
    login(client, user)


def test_a_teacher_grades_by_rubric_and_the_student_sees_the_grade_only_after_release(
    client, login, assignments, run_jobs
):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.rubric(course, teacher, title="Sorting")
    submission = assignments.hand_in(student, assignment, text="def sort(xs): ...")

    login(client, teacher)
    levels = assignments.levels(assignment, "Partly", "Messy")
    saved = client.post(
        f"/assignments/submissions/{submission.id}/grade",
        data={"action": "save", "comment": "Check **empty** lists.", **{f"level-{k}": v for k, v in levels.items()}},
    )
    assert saved.status_code == 303
    grade = db.session.execute(db.select(SubmissionGrade)).scalar_one()
    assert (grade.points, grade.released_at) == (4.5, None)
    assert [(c["criterion"], c["level"], c["points"]) for c in grade.rubric] == [
        ("Correctness", "Partly", 3.0),
        ("Style", "Messy", 1.5),
    ]

    switch(client, login, student)
    hidden = page(client.get(f"/assignments/submissions/{submission.id}"))
    assert 'id="grade-points"' not in hidden and "Waiting for a grade." in hidden
    assert client.get(f"/api/v1/assignments/submissions/{submission.id}").get_json()["grade"] is None

    switch(client, login, teacher)
    assert client.post(f"/assignments/submissions/{submission.id}/release").status_code == 303
    run_jobs()

    switch(client, login, student)
    shown = page(client.get(f"/assignments/submissions/{submission.id}"))
    assert '<span id="grade-points">4.5</span> / 10' in shown
    assert "Partly" in shown and "<strong>empty</strong>" in shown
    inbox = db.session.execute(db.select(Notification).where(Notification.user_id == student.id)).scalars().all()
    assert [n.kind for n in inbox] == ["assignments.grade_released"]
    assert inbox[0].title == "Your grade for “Sorting” is out" and inbox[0].body == "4.5 of 10 points."


def test_a_missing_rubric_level_keeps_the_form_and_saves_nothing(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.rubric(course, teacher)
    submission = assignments.hand_in(student, assignment)
    login(client, teacher)
    first = assignment.criteria[0]
    response = client.post(
        f"/assignments/submissions/{submission.id}/grade",
        data={f"level-{first.id}": first.levels[0].id, "comment": "Half done"},
    )
    assert response.status_code == 400
    assert "Mark every criterion of the rubric." in page(response)
    assert f'value="{first.levels[0].id}" checked' in page(response)
    assert db.session.execute(db.select(SubmissionGrade)).first() is None


def test_points_grading_checks_the_range_and_applies_the_late_penalty(client, login, assignments, factory):
    course, teacher, student = assignments.course_with_student()
    due = utcnow() + timedelta(days=1)
    assignment = assignments.create(
        course,
        teacher,
        max_points=20,
        due_at=due,
        late_policy="penalty",
        late_penalty_percent=25,
        late_cutoff_at=due + timedelta(days=4),
    )
    late = assignments.hand_in(student, assignment, now=due + timedelta(days=1, seconds=1))
    login(client, teacher)
    too_many = client.post(f"/assignments/submissions/{late.id}/grade", data={"points": "20.01"})
    assert too_many.status_code == 400 and "Between 0 and 20." in page(too_many)
    client.post(f"/assignments/submissions/{late.id}/grade", data={"points": "16"})
    grade = db.session.execute(db.select(SubmissionGrade)).scalar_one()
    assert (grade.raw_points, grade.penalty_points, grade.points) == (16.0, 8.0, 8.0)  # 2 days × 25 %
    assert "2 days late" in page(client.get(f"/assignments/submissions/{late.id}"))


def test_the_queue_filters_by_state_and_sorts_by_hand_in_time(client, login, assignments, factory):
    course, teacher, first = assignments.course_with_student()
    second, third = factory.user(name="Second"), factory.user(name="Third")
    for student in (second, third):
        factory.enrol(student, course)
    assignment = assignments.create(course, teacher)
    base = utcnow() - timedelta(hours=3)
    a = assignments.hand_in(first, assignment, now=base)
    b = assignments.hand_in(second, assignment, now=base + timedelta(hours=1))
    c = assignments.hand_in(third, assignment, now=base + timedelta(hours=2))
    grading.grade_submission(teacher, b, score=5)
    grading.grade_submission(teacher, c, score=7)
    grading.release(c)

    login(client, teacher)

    def queue(**args):
        html = page(client.get(f"/assignments/{assignment.id}/queue", query_string=args))
        return [int(part.split('"', 1)[0]) for part in html.split('data-submission="')[1:]]

    assert queue() == [a.id, b.id, c.id]
    assert queue(sort="newest") == [c.id, b.id, a.id]
    assert queue(state="to_grade") == [a.id]
    assert queue(state="graded") == [b.id]
    assert queue(state="released") == [c.id]


def test_anonymous_marking_hides_names_from_the_grader_until_release(client, login, assignments, factory):
    course, teacher, student = assignments.course_with_student()
    student.name = "Ada Lovelace"
    db.session.commit()
    assignment = assignments.create(course, teacher, anonymous=True)
    submission = assignments.hand_in(student, assignment)
    code = anonymity.pseudonym(assignment.id, student.id)
    login(client, teacher)

    for url in (f"/assignments/{assignment.id}/queue", f"/assignments/submissions/{submission.id}"):
        html = page(client.get(url))
        assert "Ada Lovelace" not in html and f"Student {code}" in html
    api = client.get(f"/api/v1/assignments/submissions/{submission.id}").get_json()
    assert api["student"] == {"pseudonym": code}

    grading.grade_submission(teacher, submission, score=8)
    grading.release(submission)
    assert "Ada Lovelace" in page(client.get(f"/assignments/{assignment.id}/queue"))
    other = assignments.create(course, teacher, anonymous=True)
    assert anonymity.pseudonym(other.id, student.id) != code  # lists cannot be matched up


def test_a_returned_attempt_gives_one_more_attempt_and_a_new_deadline(client, login, assignments, run_jobs):
    course, teacher, student = assignments.course_with_student()
    due = utcnow() + timedelta(hours=2)
    assignment = assignments.create(course, teacher, max_attempts=1, due_at=due)
    submission = assignments.hand_in(student, assignment, text="Rushed")
    login(client, teacher)
    new_due = (due + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/assignments/submissions/{submission.id}/return", data={"comment": "Add the tests.", "new_due_at": new_due}
    )
    assert response.status_code == 303
    run_jobs()

    switch(client, login, student)
    shown = page(client.get(f"/assignments/{assignment.id}"))
    assert 'data-state="returned"' in shown and "Add the tests." in shown and 'id="hand-in-form"' in shown
    assert "extended" in shown
    notes = db.session.execute(db.select(Notification.kind).where(Notification.user_id == student.id)).scalars()
    assert list(notes) == ["assignments.returned"]
    client.post(f"/assignments/{assignment.id}/hand-in", data={"action": "submit", "text": "With tests"})
    attempts = db.session.execute(db.select(Submission.number, Submission.status).order_by(Submission.number)).all()
    assert attempts == [(1, "returned"), (2, "submitted")]


def test_release_all_releases_every_graded_attempt_once(client, login, assignments, factory, run_jobs):
    course, teacher, student = assignments.course_with_student()
    other = factory.user()
    factory.enrol(other, course)
    ungraded_student = factory.user()
    factory.enrol(ungraded_student, course)
    assignment = assignments.create(course, teacher)
    for user in (student, other):
        grading.grade_submission(teacher, assignments.hand_in(user, assignment), score=6)
    assignments.hand_in(ungraded_student, assignment)

    login(client, teacher)
    client.post(f"/assignments/{assignment.id}/release-all")
    client.post(f"/assignments/{assignment.id}/release-all")
    run_jobs()
    released = db.session.execute(db.select(SubmissionGrade.released_at)).scalars().all()
    assert len(released) == 2 and all(released)
    kinds = (
        db.session.execute(db.select(Notification.user_id).where(Notification.kind == "assignments.grade_released"))
        .scalars()
        .all()
    )
    assert sorted(kinds) == sorted([student.id, other.id])


# --------------------------------------------------------------------------- permissions


def test_nobody_sees_or_grades_what_is_not_theirs(client, login, assignments, factory):
    course, teacher, student = assignments.course_with_student()
    classmate = factory.user()
    factory.enrol(classmate, course)
    stranger = factory.user()
    other_teacher = factory.user(role="teacher")
    factory.course(teacher=other_teacher)
    assignment = assignments.create(course, teacher)
    submission = assignments.hand_in(student, assignment)
    grading.grade_submission(teacher, submission, score=9)
    grading.release(submission)

    login(client, classmate)
    assert client.get(f"/assignments/submissions/{submission.id}").status_code == 403
    assert client.get(f"/api/v1/assignments/submissions/{submission.id}").status_code == 403
    assert client.get(f"/assignments/{assignment.id}/queue").status_code == 403
    own = client.get(f"/api/v1/assignments/{assignment.id}/submissions").get_json()["submissions"]
    assert own == []

    switch(client, login, stranger)
    assert client.get(f"/assignments/{assignment.id}").status_code == 403
    assert (
        client.post(f"/assignments/{assignment.id}/hand-in", data={"action": "submit", "text": "x"}).status_code == 403
    )

    switch(client, login, other_teacher)
    assert client.post(f"/assignments/submissions/{submission.id}/grade", data={"points": "1"}).status_code == 403
    assert client.post(f"/assignments/{assignment.id}/release-all").status_code == 403
    assert client.get(f"/assignments/{assignment.id}/edit").status_code == 403
    db.session.expire_all()
    assert db.session.execute(db.select(SubmissionGrade.points)).scalar_one() == 9.0


def test_the_course_is_complete_only_when_the_grade_reaches_the_pass_mark(app, assignments, factory, run_jobs):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher, title="Final project", pass_points=6)
    assignments.create(course, teacher, title="Optional extra", required=False)
    first = assignments.hand_in(student, assignment)
    grading.grade_submission(teacher, first, score="5.99")
    grading.release(first)
    run_jobs()
    with app.test_request_context():
        labels = [(r.label, r.met) for r in course_progress(student, course).requirements]
    assert labels == [("Get at least 6 points for “Final project”", False)]
    assert db.session.execute(db.select(Enrollment.status)).scalar_one() == "active"

    grading.grade_submission(teacher, first, score="6")  # re-grading a released grade releases it again
    run_jobs()
    db.session.expire_all()
    assert db.session.execute(db.select(Enrollment.status)).scalar_one() == "completed"
