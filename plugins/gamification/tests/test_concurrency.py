"""Several workers awarding at once (threads, each with its own database session, as
rq workers have): nothing is awarded twice and nothing is lost."""

import threading

from lms_core import db

from lms_gamification import ledger
from lms_gamification.boards import board_key
from lms_gamification.models import PointAward, Score

WORKERS = 8


def run_at_once(app, work):
    """Run ``work(n)`` in WORKERS threads that start together; returns their errors."""
    start, errors = threading.Barrier(WORKERS), []

    def worker(n):
        with app.app_context():
            try:
                start.wait(timeout=10)
                work(n)
            except Exception as exc:  # reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors


def scores_of(user, course):
    db.session.expire_all()
    return {b: ledger.total_points(user.id, b) for b in (board_key(None), board_key(course.id))}


def test_the_same_award_from_many_workers_at_once_counts_once(app, factory):
    course = factory.course()
    student = factory.user()

    errors = run_at_once(app, lambda n: ledger.record(student.id, course.id, "quiz_pass", "quiz:1:pass", 10))

    assert errors == []
    assert db.session.execute(db.select(db.func.count()).select_from(PointAward)).scalar_one() == 1
    assert scores_of(student, course) == {"all": 10, f"c{course.id}": 10}


def test_different_awards_for_one_student_at_once_lose_nothing(app, factory):
    course = factory.course()
    student = factory.user()

    errors = run_at_once(
        app, lambda n: ledger.record(student.id, course.id, "lesson_completed", f"lesson:{n}:done", n + 1)
    )

    assert errors == []
    assert scores_of(student, course) == {"all": 36, f"c{course.id}": 36}  # 1 + 2 + ... + 8


def test_racing_regrades_leave_the_totals_equal_to_the_ledger(app, factory):
    course = factory.course()
    student = factory.user()

    errors = run_at_once(
        app,
        lambda n: ledger.record(
            student.id, course.id, "assignment_graded", "assignment:1:grade", 5 * n, mode=ledger.REPLACE
        ),
    )

    assert errors == []
    award = db.session.execute(db.select(PointAward)).scalar_one()
    assert award.points in {5 * n for n in range(WORKERS)}
    assert scores_of(student, course) == {"all": award.points, f"c{course.id}": award.points}
    versions = db.session.execute(db.select(Score.version)).scalars().all()
    assert all(v >= 1 for v in versions)
