"""Known answers for every quiz statistic, on a data set small enough to compute by hand.

Five learners, three one-point questions (first attempts):

    learner  Q1 Q2 Q3  total
    A         1  1  1   3
    B         1  1  0   2
    C         1  0  1   2
    D         1  0  0   1
    E         0  0  0   0

The expected values below are worked out in the comments with plain arithmetic (and
checked against the textbook formulas written out again here, not the plugin's code).
"""

from __future__ import annotations

import math

import pytest

from lms_analytics import quizreport

MARKS = {"A": (1, 1, 1), "B": (1, 1, 0), "C": (1, 0, 1), "D": (1, 0, 0), "E": (0, 0, 0)}


def questions():
    return [
        {"kind": "single", "text": f"Question {n}", "choices": [("right", True), ("wrong", False)]} for n in (1, 2, 3)
    ]


@pytest.fixture
def quiz_taken(factory, settle):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course=course, questions=questions(), pass_percent=60)
    for name, marks in MARKS.items():
        learner = factory.user(name=f"Learner {name}")
        factory.enrol(learner, course)
        right, wrong = factory.answers(quiz), factory.answers(quiz, correct=False)
        chosen = {str(q.id): (right if m else wrong)[str(q.id)] for q, m in zip(quiz.questions, marks)}
        factory.attempt(learner, quiz, answers=chosen)
    settle()
    return teacher, course, quiz


def test_a_teacher_sees_the_quiz_statistics_moodle_would_show(quiz_taken):
    _teacher, _course, quiz = quiz_taken
    data = quizreport.report(quiz, "first")
    s = data["summary"]
    # totals 3, 2, 2, 1, 0: mean 8/5 = 1.6, median 2
    assert s["attempts"] == 5
    assert s["mean"] == pytest.approx(1.6)
    assert s["median"] == pytest.approx(2)
    # deviations 1.4, .4, .4, -.6, -1.6: squares sum 1.96+.16+.16+.36+2.56 = 5.2; SD = sqrt(5.2/4) = sqrt(1.3)
    assert s["sd"] == pytest.approx(math.sqrt(1.3))
    # cubes: 2.744 + .064 + .064 - .216 - 4.096 = -1.44; m2 = 1.04, m3 = -0.288
    # k2 = 5*1.04/4 = 1.3; k3 = 25*(-0.288)/(4*3) = -0.6; skewness = -0.6 / 1.3^1.5
    assert s["skewness"] == pytest.approx(-0.6 / 1.3**1.5)
    # fourth powers: 3.8416 + .0256 + .0256 + .1296 + 6.5536 = 10.576; m4 = 2.1152
    # k4 = 25*(6*2.1152 - 3*4*1.04^2)/(4*3*2) = 25*(12.6912 - 12.9792)/24 = -0.3
    assert s["kurtosis"] == pytest.approx(-0.3 / 1.3**2)
    # item variances (S-1 divisor): Q1 4 of 5 -> (4*.04 + .64)/4 = .2; Q2, Q3 2 of 5 -> (2*.36+3*.16)/4 = .3
    # CIC = 100 * 3/2 * (1 - .8/1.3) = 150 * .5/1.3
    assert s["cic"] == pytest.approx(150 * 0.5 / 1.3)
    er = 100 * math.sqrt(1 - (150 * 0.5 / 1.3) / 100)
    assert s["error_ratio"] == pytest.approx(er)
    assert s["standard_error"] == pytest.approx(er / 100 * math.sqrt(1.3))
    # pass mark 60%: totals of 2 and 3 (of 3) pass -> A only has 100%, B and C 66.7%: 3 of 5
    assert s["pass_rate"] == pytest.approx(60.0)


