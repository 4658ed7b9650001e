"""Stories across plugins: the project's own plugins working together through the core's
hooks only (assignments → gamification, completion → certificates)."""

from datetime import datetime, timedelta, timezone

import pytest

from lms_core.extensions import db
from lms_core.models import Enrollment, Notification
from lms_core.services import progress

ALL = pytest.mark.lms_config(LMS_PLUGINS="assignments,gamification,certificates")


@ALL
def test_a_graded_assignment_completes_the_course_awards_points_and_issues_a_certificate(app, factory, run_jobs):
    from lms_assignments import authoring, grading, submissions
    from lms_certificates.models import Certificate
    from lms_gamification.ledger import total_points

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    lesson = factory.lesson(course)
    student = factory.user(name="Мария Иванова")
    enrollment = factory.enrol(student, course)
    assignment = authoring.create_assignment(
        teacher,
        course,
        {
            "title": "Essay",
            "description": "Write it.",
            "max_points": 10,
            "pass_points": 5,
            "due_at": datetime.now(timezone.utc) + timedelta(days=3),
        },
    )

    progress.complete_lesson(student, lesson)
    run_jobs()
    assert db.session.get(Enrollment, enrollment.id).status == "active"  # the essay is still required
    points_for_lesson = total_points(student.id)
    assert points_for_lesson > 0

    submission = submissions.save(student, assignment, text="My essay", links=None, uploads=[], submit=True)
    grading.grade_submission(teacher, submission, score="8", comment="Good")
    grading.release(submission)
    run_jobs()
    db.session.expire_all()

    assert db.session.get(Enrollment, enrollment.id).status == "completed"
    assert total_points(student.id) > points_for_lesson  # the released grade earned points
    certificate = db.session.execute(
        db.select(Certificate).where(Certificate.enrollment_id == enrollment.id)
    ).scalar_one()
    assert certificate.status == "valid" and certificate.number.startswith("LMS-")
    kinds = set(db.session.execute(db.select(Notification.kind).where(Notification.user_id == student.id)).scalars())
    assert len(kinds) >= 2, kinds  # the grade release and the certificate, at least


@ALL
def test_switching_the_plugins_off_at_run_time_removes_their_parts_and_keeps_the_core(app, client, factory, login):
    from lms_core.services.platform import set_plugin_enabled

    course = factory.course()
    factory.lesson(course)
    student = factory.user()
    factory.enrol(student, course)
    login(client, student)
    before = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    api_paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert any(p.startswith("/gamification") for p in api_paths)
    assert client.get("/api/v1/gamification/leaderboards/platform").status_code == 200

    for name in ("assignments", "gamification", "certificates"):
        set_plugin_enabled(name, False)

    page = client.get(f"/courses/{course.slug}")
    assert page.status_code == 200
    assert len(page.get_data(as_text=True)) < len(before)  # the plugins' panels are gone
    api_paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert not [p for p in api_paths if p.startswith(("/gamification", "/assignments", "/certificates"))]
    assert client.get("/api/v1/gamification/leaderboards/platform").status_code == 404
