"""The quiz pages and API for the new question types: a teacher writes them, a learner
takes the quiz (Markdown rendered, "select all that apply", a refused number kept at
its question), reviews the attempt as the review policy allows, and a teacher grades
the essays on the grading page or through the API."""

import re

from lms_core.extensions import db
from lms_core.models import ApiToken, Attempt, Question

MARKDOWN_QUIZ = [
    {
        "kind": "single",
        "text": "What does `len([1, 2])` return?",
        "points": 1,
        "choices": [("`2`", True), ("`1`", False)],
    },
    {
        "kind": "multiple",
        "text": "Which are **lists**?",
        "points": 1,
        "choices": [("`[1]`", True), ("`(1,)`", False)],
        "feedback": "Square brackets make a *list*.",
    },
    {"kind": "numeric", "text": "Half of 3?", "points": 1, "accepted_answers": ["1.5"]},
    {"kind": "essay", "text": "Why use lists?", "points": 2},
]


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_a_teacher_writes_matching_ordering_numeric_and_essay_questions(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course, questions=[])
    login(client, teacher)
    base = {"points": "2"}
    posts = [
        {
            "kind": "matching",
            "text": "Match",
            "choices-0-text": "cat",
            "choices-0-match": "meow",
            "choices-1-text": "dog",
            "choices-1-match": "woof",
        },
        {"kind": "ordering", "text": "Order", "choices-0-text": "first", "choices-1-text": "second"},
        {"kind": "numeric", "text": "g?", "accepted_answers": "9.81", "tolerance": "0.05"},
        {"kind": "essay", "text": "Discuss.", "feedback": "A *good* answer names two causes."},
    ]
    for data in posts:
        response = client.post(f"/teach/quizzes/{quiz.id}/questions/new", data={**base, **data})
        assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    matching, ordering, numeric, essay = db.session.execute(
        db.select(Question).where(Question.quiz_id == quiz.id, Question.kind != "single").order_by(Question.position)
    ).scalars()
    assert [(c.text, c.match) for c in matching.choices] == [("cat", "meow"), ("dog", "woof")]
    assert [c.text for c in ordering.choices] == ["first", "second"]
    assert (numeric.accepted_answers, numeric.tolerance) == (["9.81"], 0.05)
    assert essay.feedback.startswith("A *good*")
    # A matching item without its match is refused at the options, nothing saved.
    response = client.post(
        f"/teach/quizzes/{quiz.id}/questions/new",
        data={
            **base,
            "kind": "matching",
            "text": "Bad",
            "choices-0-text": "a",
            "choices-0-match": "A",
            "choices-1-text": "b",
        },
    )
    assert response.status_code == 400
    assert response.get_data(as_text=True).count("Give every item the text it is matched with.") == 1
    assert len(quiz.questions) == 5  # the factory's own question and these four
    edited = page(client, f"/teach/questions/{matching.id}")
    assert 'value="meow"' in edited


def test_a_learner_takes_a_quiz_with_markdown_and_reviews_it_after_grading(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course, questions=MARKDOWN_QUIZ, review_policy="after_attempt")
    single, multiple, numeric, essay = quiz.questions
    student = factory.user(name="Sam Student")
    factory.enrol(student, course)
    login(client, student)
    client.post(f"/quizzes/{quiz.id}/start")
    html = page(client, f"/quizzes/{quiz.id}")
    assert "<code>len([1, 2])</code>" in html and "<strong>lists</strong>" in html
    assert "<code>[1]</code>" in html and "Select all that apply." in html
    assert "js/quiz-submit.js" in html and 'id="unanswered-warning"' in html
    attempt = db.session.execute(db.select(Attempt).where(Attempt.user_id == student.id)).scalar_one()

    answers = {
        str(single.id): str(single.choices[0].id),
        str(multiple.id): [str(multiple.choices[0].id)],
        str(numeric.id): "one and a half",
        str(essay.id): "To keep things in order.",
    }
    refused = client.post(f"/attempts/{attempt.id}/submit", data=answers)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and text.count("Enter a number, such as 3.14.") == 1
    assert "To keep things in order." in text  # what the learner wrote is still there
    assert db.session.get(Attempt, attempt.id).submitted_at is None

    answers[str(numeric.id)] = "1,5"
    assert client.post(f"/attempts/{attempt.id}/submit", data=answers).status_code == 303
    review = page(client, f"/attempts/{attempt.id}")
    assert 'id="quiz-waiting"' in review and "Waiting for the teacher’s grade" in review
    assert "Square brackets make a <em>list</em>." in review  # feedback: policy after each attempt

    client.post("/logout")
    login(client, teacher)
    assert "Sam Student" in page(client, f"/teach/quizzes/{quiz.id}/grading")
    form = page(client, f"/teach/attempts/{attempt.id}/grade")
    assert "To keep things in order." in form
    too_many = client.post(f"/teach/attempts/{attempt.id}/grade", data={f"points-{essay.id}": "7"})
    assert too_many.status_code == 400 and too_many.get_data(as_text=True).count("Give from 0 to 2 points.") == 1
    done = client.post(
        f"/teach/attempts/{attempt.id}/grade",
        data={f"points-{essay.id}": "1.5", f"comment-{essay.id}": "Say **why** order matters."},
    )
    assert done.status_code == 303
    graded = db.session.get(Attempt, attempt.id)
    assert (graded.score, graded.passed, graded.needs_grading) == (4.5, True, False)

    client.post("/logout")
    login(client, student)
    review = page(client, f"/attempts/{attempt.id}")
    assert 'id="quiz-passed"' in review and "Say <strong>why</strong> order matters." in review
    assert re.search(r"1[.,]5 of 2 points", review)


