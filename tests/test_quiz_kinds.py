"""Quiz question types beyond choice and text (numeric with tolerance, matching,
ordering, essays graded by the teacher) and the review policies that decide when a
learner sees the correct answers and the feedback."""

from datetime import datetime, timedelta, timezone

import re

import pytest

from lms_core.extensions import db
from lms_core.models import Attempt, Event
from lms_core.services import ServiceError, courses, quizzes

NEW_KINDS = [
    {"kind": "numeric", "text": "π to two places?", "points": 2, "accepted_answers": ["3.14"], "tolerance": 0.005},
    {
        "kind": "matching",
        "text": "Match the capitals",
        "points": 3,
        "choices": [("France", True), ("Japan", True), ("Peru", True)],
        "matches": ["Paris", "Tokyo", "Lima"],
    },
    {
        "kind": "ordering",
        "text": "Smallest first",
        "points": 2,
        "choices": [("1", True), ("5", True), ("9", True), ("12", True)],
    },
]


@pytest.fixture
def learner(factory):
    course = factory.course()
    student = factory.user()
    factory.enrol(student, course)
    return course, student


def submit(student, quiz, answers):
    return quizzes.submit_attempt(student, quizzes.start_attempt(student, quiz), answers)


def test_a_number_within_the_tolerance_counts_and_a_comma_is_a_decimal_point(learner, factory):
    course, student = learner
    quiz = factory.quiz(course, questions=NEW_KINDS[:1], max_attempts=5)
    numeric = quiz.questions[0]
    assert submit(student, quiz, {str(numeric.id): "3,141"}).score == 2
    assert submit(student, quiz, {str(numeric.id): "3.146"}).score == 0
    assert submit(student, quiz, {str(numeric.id): " 3.1449 "}).score == 2


def test_a_numeric_answer_that_is_not_a_number_is_refused_at_its_question(learner, factory):
    course, student = learner
    quiz = factory.quiz(course, questions=NEW_KINDS[:1])
    attempt = quizzes.start_attempt(student, quiz)
    with pytest.raises(ServiceError) as refused:
        quizzes.submit_attempt(student, attempt, {str(quiz.questions[0].id): "three"})
    assert refused.value.code == "invalid_answers" and str(quiz.questions[0].id) in refused.value.fields
    assert db.session.get(Attempt, attempt.id).submitted_at is None


def test_matching_and_ordering_give_a_share_of_the_points_per_item_in_place(learner, factory):
    course, student = learner
    quiz = factory.quiz(course, questions=NEW_KINDS[1:], max_attempts=5)
    matching, ordering = quiz.questions
    # A learner's page names the options by their per-learner codes, never by their ids.
    france, japan, peru = (quizzes.option_code(student.id, matching.id, c.id) for c in matching.choices)
    one, five, nine, twelve = (quizzes.option_code(student.id, ordering.id, c.id) for c in ordering.choices)
    # France->Paris right, Japan->Lima and Peru->Tokyo wrong; two of four in place.
    attempt = submit(
        student, quiz, {str(matching.id): [france, peru, japan], str(ordering.id): [one, five, twelve, nine]}
    )
    assert quizzes.question_scores(attempt) == {str(matching.id): 1.0, str(ordering.id): 1.0}
    perfect = factory.attempt(student, quiz)
    assert perfect.score == 5 and perfect.passed is True


def test_an_unmatched_item_counts_as_wrong_and_a_foreign_id_is_refused(learner, factory):
    course, student = learner
    quiz = factory.quiz(course, questions=NEW_KINDS[1:2], max_attempts=5)
    matching = quiz.questions[0]
    france = quizzes.option_code(student.id, matching.id, matching.choices[0].id)
    assert submit(student, quiz, {str(matching.id): [france, None, None]}).score == 1
    with pytest.raises(ServiceError):
        submit(student, quiz, {str(matching.id): [france, 999999, None]})


def test_a_matching_or_ordering_answer_cannot_be_read_off_the_page_or_sent_as_ids(learner, factory, client, login):
    """The right option of a matching item is the item's own row, and ordering items are
    stored in order: a learner's page and the API name options by per-learner codes."""
    course, student = learner
    quiz = factory.quiz(course, questions=NEW_KINDS[1:], max_attempts=5)
    matching, ordering = quiz.questions
    ids = [c.id for c in matching.choices] + [c.id for c in ordering.choices]
    login(client, student)
    client.post(f"/quizzes/{quiz.id}/start")
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    shown = {int(v) for v in re.findall(r'<option value="(\d+)"', page)}
    assert shown and not shown & set(ids), "an option's id is on the page"
    api = client.get(f"/api/v1/quizzes/{quiz.id}").get_json()
    options = {o["id"] for q in api["questions"] for o in q.get("matches", [])} | {
        o["id"] for q in api["questions"] if q["kind"] == "ordering" for o in q["choices"]
    }
    assert options and not options & set(ids), "an option's id is in the API"
    # Sending the ids themselves (the stored, right order) scores nothing.
    as_ids = {str(matching.id): [c.id for c in matching.choices], str(ordering.id): [c.id for c in ordering.choices]}
    with pytest.raises(ServiceError):
        submit(student, quiz, as_ids)


def test_learners_see_ordering_items_and_matches_shuffled_the_same_way_each_time(learner, factory):
    course, student = learner
    quiz = factory.quiz(course, questions=NEW_KINDS[2:])
    ordering = quiz.questions[0]
    shown = quizzes.shuffled(ordering, student.id)
    assert [c.id for c in shown] != [c.id for c in ordering.choices]
    assert sorted(c.id for c in shown) == sorted(c.id for c in ordering.choices)
    assert quizzes.shuffled(ordering, student.id) == shown


