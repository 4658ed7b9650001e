"""Quizzes: scoring of every question kind, attempt limits, time limits, bad answers."""

from datetime import timedelta

import pytest

from lms_core.extensions import db
from lms_core.services import ServiceError, quizzes

THREE_KINDS = [
    {"kind": "single", "text": "2 * 3?", "points": 2, "choices": [("5", False), ("6", True)]},
    {"kind": "multiple", "text": "Lists?", "points": 2, "choices": [("[1]", True), ("(1,)", False), ("[]", True)]},
    {"kind": "text", "text": "Loop keyword?", "points": 1, "accepted_answers": ["for"]},
]


@pytest.fixture
def quiz_setup(factory):
    course = factory.course()
    quiz = factory.quiz(course, questions=THREE_KINDS, pass_percent=60, max_attempts=2)
    student = factory.user()
    factory.enrol(student, course)
    return quiz, student


def ids(quiz):
    single, multiple, text = quiz.questions
    by_text = {c.text: c.id for q in (single, multiple) for c in q.choices}
    return single, multiple, text, by_text


def test_a_perfect_attempt_scores_every_point(quiz_setup, factory):
    quiz, student = quiz_setup
    attempt = factory.attempt(student, quiz)
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (5, 5, 100, True)


def test_multiple_choice_gives_partial_credit_and_wrong_picks_cost(quiz_setup):
    quiz, student = quiz_setup
    single, multiple, text, c = ids(quiz)
    attempt = quizzes.start_attempt(student, quiz)
    attempt = quizzes.submit_attempt(
        student,
        attempt,
        {
            str(single.id): c["5"],  # wrong: 0 of 2
            str(multiple.id): [c["[1]"], c["(1,)"]],  # one right, one wrong: (1 - 1) / 2 -> 0
            str(text.id): "  FOR ",  # case and spaces ignored: 1
        },
    )
    assert attempt.score == 1 and attempt.percent == 20 and attempt.passed is False
    attempt = quizzes.start_attempt(student, quiz)
    attempt = quizzes.submit_attempt(student, attempt, {str(multiple.id): [c["[1]"]], str(single.id): c["6"]})
    assert attempt.score == 3  # 2 + half of 2 + 0 for the missing text answer


def test_attempts_run_out(quiz_setup, factory):
    quiz, student = quiz_setup
    factory.attempt(student, quiz, correct=False)
    factory.attempt(student, quiz, correct=False)
    with pytest.raises(ServiceError) as error:
        quizzes.start_attempt(student, quiz)
    assert error.value.code == "no_attempts_left" and error.value.status == 409


def test_a_double_submit_scores_once(quiz_setup, factory):
    quiz, student = quiz_setup
    attempt = quizzes.start_attempt(student, quiz)
    quizzes.submit_attempt(student, attempt, factory.answers(quiz))
    with pytest.raises(ServiceError) as error:
        quizzes.submit_attempt(student, attempt, factory.answers(quiz))
    assert error.value.code == "already_submitted"


def test_answers_after_the_time_limit_do_not_count(factory):
    course = factory.course()
    quiz = factory.quiz(course, time_limit_minutes=10)
    student = factory.user()
    factory.enrol(student, course)
    attempt = quizzes.start_attempt(student, quiz)
    attempt.started_at = attempt.started_at - timedelta(minutes=10, seconds=31)
    db.session.commit()
    attempt = quizzes.submit_attempt(student, attempt, factory.answers(quiz))
    assert attempt.timed_out and attempt.score == 0 and not attempt.passed


def test_answers_within_the_grace_period_count(factory):
    course = factory.course()
    quiz = factory.quiz(course, time_limit_minutes=10)
    student = factory.user()
    factory.enrol(student, course)
    attempt = quizzes.start_attempt(student, quiz)
    attempt.started_at = attempt.started_at - timedelta(minutes=10, seconds=20)
    db.session.commit()
    attempt = quizzes.submit_attempt(student, attempt, factory.answers(quiz))
    assert not attempt.timed_out and attempt.passed


def test_an_option_from_another_question_is_refused_and_nothing_is_saved(quiz_setup):
    quiz, student = quiz_setup
    single, multiple, text, c = ids(quiz)
    attempt = quizzes.start_attempt(student, quiz)
    with pytest.raises(ServiceError) as error:
        quizzes.submit_attempt(student, attempt, {str(single.id): c["[1]"]})
    assert error.value.code == "invalid_answers" and str(single.id) in error.value.fields
    db.session.refresh(attempt)
    assert attempt.submitted_at is None and attempt.score is None


def test_the_quiz_page_shows_a_clear_message_when_attempts_are_used_up(client, factory, login):
    course = factory.course()
    quiz = factory.quiz(course, max_attempts=1)
    student = factory.user()
    factory.enrol(student, course)
    factory.attempt(student, quiz, correct=False)
    login(client, student)
    response = client.post(f"/quizzes/{quiz.id}/start", follow_redirects=True)
    assert "You have used all your attempts at this quiz." in response.get_data(as_text=True)
