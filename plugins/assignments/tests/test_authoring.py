"""A teacher sets up assignments through the pages; everyone reads deadlines in their
own time zone and the interface in their language."""

from datetime import datetime, timedelta, timezone

from lms_core import db
from lms_core.models import utcnow

from lms_assignments import grading
from lms_assignments.models import Assignment


def page(response) -> str:
    return response.get_data(as_text=True)


FORM = {
    "title": "Bridge design",
    "description": "Design a **bridge**.",
    "grading_mode": "rubric",
    "rubric": "Statics | Sound = 6 | Shaky = 2\nDrawing | Clear = 4 | Rough = 1",
    "pass_points": "5",
    "accepts_files": "y",
    "allowed_extensions": "pdf, .PNG",
    "max_file_size_mb": "5",
    "max_files": "3",
    "accepts_links": "y",
    "late_policy": "penalty",
    "late_penalty_percent": "10",
    "reminder_hours": "48, 2",
    "published": "y",
    "required": "y",
}


def test_a_teacher_in_berlin_creates_an_assignment_and_a_student_in_tokyo_sees_the_deadline_in_tokyo_time(
    client, login, assignments, factory
):
    course, teacher, student = assignments.course_with_student()
    teacher.timezone = "Europe/Berlin"
    student.timezone = "Asia/Tokyo"
    db.session.commit()
    login(client, teacher)
    response = client.post(
        f"/assignments/course/{course.id}/new",
        data={**FORM, "due_at": "2031-03-29T23:59", "late_cutoff_at": "2031-04-02T23:59"},
    )
    assert response.status_code == 303, page(response)

    assignment = db.session.execute(db.select(Assignment)).scalar_one()
    assert assignment.due_at == datetime(2031, 3, 29, 22, 59, tzinfo=timezone.utc)  # CET, +1
    assert assignment.late_cutoff_at == datetime(2031, 4, 2, 21, 59, tzinfo=timezone.utc)  # CEST, +2
    assert (assignment.max_points, assignment.allowed_extensions, assignment.reminder_hours) == (
        10.0,
        ["pdf", "png"],
        [48, 2],
    )
    assert [c.title for c in assignment.criteria] == ["Statics", "Drawing"]
    assert "Mar 29, 2031, 11:59\u202fPM" in page(client.get(f"/assignments/{assignment.id}"))
    edit = page(client.get(f"/assignments/{assignment.id}/edit"))
    assert 'value="2031-03-29T23:59' in edit and "Statics | Sound = 6 | Shaky = 2" in edit

    client.post("/logout")
    login(client, student)
    shown = page(client.get(f"/assignments/{assignment.id}"))
    assert "Mar 30, 2031, 7:59\u202fAM" in shown  # Tokyo is UTC+9
    assert "<strong>bridge</strong>" in shown


def test_a_deadline_in_the_hour_skipped_by_the_clock_change_is_refused_with_a_message(client, login, assignments):
    course, teacher, _student = assignments.course_with_student()
    teacher.timezone = "Europe/Berlin"
    db.session.commit()
    login(client, teacher)
    response = client.post(
        f"/assignments/course/{course.id}/new",
        data={**FORM, "due_at": "2031-03-30T02:30", "late_cutoff_at": "2031-04-02T23:59"},
    )
    assert response.status_code == 400
    assert "This time does not exist in your time zone" in page(response)
    assert db.session.execute(db.select(Assignment)).first() is None


def test_the_form_explains_each_mistake(client, login, assignments):
    course, teacher, _student = assignments.course_with_student()
    login(client, teacher)
    response = client.post(
        f"/assignments/course/{course.id}/new",
        data={
            **FORM,
            "rubric": "Statics | Sound",
            "allowed_extensions": "pdf, exe",
            "late_cutoff_at": "",
            "due_at": "2031-05-01T10:00",
            "reminder_hours": "2, x",
        },
    )
    html = page(response)
    assert response.status_code == 400
    assert "write each level as “name = points”" in html
    assert "Unknown file types: exe." in html
    assert "Give the last moment a late hand-in is accepted." in html
    assert "Enter a whole number." in html
    assert db.session.execute(db.select(Assignment)).first() is None


def test_the_rubric_cannot_change_once_attempts_are_graded(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.rubric(course, teacher)
    grading.grade_submission(
        teacher, assignments.hand_in(student, assignment), levels=assignments.levels(assignment, "Right", "Clean")
    )
    login(client, teacher)
    form = page(client.get(f"/assignments/{assignment.id}/edit"))
    assert "Correctness | Right = 6 | Partly = 3 | Wrong = 0" in form
    local_due = assignment.due_at.strftime("%Y-%m-%dT%H:%M")
    changed = client.post(
        f"/assignments/{assignment.id}/edit",
        data={
            "title": "Renamed",
            "due_at": local_due,
            "grading_mode": "rubric",
            "allowed_extensions": "pdf",
            "accepts_files": "y",
            "rubric": "Correctness | Right = 60",
            "late_policy": "refuse",
            "published": "y",
        },
    )
    assert changed.status_code == 409
    assert "cannot change once attempts are graded" in page(changed)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).title == "Essay"
    same_rubric = client.post(
        f"/assignments/{assignment.id}/edit",
        data={
            "title": "Renamed",
            "due_at": local_due,
            "grading_mode": "rubric",
            "allowed_extensions": "pdf",
            "accepts_files": "y",
            "rubric": "Correctness | Right = 6 | Partly = 3 | Wrong = 0\nStyle | Clean = 4 | Messy = 1.5",
            "late_policy": "refuse",
            "published": "y",
        },
    )
    assert same_rubric.status_code == 303
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).title == "Renamed"