def test_teachers_cannot_save_a_matching_item_without_its_match_or_a_numeric_question_without_a_number(factory):
    quiz = factory.quiz(factory.course())
    with pytest.raises(ServiceError) as missing:
        courses.add_question(quiz, "matching", "Match", 1, [("a", True), ("b", True)], matches=["A", ""])
    assert "choices" in missing.value.fields
    with pytest.raises(ServiceError) as not_number:
        courses.add_question(quiz, "numeric", "How many?", 1, accepted_answers=["many"], tolerance=-1)
    assert set(not_number.value.fields) == {"accepted_answers", "tolerance"}


ESSAY_QUIZ = [
    {"kind": "single", "text": "2 + 2?", "points": 1, "choices": [("4", True), ("5", False)]},
    {"kind": "essay", "text": "Explain **why**.", "points": 4, "feedback": "Mention the axioms."},
]


def events_of(hook):
    return db.session.execute(db.select(Event).where(Event.hook == hook)).scalars().all()


def test_an_essay_waits_for_the_teacher_and_the_attempt_completes_when_graded(learner, factory):
    course, student = learner
    teacher = factory.user()
    quiz = factory.quiz(course, questions=ESSAY_QUIZ, pass_percent=60)
    single, essay = quiz.questions
    attempt = submit(student, quiz, {str(single.id): single.choices[0].id, str(essay.id): "Because."})
    assert attempt.needs_grading and attempt.passed is None and attempt.percent is None
    assert quizzes.question_scores(attempt)[str(essay.id)] is None
    assert quizzes.attempts_to_grade([quiz.id]) == [attempt]
    assert not events_of("on_quiz_submitted") and not events_of("on_quiz_passed")

    with pytest.raises(ServiceError) as too_many:
        quizzes.grade_attempt(teacher, attempt, {str(essay.id): 5})
    assert str(essay.id) in too_many.value.fields and db.session.get(Attempt, attempt.id).graded_at is None

    quizzes.grade_attempt(teacher, attempt, {str(essay.id): 3}, {str(essay.id): "Good, but name them."})
    attempt = db.session.get(Attempt, attempt.id)
    assert (attempt.score, attempt.percent, attempt.passed, attempt.needs_grading) == (4, 80, True, False)
    assert attempt.comments == {str(essay.id): "Good, but name them."}
    assert quizzes.attempts_to_grade([quiz.id]) == []
    assert len(events_of("on_quiz_submitted")) == 1 and len(events_of("on_quiz_passed")) == 1

    # Grading again changes the score; the attempt was already complete and passed: no new events.
    quizzes.grade_attempt(teacher, attempt, {str(essay.id): 4})
    assert db.session.get(Attempt, attempt.id).score == 5
    assert len(events_of("on_quiz_submitted")) == 1 and len(events_of("on_quiz_passed")) == 1


def test_an_empty_essay_scores_zero_without_waiting_for_a_teacher(learner, factory):
    course, student = learner
    quiz = factory.quiz(course, questions=ESSAY_QUIZ)
    single = quiz.questions[0]
    attempt = submit(student, quiz, {str(single.id): single.choices[0].id})
    assert not attempt.needs_grading and attempt.percent == 20 and attempt.passed is False


def test_a_quiz_without_essays_has_nothing_to_grade(learner, factory):
    course, student = learner
    quiz = factory.quiz(course)
    attempt = factory.attempt(student, quiz)
    with pytest.raises(ServiceError) as refused:
        quizzes.grade_attempt(factory.user(), attempt, {})
    assert refused.value.code == "nothing_to_grade"


def test_review_policy_never_and_after_each_attempt(learner, factory):
    course, student = learner
    hidden = factory.quiz(course, review_policy="never")
    shown = factory.quiz(course, review_policy="after_attempt")
    assert quizzes.review_shown(factory.attempt(student, hidden)) is False
    assert quizzes.review_shown(factory.attempt(student, hidden), staff=True) is True
    assert quizzes.review_shown(factory.attempt(student, shown)) is True


def test_review_after_the_last_attempt_waits_until_none_are_left(learner, factory):
    course, student = learner
    quiz = factory.quiz(course, review_policy="after_last_attempt", max_attempts=2)
    first = factory.attempt(student, quiz, correct=False)
    assert quizzes.review_shown(first) is False
    factory.attempt(student, quiz, correct=False)
    assert quizzes.review_shown(first) is True


def test_review_after_the_deadline_and_no_attempt_starts_after_it(learner, factory):
    course, student = learner
    due = datetime.now(timezone.utc) + timedelta(hours=1)
    quiz = factory.quiz(course, review_policy="after_deadline", due_at=due)
    attempt = factory.attempt(student, quiz)
    assert quizzes.review_shown(attempt) is False
    assert quizzes.review_shown(attempt, now=due + timedelta(minutes=1)) is True
    quiz.due_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(ServiceError) as closed:
        quizzes.start_attempt(student, quiz)
    assert closed.value.code == "quiz_closed"


def test_a_review_after_the_deadline_needs_a_deadline(factory):
    course = factory.course()
    with pytest.raises(ServiceError) as refused:
        courses.create_quiz(course, "Late", review_policy="after_deadline")
    assert "due_at" in refused.value.fields


def test_an_empty_list_is_an_unanswered_question_not_an_error(learner, factory):
    course, student = learner
    quiz = factory.quiz(course, questions=[*NEW_KINDS[:1], {"kind": "essay", "text": "Why?", "points": 1}])
    numeric, essay = quiz.questions
    attempt = submit(student, quiz, {str(numeric.id): [], str(essay.id): []})  # as the API may send them
    assert attempt.submitted_at is not None and attempt.score == 0