def test_each_question_has_its_facility_discrimination_and_efficiency(quiz_taken):
    _teacher, _course, quiz = quiz_taken
    q1, q2, q3 = quizreport.report(quiz, "first")["questions"]
    assert q1["facility"] == pytest.approx(80.0)
    assert q2["facility"] == pytest.approx(40.0)
    assert q1["sd"] == pytest.approx(math.sqrt(0.2))
    # Q1: x = 1,1,1,1,0 and the rest r = 2,1,1,0,0 (mean .8 and .8)
    # C(x, r) = sum (x-.8)(r-.8) / 4 = (.2*1.2 + .2*.2 + .2*.2 + .2*-.8 + -.8*-.8)/4 = .8/4 = .2
    # V(r) = (1.44 + .04 + .04 + .64 + .64)/4 = .7; D = 100 * .2 / sqrt(.2 * .7)
    assert q1["discrimination_index"] == pytest.approx(100 * 0.2 / math.sqrt(0.2 * 0.7))
    # sorted x 0,1,1,1,1 and sorted r 0,0,1,1,2: Cmax = ((-.8)(-.8) + .2(-.8) + .2*.2 + .2*.2 + .2*1.2)/4 = .8/4
    assert q1["discriminative_efficiency"] == pytest.approx(100.0)
    # Q2: x = 1,1,0,0,0 and r = 2,1,2,1,0 (means .4, 1.2)
    # C = (.6*.8 + .6*-.2 + -.4*.8 + -.4*-.2 + -.4*-1.2)/4 = (.48-.12-.32+.08+.48)/4 = .15
    # V(x) = .3, V(r) = (.64+.04+.64+.04+1.44)/4 = .7
    assert q2["discrimination_index"] == pytest.approx(100 * 0.15 / math.sqrt(0.3 * 0.7))
    # sorted x 0,0,0,1,1 and r 0,1,1,2,2: Cmax = (-.4*-1.2 + -.4*-.2 + -.4*-.2 + .6*.8 + .6*.8)/4 = 1.6/4 = .4
    assert q2["discriminative_efficiency"] == pytest.approx(100 * 0.15 / 0.4)
    # effective weights: C(x, T) = V(x) + C(x, r): Q1 .2 + .2 = .4; Q2 .3 + .15 = .45; Q3 the same as Q2
    root = math.sqrt(0.4) + 2 * math.sqrt(0.45)
    assert q1["effective_weight"] == pytest.approx(100 * math.sqrt(0.4) / root)
    assert q1["random_guess"] == pytest.approx(50.0)
    # the choice distribution: 4 of 5 picked "right" on Q1
    right = next(r for r in q1["responses"] if r["correct"])
    assert (right["attempts"], right["share"]) == (4, pytest.approx(80.0))
    assert q1["flags"] == [] and q2["flags"] == []


def test_a_redelivered_submission_is_counted_once(quiz_taken, app):
    from lms_core import db
    from lms_core.models import Attempt

    from lms_analytics import jobs

    _teacher, _course, quiz = quiz_taken
    before = quizreport.report(quiz, "all")["summary"]
    attempt = db.session.execute(db.select(Attempt).where(Attempt.quiz_id == quiz.id)).scalars().first()
    jobs.quiz_submitted(attempt.user_id, attempt.id)  # the event again
    after = quizreport.report(quiz, "all")["summary"]
    assert after["attempts"] == before["attempts"] == 5
    assert after["mean"] == pytest.approx(before["mean"])


def test_retakes_count_in_all_attempts_but_not_in_first_attempts(quiz_taken, factory, settle):
    from lms_core import db
    from lms_core.models import User

    _teacher, _course, quiz = quiz_taken
    learner_e = db.session.execute(db.select(User).where(User.name == "Learner E")).scalar_one()
    factory.attempt(learner_e, quiz, correct=True)
    settle()
    first, every = quizreport.report(quiz, "first")["summary"], quizreport.report(quiz, "all")["summary"]
    assert (first["attempts"], every["attempts"]) == (5, 6)
    assert every["mean"] == pytest.approx((8 + 3) / 6)
    assert first["mean"] == pytest.approx(1.6)


def test_questions_everyone_gets_right_or_wrong_are_flagged(factory, settle):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course=course, questions=questions()[:2])
    for _n in range(4):
        learner = factory.user()
        factory.enrol(learner, course)
        right, wrong = factory.answers(quiz), factory.answers(quiz, correct=False)
        q1, q2 = quiz.questions
        # Q1 always right, Q2 always wrong
        chosen = {str(q1.id): right[str(q1.id)], str(q2.id): wrong[str(q2.id)]}
        factory.attempt(learner, quiz, answers=chosen)
    settle()
    a, b = quizreport.report(quiz)["questions"]
    assert "very_easy" in a["flags"] and "very_hard" in b["flags"]
    assert a["discrimination_index"] is None  # no variance: Moodle shows nothing


def test_negative_discrimination_is_flagged(factory, settle):
    """The strongest learners get Q1 wrong, the weakest right."""
    course = factory.course()
    quiz = factory.quiz(course=course, questions=questions())
    pattern = [(0, 1, 1), (0, 1, 1), (1, 0, 0), (1, 0, 0), (0, 1, 0)]
    for marks in pattern:
        learner = factory.user()
        factory.enrol(learner, course)
        right, wrong = factory.answers(quiz), factory.answers(quiz, correct=False)
        chosen = {str(q.id): (right if m else wrong)[str(q.id)] for q, m in zip(quiz.questions, marks)}
        factory.attempt(learner, quiz, answers=chosen)
    settle()
    q1 = quizreport.report(quiz)["questions"][0]
    assert q1["discrimination_index"] < 0
    assert "negative_discrimination" in q1["flags"]
