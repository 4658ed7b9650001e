"""The plugin's part of ``lms demo --size large``: eighty assignments in the big course
and its learners' hand-ins, some graded and released, many still in the grading queue."""

from __future__ import annotations

from datetime import timedelta

from lms_core import db

from lms_assignments.models import Assignment, Submission, SubmissionGrade

# With the big course's 20 quizzes, a gradebook of 100 graded items for its 5,000 learners:
# the size the gradebook must stay fast at (issue 11, bench/scale.py).
ASSIGNMENTS = 80


def load_demo_submissions(platform) -> list[str]:
    course_id, generator, now = platform.big_course_id, platform.random, platform.now
    assignments = [
        Assignment(
            course_id=course_id,
            position=200 + n,
            title=f"Project {n}",
            description="Build it, then hand in a link and a short report.",
            due_at=now + timedelta(days=7 * (n - 1)),
            max_points=100,
            pass_points=50,
            grading_mode="points",
            late_policy="penalty",
            late_penalty_percent=5,
        )
        for n in range(1, ASSIGNMENTS + 1)
    ]
    db.session.add_all(assignments)
    db.session.flush()
    learners = sorted({u for _e, u, c in platform.enrollments if c == course_id and u != platform.student_id})
    completed = {u for _e, u, c, _w in platform.completed if c == course_id}
    wanted = platform.volumes.submissions  # spread over the assignments, the first ones one more
    submissions = []
    for n, assignment in enumerate(assignments):
        count = min(wanted // ASSIGNMENTS + (1 if n < wanted % ASSIGNMENTS else 0), len(learners))
        for user_id in generator.sample(learners, count):
            handed_in = platform.moment(30)
            submissions.append(
                {
                    "assignment_id": assignment.id,
                    "user_id": user_id,
                    "number": 1,
                    "status": "submitted",
                    "text": "My report: it works, see the link.",
                    "created_at": handed_in,
                    "submitted_at": handed_in,
                    "late_days": 0,
                    "return_comment": "",
                }
            )
    platform.insert(Submission, submissions)
    graded = []
    for submission_id, user_id, submitted_at in db.session.execute(
        db.select(Submission.id, Submission.user_id, Submission.submitted_at)
        .where(Submission.assignment_id.in_([a.id for a in assignments]))
        .order_by(Submission.id)
    ):
        roll = generator.random()
        if user_id not in completed and roll < 0.4:
            continue  # still to grade
        points = 80.0 if user_id in completed else float(generator.randrange(20, 101))
        released = submitted_at + timedelta(days=2) if user_id in completed or roll < 0.8 else None
        graded.append(
            {
                "submission_id": submission_id,
                "grader_id": platform.teacher_id,
                "raw_points": points,
                "penalty_points": 0.0,
                "points": points,
                "rubric": [],
                "comment": "Good work.",
                "graded_at": submitted_at + timedelta(days=1),
                "released_at": released,
            }
        )
    platform.insert(SubmissionGrade, graded)
    return [f"{len(assignments)} assignments in the big course, {len(submissions):,} hand-ins, {len(graded):,} graded"]