def test_the_course_page_and_the_dashboard_list_assignments_with_their_state(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    soon = assignments.create(course, teacher, title="Soon due", due_at=utcnow() + timedelta(days=2))
    done = assignments.create(course, teacher, title="Handed in", due_at=utcnow() + timedelta(days=3))
    assignments.create(course, teacher, title="Hidden draft", published=False)
    assignments.hand_in(student, done)
    login(client, student)

    course_page = page(client.get(f"/courses/{course.slug}"))
    assert 'id="course-assignments"' in course_page
    assert "Soon due" in course_page and 'data-state="submitted"' in course_page
    assert "Hidden draft" not in course_page
    assert "Hand in “Soon due” and get it graded" in course_page  # a completion requirement

    dashboard = page(client.get("/dashboard"))
    coming = dashboard[dashboard.index('id="upcoming-deadlines"') :]
    assert f'href="/assignments/{soon.id}">Soon due</a>' in coming and "Assignment" in coming
    assert "Handed in" not in coming
    assert client.get(f"/assignments/{soon.id}").status_code == 200


def test_the_teachers_dashboard_lists_the_deadlines_of_the_courses_they_teach_with_hand_ins_to_grade(
    client, login, assignments, factory
):
    course, teacher, student = assignments.course_with_student(title="Rocks")
    soon = assignments.create(course, teacher, title="Soon due", due_at=utcnow() + timedelta(days=2))
    past = assignments.create(course, teacher, title="Past due", due_at=utcnow() + timedelta(hours=1))
    quiet = assignments.create(course, teacher, title="Past, all graded", due_at=utcnow() + timedelta(hours=1))
    assignments.hand_in(student, past)
    for late in (past, quiet):  # their deadlines went by
        late.due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    other_course = factory.course(title="Not mine")
    assignments.create(other_course, None, title="Someone else's", due_at=utcnow() + timedelta(days=2))
    login(client, teacher)

    dashboard = page(client.get("/dashboard"))

    coming = dashboard[dashboard.index('id="upcoming-deadlines"') :]
    coming = coming[: coming.index("</section>")]
    assert f'href="/assignments/{soon.id}/queue">Soon due</a>' in coming and "· Rocks ·" in coming
    assert f'href="/assignments/{past.id}/queue">Past due</a>' in coming and "To grade: 1" in coming
    assert "Past, all graded" not in coming  # nothing waits: a deadline gone by is not shown
    assert "Someone else" not in coming
    login(client, student)  # the learner sees the assignment to hand in, not the queue
    mine = page(client.get("/dashboard"))
    assert f'href="/assignments/{soon.id}">Soon due</a>' in mine and "/queue" not in mine


def test_the_interface_and_the_assignment_read_in_russian(client, login, assignments, factory):
    course, teacher, student = assignments.course_with_student()
    student.locale = "ru"
    db.session.commit()
    assignment = assignments.create(
        course,
        teacher,
        title="Essay",
        description="Write it.",
        late_policy="penalty",
        late_penalty_percent=5,
        late_cutoff_at=utcnow() + timedelta(days=9),
    )
    login(client, teacher)
    saved = client.post(
        f"/assignments/{assignment.id}/translations",
        data={"language": "ru", "title": "Эссе", "description": "Напишите его."},
    )
    assert saved.status_code == 303
    client.post("/logout")
    login(client, student)
    shown = page(client.get(f"/assignments/{assignment.id}"))
    assert "<h1>Эссе</h1>" in shown and "Напишите его." in shown
    assert "Сдать работу" in shown and "Сохранить черновик" in shown and "Не начато" in shown
    refused = client.post(f"/assignments/{assignment.id}/hand-in", data={"action": "submit", "text": " "})
    assert "Добавьте файл, ссылку или текст, прежде чем сдавать работу." in page(refused)


def test_saving_the_form_without_touching_the_deadline_keeps_it_to_the_second(client, login, assignments):
    course, teacher, student = assignments.course_with_student()
    teacher.timezone = "America/New_York"
    db.session.commit()
    due = datetime(2031, 11, 2, 5, 30, 17, tzinfo=timezone.utc)  # seconds, as the API allows
    assignment = assignments.create(course, teacher, due_at=due)
    login(client, teacher)
    form = page(client.get(f"/assignments/{assignment.id}/edit"))
    assert 'value="2031-11-02T01:30"' in form  # EDT, the hour before the clocks go back

    saved = client.post(
        f"/assignments/{assignment.id}/edit",
        data={
            "title": "Essay, revised",
            "due_at": "2031-11-02T01:30",
            "grading_mode": "points",
            "max_points": "10",
            "accepts_text": "y",
            "late_policy": "refuse",
            "published": "y",
            "reminder_hours": "24, 1",
        },
    )
    assert saved.status_code == 303
    db.session.expire_all()
    changed = db.session.get(Assignment, assignment.id)
    assert (changed.title, changed.due_at) == ("Essay, revised", due)