def test_with_the_policy_never_a_learner_sees_their_points_but_not_the_answers(client, factory, login):
    course = factory.course()
    quiz = factory.quiz(course, questions=MARKDOWN_QUIZ[:2], review_policy="never")
    student = factory.user()
    factory.enrol(student, course)
    attempt = factory.attempt(student, quiz, correct=False)
    login(client, student)
    review = page(client, f"/attempts/{attempt.id}")
    assert "Correct answer:" not in review and "Square brackets" not in review
    assert 'id="review-later"' in review and "0 of 1 points" in review
    api = client.get(f"/api/v1/attempts/{attempt.id}", headers=bearer(student)).get_json()
    assert api["review"] is None and set(api["results"]) == {str(q.id) for q in quiz.questions}


def test_the_api_grades_an_essay_and_shows_the_review_when_the_policy_allows(client, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = factory.quiz(course, questions=MARKDOWN_QUIZ, review_policy="after_attempt")
    essay = quiz.questions[3]
    student = factory.user()
    factory.enrol(student, course)
    attempt = factory.attempt(student, quiz)
    assert attempt.needs_grading
    mine = client.get(f"/api/v1/attempts/{attempt.id}", headers=bearer(student)).get_json()
    assert mine["needs_grading"] is True and mine["results"][str(essay.id)] is None
    assert mine["review"][str(quiz.questions[0].id)]["correct_answer"] == quiz.questions[0].choices[0].id
    own = client.post(
        f"/api/v1/attempts/{attempt.id}/grade", json={"scores": {str(essay.id): 2}}, headers=bearer(student)
    )
    assert own.status_code == 403 and db.session.get(Attempt, attempt.id).graded_at is None
    headers = bearer(teacher)
    bad = client.post(f"/api/v1/attempts/{attempt.id}/grade", json={"scores": {str(essay.id): "two"}}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid"
    over = client.post(f"/api/v1/attempts/{attempt.id}/grade", json={"scores": {str(essay.id): 3}}, headers=headers)
    assert over.status_code == 400 and str(essay.id) in over.get_json()["error"]["fields"]
    good = client.post(f"/api/v1/attempts/{attempt.id}/grade", json={"scores": {str(essay.id): 2}}, headers=headers)
    assert good.status_code == 200, good.get_data(as_text=True)
    assert good.get_json()["passed"] is True and good.get_json()["needs_grading"] is False


def bearer(user) -> dict:
    row, token = ApiToken.issue(user, "test")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_dashboard_says_where_to_continue_how_far_and_what_is_due(client, factory, login):
    from datetime import datetime, timedelta, timezone

    course = factory.course(title="Rivers")
    lesson = factory.lesson(course, title="The Nile")
    due = datetime(2031, 3, 4, 17, 30, tzinfo=timezone.utc)
    quiz = factory.quiz(course, title="Rivers quiz", due_at=due)
    factory.quiz(course, title="Past quiz", due_at=datetime.now(timezone.utc) - timedelta(days=1))
    student = factory.user(timezone="Europe/Moscow")
    factory.enrol(student, course)
    login(client, student)
    html = page(client, "/dashboard")
    assert f'href="/lessons/{lesson.id}"' in html and "Continue:" in html
    assert "0 of 3 steps done" in html
    deadlines = html[html.index('id="upcoming-deadlines"') :]
    assert f'href="/quizzes/{quiz.id}"' in deadlines and "Past quiz" not in deadlines
    assert "Mar 4, 2031, 8:30" in deadlines and "(Europe/Moscow)" in deadlines  # the reader's zone, no seconds
    assert "8:30:00" not in deadlines


def test_a_numeric_questions_correct_answer_is_written_the_readers_way(client, factory, login):
    course = factory.course()
    quiz = factory.quiz(
        course,
        questions=[
            {
                "kind": "numeric",
                "text": "g?",
                "points": 1,
                "accepted_answers": ["9.81", "10", "0.0000001"],
                "tolerance": 0.05,
            }
        ],
        review_policy="after_attempt",
    )
    student = factory.user(locale="ru")
    factory.enrol(student, course)
    login(client, student)
    client.post(f"/quizzes/{quiz.id}/start")
    attempt = db.session.execute(db.select(Attempt).where(Attempt.user_id == student.id)).scalar_one()
    assert client.post(f"/attempts/{attempt.id}/submit", data={str(quiz.questions[0].id): "3"}).status_code == 303
    review = page(client, f"/attempts/{attempt.id}")
    assert "9,81; 10; 0,0000001 ± 0,05" in review  # one decimal sign in Russian, answers apart by ";"


def test_a_teachers_dashboard_lists_their_learners_quiz_deadlines_in_russian_too(client, factory, login):
    from datetime import datetime, timezone

    teacher = factory.user(role="teacher", name="Tess")
    course = factory.course(teacher=teacher, title="Rivers")
    quiz = factory.quiz(course, title="Rivers quiz", due_at=datetime(2031, 3, 4, 17, 30, tzinfo=timezone.utc))
    factory.quiz(factory.course(title="Lakes"), title="Lakes quiz", due_at=datetime(2031, 3, 5, tzinfo=timezone.utc))
    login(client, teacher)

    html = page(client, "/dashboard")

    coming = html[html.index('id="upcoming-deadlines"') :]
    coming = coming[: coming.index("</section>")]
    assert f'href="/teach/quizzes/{quiz.id}"' in coming and "Deadline of your learners" in coming
    assert "· Rivers ·" in coming and "Lakes quiz" not in coming  # not a course they teach
    client.post("/language", data={"language": "ru"})
    russian = page(client, "/dashboard")
    assert "Срок для ваших учащихся" in russian
