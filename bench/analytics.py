"""Is analytics fast at real size? On 1,000,000 activity facts and 200,000 quiz attempts
(bulk-generated here), the course overview and the quiz statistics read from the
rollups, next to the queries they replace on the raw facts and attempts, measured in
the same run; then the incremental refresh of one day's 10,000 new facts.

Goals (issue 15): course overview < 200 ms, quiz statistics < 200 ms, refresh < 2 s.

    python -m bench.analytics [--facts 1000000] [--attempts 200000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

GOAL_MS = 200
REFRESH_GOAL_S = 2.0
COURSES = 20
LESSONS_PER_COURSE = 12
LEARNERS = 4000
QUESTIONS = 10
DAYS = 90


def _timed(func, rounds=5):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generate(db, facts: int, attempts: int, seed: int = 15) -> dict:
    """Courses, lessons, a quiz per course, learners enrolled, then facts and attempts in bulk."""
    from lms_core.models import ActivityFact, Attempt, Choice, Course, Enrollment, Question, Quiz, User

    rng = random.Random(seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    db.session.execute(
        db.insert(User),
        [
            {
                "id": i,
                "email": f"l{i}@example.org",
                "name": f"Learner {i}",
                "password_hash": "x",
                "role": "student",
                "active": True,
                "created_at": start,
            }
            for i in range(1, LEARNERS + 1)
        ],
    )
    db.session.execute(
        db.insert(Course),
        [
            {
                "id": c,
                "slug": f"c{c}",
                "title": f"Course {c}",
                "summary": "",
                "default_language": "en",
                "published": True,
                "created_at": start,
                "updated_at": start,
            }
            for c in range(1, COURSES + 1)
        ],
    )
    from lms_core.models import Lesson

    db.session.execute(
        db.insert(Lesson),
        [
            {
                "id": (c - 1) * LESSONS_PER_COURSE + n,
                "course_id": c,
                "position": n,
                "title": f"Lesson {n}",
                "body": "",
                "published": True,
                "updated_at": start,
            }
            for c in range(1, COURSES + 1)
            for n in range(1, LESSONS_PER_COURSE + 1)
        ],
    )
    db.session.execute(
        db.insert(Quiz),
        [
            {
                "id": c,
                "course_id": c,
                "position": 100,
                "title": f"Quiz {c}",
                "description": "",
                "pass_percent": 60,
                "published": True,
                "updated_at": start,
            }
            for c in range(1, COURSES + 1)
        ],
    )
    questions, choices = [], []
    for c in range(1, COURSES + 1):
        for n in range(QUESTIONS):
            qid = (c - 1) * QUESTIONS + n + 1
            questions.append(
                {
                    "id": qid,
                    "quiz_id": c,
                    "position": n,
                    "kind": "single",
                    "text": f"Q{n}",
                    "points": 1,
                    "accepted_answers": [],
                }
            )
            for k in range(4):
                choices.append(
                    {"id": qid * 4 + k, "question_id": qid, "position": k, "text": f"choice {k}", "correct": k == 0}
                )
    db.session.execute(db.insert(Question), questions)
    db.session.execute(db.insert(Choice), choices)
    enrolments = {}
    for user in range(1, LEARNERS + 1):
        for c in rng.sample(range(1, COURSES + 1), 3):
            enrolments[(user, c)] = start + timedelta(days=rng.randrange(DAYS // 2))
    db.session.execute(
        db.insert(Enrollment),
        [{"user_id": u, "course_id": c, "status": "active", "enrolled_at": at} for (u, c), at in enrolments.items()],
    )
    db.session.commit()
    pairs = list(enrolments)
    batch, written = [], 0
    while written < facts:
        # a visit: one learner on one lesson, a heartbeat every 15 s for a few minutes
        user, course = pairs[rng.randrange(len(pairs))]
        lesson = (course - 1) * LESSONS_PER_COURSE + rng.randrange(1, LESSONS_PER_COURSE + 1)
        when = start + timedelta(seconds=rng.randrange(DAYS * 86400 - 86400))
        for beat in range(min(rng.randrange(4, 40), facts - written)):
            batch.append(
                {
                    "user_id": user,
                    "course_id": course,
                    "lesson_id": lesson,
                    "seconds": 15,
                    "occurred_at": when + timedelta(seconds=15 * beat),
                }
            )
            written += 1
        if len(batch) >= 50_000:
            db.session.execute(db.insert(ActivityFact), batch)
            batch.clear()
    if batch:
        db.session.execute(db.insert(ActivityFact), batch)
    db.session.commit()
    skill = {u: rng.random() for u in range(1, LEARNERS + 1)}
    rows, numbers = [], {}
    for _i in range(attempts):
        user, course = pairs[rng.randrange(len(pairs))]
        number = numbers[(user, course)] = numbers.get((user, course), 0) + 1
        answers, score = {}, 0
        for n in range(QUESTIONS):
            qid = (course - 1) * QUESTIONS + n + 1
            right = rng.random() < 0.25 + 0.7 * skill[user] * (1 - n / (2 * QUESTIONS))
            answers[str(qid)] = qid * 4 if right else qid * 4 + rng.randrange(1, 4)
            score += right
        when = start + timedelta(seconds=rng.randrange(DAYS * 86400))
        rows.append(
            {
                "user_id": user,
                "quiz_id": course,
                "number": number,
                "started_at": when,
                "submitted_at": when,
                "answers": answers,
                "score": float(score),
                "max_score": float(QUESTIONS),
                "percent": 100.0 * score / QUESTIONS,
                "passed": score >= 6,
                "timed_out": False,
            }
        )
        if len(rows) == 20_000:
            db.session.execute(db.insert(Attempt), rows)
            rows.clear()
    if rows:
        db.session.execute(db.insert(Attempt), rows)
    db.session.commit()
    return {"now": now}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--attempts", type=int, default=200_000)
    parser.add_argument("--new-facts", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args(argv)

    from sqlalchemy import distinct, func, select

    from lms_core import migrate
    from lms_core.app import create_app
    from lms_core.config import normalise_database_url
    from lms_core.extensions import db
    from lms_core.models import ActivityFact, Attempt, Course, Quiz

    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-analytics-"))
    url = normalise_database_url(args.database_url) if args.database_url else f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "LMS_PLUGINS": "analytics",
            "LMS_PLUGINS_STRICT": True,
            "REDIS_URL": None,
        },
        instance_path=str(tmp / "instance"),
    )
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        from lms_analytics import dashboards, jobs, quizreport, rollups
        from lms_analytics.quizfold import Accumulator, _questions

        migrate.upgrade()
        t = time.perf_counter()
        generate(db, args.facts, args.attempts)
        generated = time.perf_counter() - t
        t = time.perf_counter()
        jobs.rebuild()
        rebuilt = time.perf_counter() - t

        course = db.session.get(Course, 1)
        quiz = db.session.get(Quiz, 1)
        filters = dashboards.Filters(
            datetime.now(timezone.utc).date() - timedelta(days=DAYS), datetime.now(timezone.utc).date()
        )
        start, end = filters.bounds

        def overview():
            dashboards.course_overview(course, filters)
            db.session.rollback()

        def overview_raw():
            # what the rollups replace: the same numbers straight from the facts
            day = rollups.day_of(ActivityFact.occurred_at)
            where = (
                ActivityFact.course_id == course.id,
                ActivityFact.occurred_at >= start,
                ActivityFact.occurred_at < end,
            )
            db.session.execute(
                select(day, func.count(distinct(ActivityFact.user_id)), func.sum(ActivityFact.seconds))
                .where(*where)
                .group_by(day)
            ).all()
            db.session.execute(
                select(ActivityFact.lesson_id, ActivityFact.user_id, func.sum(ActivityFact.seconds))
                .where(*where)
                .group_by(ActivityFact.lesson_id, ActivityFact.user_id)
            ).all()
            db.session.rollback()

        def quiz_stats():
            quizreport.report(quiz, "first")
            db.session.rollback()

        def quiz_stats_raw():
            # computing the same sums from the quiz's attempts (what a report without rollups does)
            accumulator = Accumulator()
            questions = _questions([quiz.id])[quiz.id]
            for attempt in db.session.execute(select(Attempt).where(Attempt.quiz_id == quiz.id)).scalars():
                accumulator.add(attempt, questions)
            db.session.rollback()

        results = {
            "overview_ms": 1000 * _timed(overview),
            "overview_raw_ms": 1000 * _timed(overview_raw, 3),
            "quiz_ms": 1000 * _timed(quiz_stats),
            "quiz_raw_ms": 1000 * _timed(quiz_stats_raw, 3),
        }
        # one day's new facts, then the periodic fold
        rng = random.Random(7)
        now = datetime.now(timezone.utc)
        from lms_core.models import Enrollment

        pairs = db.session.execute(select(Enrollment.user_id, Enrollment.course_id)).all()
        new = []
        for _ in range(args.new_facts):
            user, c = pairs[rng.randrange(len(pairs))]
            new.append(
                {
                    "user_id": user,
                    "course_id": c,
                    "lesson_id": (c - 1) * LESSONS_PER_COURSE + rng.randrange(1, LESSONS_PER_COURSE + 1),
                    "seconds": rng.randrange(5, 61),
                    "occurred_at": now - timedelta(seconds=rng.randrange(3600)),
                }
            )
        db.session.execute(db.insert(ActivityFact), new)
        db.session.commit()
        t = time.perf_counter()
        folded = rollups.fold_new_facts()
        results["refresh_s"] = time.perf_counter() - t
        total_facts = db.session.execute(select(func.sum(ActivityFact.seconds))).scalar_one()
        from lms_analytics.models import ActivityDay

        total_rollup = db.session.execute(select(func.sum(ActivityDay.seconds))).scalar_one()

    ok = (
        results["overview_ms"] < GOAL_MS
        and results["quiz_ms"] < GOAL_MS
        and results["refresh_s"] < REFRESH_GOAL_S
        and total_facts == total_rollup
    )
    print(
        f"data: {args.facts:,} facts, {args.attempts:,} attempts, {COURSES} courses, {LEARNERS:,} learners "
        f"({db.engine.dialect.name if False else url.split(':')[0]}); generated in {generated:.1f} s, "
        f"full rebuild {rebuilt:.1f} s"
    )
    print(
        f"course overview:  {results['overview_ms']:8.1f} ms  (raw facts: {results['overview_raw_ms']:8.1f} ms, "
        f"{results['overview_raw_ms'] / results['overview_ms']:.1f}x faster; goal < {GOAL_MS} ms)"
    )
    print(
        f"quiz statistics:  {results['quiz_ms']:8.1f} ms  (from attempts: {results['quiz_raw_ms']:8.1f} ms, "
        f"{results['quiz_raw_ms'] / results['quiz_ms']:.1f}x faster; goal < {GOAL_MS} ms)"
    )
    print(
        f"refresh of {args.new_facts:,} new facts: {results['refresh_s']:.2f} s ({folded['days']} day x course "
        f"rows recomputed; goal < {REFRESH_GOAL_S} s)"
    )
    print(f"seconds in rollups = seconds in facts: {total_rollup == total_facts} ({total_facts:,})")
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))
    print("goal met" if ok else "GOAL NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
