"""A student's way through a course, through the web pages."""

from lms_core.extensions import db
from lms_core.models import ActivityFact, Enrollment


def test_a_student_enrols_reads_passes_and_completes_the_course(client, factory, login):
    course = factory.course(title="Astronomy")
    lesson = factory.lesson(course, title="Stars", body="# Stars\n\n```python\nprint('hi')\n```")
    quiz = factory.quiz(course)
    student = factory.user()
    login(client, student)

    assert client.post(f"/courses/{course.slug}/enrol").status_code == 303
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "<h1>Stars</h1>" in page and "<pre><code" in page
    client.post(f"/lessons/{lesson.id}/complete")
    client.post(f"/quizzes/{quiz.id}/start")
    attempt_id = quiz.id and db.session.execute(db.text("select id from attempts")).scalar_one()
    answers = factory.answers(quiz)
    response = client.post(f"/attempts/{attempt_id}/submit", data={k: str(v) for k, v in answers.items()})
    assert response.status_code == 303
    assert 'id="quiz-passed"' in client.get(response.location).get_data(as_text=True)

    enrollment = db.session.execute(db.select(Enrollment)).scalar_one()
    assert enrollment.status == "completed"
    assert 'id="course-completed"' in client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_heartbeats_store_time_on_the_lesson_within_bounds(client, factory, login):
    course = factory.course()
    lesson = factory.lesson(course)
    student = factory.user()
    factory.enrol(student, course)
    login(client, student)

    first = client.post(f"/lessons/{lesson.id}/heartbeat", json={"seconds": 15})
    second = client.post(f"/lessons/{lesson.id}/heartbeat", json={"seconds": 15})
    assert first.get_json() == {"counted": 15}
    assert second.get_json()["counted"] <= 1  # no time passed since the first heartbeat
    assert client.post(f"/lessons/{lesson.id}/heartbeat", json={"seconds": "x"}).status_code == 400
    facts = db.session.execute(db.select(ActivityFact)).scalars().all()
    assert facts[0].seconds == 15 and facts[0].course_id == course.id and facts[0].lesson_id == lesson.id
