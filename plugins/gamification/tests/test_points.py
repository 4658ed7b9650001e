"""Points for what students do, once per cause, with the course's rules."""

from lms_core import db
from lms_core.services import progress

from lms_gamification import ledger, rules
from lms_gamification.models import ActiveDay, PointAward


def causes(user):
    return dict(
        db.session.execute(db.select(PointAward.cause, PointAward.points).where(PointAward.user_id == user.id)).all()
    )


def test_a_student_who_passes_a_quiz_first_time_with_full_marks_gets_base_bonus_and_first_attempt_points(
    factory, pass_quiz
):
    course = factory.course()
    quiz = factory.quiz(course)
    factory.lesson(course)  # keeps the course from completing, so only quiz points count
    student = factory.user()
    factory.enrol(student, course)

    pass_quiz(student, quiz)

    assert causes(student) == {
        f"quiz:{quiz.id}:pass": 10,
        f"quiz:{quiz.id}:score": 5,
        f"quiz:{quiz.id}:first-attempt": 5,
    }
    assert ledger.total_points(student.id) == 20
    assert ledger.total_points(student.id, f"c{course.id}") == 20


def test_a_retake_raises_only_the_score_bonus_and_never_repeats_the_first_attempt_bonus(factory, pass_quiz, questions):
    course = factory.course()
    factory.lesson(course)
    quiz = factory.quiz(course, pass_percent=50, questions=questions())
    student = factory.user()
    factory.enrol(student, course)

    pass_quiz(student, quiz, right=3)  # 75 %: bonus 4 of 5
    assert ledger.total_points(student.id) == 10 + 4 + 5
    pass_quiz(student, quiz, right=2)  # 50 %, a worse retake changes nothing
    assert ledger.total_points(student.id) == 19
    pass_quiz(student, quiz, right=4)  # 100 %: the bonus rises to 5, base and first-attempt stay

    assert causes(student) == {
        f"quiz:{quiz.id}:pass": 10,
        f"quiz:{quiz.id}:score": 5,
        f"quiz:{quiz.id}:first-attempt": 5,
    }
    assert ledger.total_points(student.id) == 20


def test_passing_on_a_second_attempt_earns_no_first_attempt_bonus(factory, pass_quiz, questions):
    course = factory.course()
    factory.lesson(course)
    quiz = factory.quiz(course, pass_percent=60, questions=questions())
    student = factory.user()
    factory.enrol(student, course)

    failed = pass_quiz(student, quiz, right=1)
    assert failed.passed is False and ledger.total_points(student.id) == 0
    pass_quiz(student, quiz, right=4)

    assert f"quiz:{quiz.id}:first-attempt" not in causes(student)
    assert ledger.total_points(student.id) == 15
    # the failed attempt still made it an active day
    assert db.session.execute(db.select(ActiveDay).where(ActiveDay.user_id == student.id)).scalar_one()


def test_completing_lessons_and_the_course_earns_points_once(factory, settle):
    course = factory.course()
    first, second = factory.lesson(course), factory.lesson(course)
    student = factory.user()
    factory.enrol(student, course)

    progress.complete_lesson(student, first)
    progress.complete_lesson(student, first)  # a double click
    settle()
    assert ledger.total_points(student.id) == 2
    progress.complete_lesson(student, second)
    settle()

    assert causes(student) == {
        f"lesson:{first.id}:done": 2,
        f"lesson:{second.id}:done": 2,
        f"course:{course.id}:completed": 50,
    }


def test_a_replayed_event_and_a_retried_job_award_nothing_twice(factory, pass_quiz, plugins, settle):
    from lms_core.models import Attempt
    from lms_core.payloads import AttemptInfo, QuizInfo, UserInfo

    from lms_gamification import jobs

    course = factory.course()
    factory.lesson(course)
    quiz = factory.quiz(course)
    student = factory.user()
    factory.enrol(student, course)
    attempt = pass_quiz(student, quiz)

    attempt = db.session.get(Attempt, attempt.id)
    plugins.call_each(
        "on_quiz_passed", user=UserInfo.of(student), quiz=QuizInfo.of(quiz), attempt=AttemptInfo.of(attempt)
    )
    settle()
    jobs.quiz_passed(student.id, attempt.id)  # a job rq retried after it had done its work

    assert ledger.total_points(student.id) == 20
    assert len(causes(student)) == 3


def test_a_teachers_course_rules_override_the_admins_defaults(app, client, factory, login, pass_quiz):
    admin, teacher = factory.user(role="admin"), factory.user(role="teacher")
    own, other = factory.course(teacher=teacher), factory.course()
    for course in (own, other):
        factory.lesson(course)
    login(client, admin)
    assert (
        client.post(
            "/gamification/admin",
            data={"part": "rules", "quiz_pass": "30", "quiz_score_bonus": "0", "quiz_first_attempt_bonus": "0"},
        ).status_code
        == 303
    )
    client.post("/logout")
    login(client, teacher)
    response = client.post(f"/gamification/courses/{own.id}/settings", data={"part": "rules", "quiz_pass": "7"})
    assert response.status_code == 303

    student = factory.user()
    for course in (own, other):
        factory.enrol(student, course)
        pass_quiz(student, factory.quiz(course))

    assert ledger.total_points(student.id, f"c{own.id}") == 7  # the course's own value, the rest inherited
    assert ledger.total_points(student.id, f"c{other.id}") == 30  # the platform's defaults
    assert rules.effective_rules(own.id)["lesson_completed"] == 2  # untouched: the built-in default


def test_bad_points_values_are_refused_with_a_message_and_nothing_is_saved(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)

    response = client.post(
        f"/gamification/courses/{course.id}/settings",
        data={"part": "rules", "quiz_pass": "lots", "lesson_completed": "-3"},
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a whole number." in page and "Enter a number from 0 to 100000." in page
    assert rules.stored_rules(course.id)["quiz_pass"] is None


def test_a_student_cannot_change_a_courses_points(client, factory, login):
    course = factory.course()
    student = factory.user()
    factory.enrol(student, course)
    login(client, student)

    assert (
        client.post(
            f"/gamification/courses/{course.id}/settings", data={"part": "rules", "quiz_pass": "1000"}
        ).status_code
        == 403
    )
    assert rules.stored_rules(course.id)["quiz_pass"] is None
