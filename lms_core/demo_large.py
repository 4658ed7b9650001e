"""``lms demo --size large``: a platform the size of a real institution, in minutes.

The small demo (``lms_core.demo``) comes first, so its people and passwords work as
usual; then thousands of learners, courses, enrolments, progress, quiz attempts and
activity facts are written with bulk ``INSERT`` batches (SQLAlchemy Core
``executemany``), never one ORM object at a time. Each enabled plugin then adds its
own part through the ``lms_demo_data(platform)`` hook (points, certificates,
hand-ins), so the core never knows a plugin's tables.

Data are random but reproducible (one seed), and realistic in shape: one big course
with 5,000 learners and 100 lessons and quizzes, many small ones, a long history.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from werkzeug.security import generate_password_hash

from lms_core.extensions import db
from lms_core.models import (
    ActivityFact,
    Attempt,
    Choice,
    Course,
    CourseStaff,
    Enrollment,
    Lesson,
    LessonCompletion,
    Question,
    Quiz,
    User,
    utcnow,
)

BIG_COURSE_SLUG = "data-at-scale"
BATCH_ROWS = 10_000
HISTORY_DAYS = 180
FIRST_NAMES = (
    "Alex",
    "Maria",
    "Ivan",
    "Olga",
    "Sam",
    "Lena",
    "Omar",
    "Yuki",
    "Anna",
    "Pavel",
    "Chen",
    "Sofia",
    "Dmitri",
    "Grace",
    "Nikita",
    "Lucia",
    "Artem",
    "Emma",
    "Boris",
    "Zoe",
)
LAST_NAMES = (
    "Smith",
    "Ivanova",
    "Petrov",
    "Garcia",
    "Kim",
    "Novak",
    "Sokolov",
    "Brown",
    "Kuznetsova",
    "Rossi",
    "Popov",
    "Müller",
    "Volkova",
    "Chen",
    "Orlov",
    "Silva",
    "Lebedev",
    "Dubois",
    "Morozova",
    "Khan",
)
TOPICS = (
    "Algebra",
    "Statistics",
    "Databases",
    "Networks",
    "Chemistry",
    "Biology",
    "Economics",
    "History",
    "Design",
    "Writing",
    "Physics",
    "Geography",
    "Music",
    "Ethics",
    "Law",
    "Marketing",
)


@dataclass(frozen=True)
class Volumes:
    """How much ``load_large_demo`` writes (``LARGE`` is the issue's platform)."""

    users: int = 20_000
    courses: int = 200
    big_course_learners: int = 5_000
    big_course_items: int = 100  # lessons and quizzes, every fifth a quiz
    lessons_per_course: int = 4  # each other course: these lessons and one quiz
    courses_per_learner: int = 3  # besides the big course
    activity_facts: int = 1_000_000
    attempts: int = 200_000
    point_awards: int = 500_000  # gamification, when enabled
    certificates: int = 5_000  # certificates, when enabled
    submissions: int = 12_000  # assignments: hand-ins in the big course, when enabled
    completed_share: float = 0.08  # enrolments completed (about as many as certificates)


LARGE = Volumes()


@dataclass
class DemoPlatform:
    """What the core wrote, handed to each plugin's ``lms_demo_data(platform)``.

    Plugins add their rows with :meth:`insert` (bulk batches) and draw randomness
    from :attr:`random`, so a run is reproducible."""

    volumes: Volumes
    random: random.Random
    now: object
    teacher_id: int
    student_id: int  # student@example.org, the demo's own student
    learner_ids: list[int]  # every student, the demo's included
    course_ids: list[int]
    big_course_id: int
    enrollments: list[tuple[int, int, int]] = field(default_factory=list)  # (enrollment id, user id, course id)
    completed: list[tuple[int, int, int, object]] = field(default_factory=list)  # (+ completed_at)
    quiz_ids: dict[int, list[int]] = field(default_factory=dict)  # course id -> its quizzes
    lesson_ids: dict[int, list[int]] = field(default_factory=dict)  # course id -> its lessons
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> str:
        return "large"

    def insert(self, model_or_table, rows, batch: int = BATCH_ROWS) -> int:
        """Insert an iterable of dicts in batches of ``batch`` rows; returns the count."""
        return insert_rows(model_or_table, rows, batch)

    def moment(self, days: int = HISTORY_DAYS):
        """A random moment of the last ``days`` days."""
        return self.now - timedelta(seconds=self.random.randrange(days * 86400))


def insert_rows(model_or_table, rows, batch: int = BATCH_ROWS) -> int:
    table = getattr(model_or_table, "__table__", model_or_table)
    statement = table.insert()
    count, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            db.session.execute(statement, chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        db.session.execute(statement, chunk)
        count += len(chunk)
    return count


def _ids(statement) -> list[int]:
    return list(db.session.execute(statement).scalars())


def load_large_demo(volumes: Volumes = LARGE, seed: int = 8) -> list[str]:
    """Write the large platform (after the small demo); returns what was done."""
    from lms_core.demo import load_demo
    from lms_core.plugins import get_plugin_manager
    from lms_core.services import courses as course_service

    out = load_demo()
    if db.session.execute(db.select(Course.id).where(Course.slug == BIG_COURSE_SLUG)).first():
        return [*out, "large demo already loaded"]
    generator = random.Random(seed)
    now = utcnow()
    timings = {}
    started = time.perf_counter()
    teacher_id = db.session.execute(db.select(User.id).where(User.email == "teacher@example.org")).scalar_one()
    student_id = db.session.execute(db.select(User.id).where(User.email == "student@example.org")).scalar_one()
    learner_ids = _users(volumes, generator, now)
    timings["users"] = time.perf_counter() - started

    started = time.perf_counter()
    platform = DemoPlatform(volumes, generator, now, teacher_id, student_id, learner_ids, [], 0, timings=timings)
    _courses(platform)
    timings["courses"] = time.perf_counter() - started

    started = time.perf_counter()
    _enrollments(platform)
    timings["enrolments"] = time.perf_counter() - started
    started = time.perf_counter()
    completions = _progress(platform)
    timings["progress"] = time.perf_counter() - started
    started = time.perf_counter()
    attempts = _attempts(platform)
    timings["attempts"] = time.perf_counter() - started
    started = time.perf_counter()
    facts = _activity(platform)
    timings["activity"] = time.perf_counter() - started
    db.session.commit()

    out.append(
        f"large demo: {len(learner_ids):,} learners, {len(platform.course_ids):,} courses "
        f"({BIG_COURSE_SLUG}: {volumes.big_course_learners:,} learners, {volumes.big_course_items} items), "
        f"{len(platform.enrollments):,} enrolments, {completions:,} lessons done, {attempts:,} attempts, "
        f"{facts:,} activity facts"
    )
    plugins = get_plugin_manager()
    for impl in plugins._impls("lms_demo_data"):  # one at a time, timed; a failure stops the load
        started = time.perf_counter()
        try:
            lines = impl.function(*[{"platform": platform}[name] for name in impl.argnames])
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            raise RuntimeError(f"the {impl.plugin_name} plugin's part of the large demo failed: {exc}") from exc
        timings[impl.plugin_name] = time.perf_counter() - started
        out.extend(f"{impl.plugin_name}: {line}" for line in (lines or []))
    course_service.course_changed()
    _analyze()
    out.append("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    return out


def _users(volumes: Volumes, generator: random.Random, now) -> list[int]:
    from lms_core.demo import DEMO_PASSWORD

    existing = db.session.execute(db.select(db.func.count(User.id))).scalar_one()
    password = generate_password_hash(DEMO_PASSWORD)  # one hash: every learner logs in with the demo password
    rows = (
        {
            "email": f"learner{n:05d}@demo.example",
            "name": f"{generator.choice(FIRST_NAMES)} {generator.choice(LAST_NAMES)} {n:05d}",
            "password_hash": password,
            "role": "student",
            "locale": "ru" if n % 4 == 0 else "en",
            "active": True,
            "created_at": now - timedelta(seconds=generator.randrange(HISTORY_DAYS * 86400)),
        }
        for n in range(max(volumes.users - existing, 0))
    )
    insert_rows(User, rows)
    return _ids(db.select(User.id).where(User.role == "student").order_by(User.id))


def _courses(platform: DemoPlatform) -> None:
    volumes, now = platform.volumes, platform.now
    existing = _ids(db.select(Course.id).order_by(Course.id))
    titles = [("Data at scale", BIG_COURSE_SLUG)] + [
        (f"{TOPICS[n % len(TOPICS)]} {n // len(TOPICS) + 1}", f"course-{n:04d}")
        for n in range(max(volumes.courses - len(existing) - 1, 0))
    ]
    insert_rows(
        Course,
        (
            {
                "slug": slug,
                "title": title,
                "default_language": "ru" if n % 5 == 4 else "en",
                "summary": f"{title}: lessons, quizzes and practice.",
                "published": True,
                "created_at": now,
                "updated_at": now,
            }
            for n, (title, slug) in enumerate(titles)
        ),
    )
    new_ids = _ids(db.select(Course.id).where(Course.id.not_in(existing)).order_by(Course.id))
    insert_rows(CourseStaff, ({"course_id": cid, "user_id": platform.teacher_id} for cid in new_ids))
    platform.big_course_id = new_ids[0]
    platform.course_ids = existing + new_ids
    body = (
        "A paragraph of the lesson, with **some emphasis** and a list:\n\n- one\n- two\n- three\n\n"
        "```python\nprint('hello')\n```\n"
    )
    lessons, quizzes = [], []
    for course_id in new_ids:
        items = volumes.big_course_items if course_id == platform.big_course_id else volumes.lessons_per_course + 1
        for position in range(1, items + 1):
            if position % 5 == 0:
                quizzes.append(
                    {
                        "course_id": course_id,
                        "position": position,
                        "title": f"Quiz {position // 5}",
                        "description": "",
                        "pass_percent": 60,
                        "max_attempts": 3,
                        "published": True,
                        "updated_at": now,
                    }
                )
            else:
                lessons.append(
                    {
                        "course_id": course_id,
                        "position": position,
                        "title": f"Lesson {position}",
                        "body": body,
                        "published": True,
                        "updated_at": now,
                    }
                )
    insert_rows(Lesson, lessons)
    insert_rows(Quiz, quizzes)
    for course_id, lesson_id in db.session.execute(
        db.select(Lesson.course_id, Lesson.id).where(Lesson.course_id.in_(new_ids)).order_by(Lesson.id)
    ):
        platform.lesson_ids.setdefault(course_id, []).append(lesson_id)
    quiz_ids = []
    for course_id, quiz_id in db.session.execute(
        db.select(Quiz.course_id, Quiz.id).where(Quiz.course_id.in_(new_ids)).order_by(Quiz.id)
    ):
        platform.quiz_ids.setdefault(course_id, []).append(quiz_id)
        quiz_ids.append(quiz_id)
    insert_rows(
        Question,
        (
            {
                "quiz_id": quiz_id,
                "position": n,
                "kind": "single",
                "text": f"Question {n}?",
                "points": 1,
                "accepted_answers": [],
            }
            for quiz_id in quiz_ids
            for n in (1, 2)
        ),
    )
    question_ids = _ids(db.select(Question.id).where(Question.quiz_id.in_(quiz_ids)).order_by(Question.id))
    insert_rows(
        Choice,
        (
            {"question_id": qid, "position": n, "text": f"Answer {n}", "correct": n == 2}
            for qid in question_ids
            for n in (1, 2, 3)
        ),
    )


def _enrollments(platform: DemoPlatform) -> None:
    volumes, generator, now = platform.volumes, platform.random, platform.now
    big = platform.big_course_id
    others = [cid for cid in platform.course_ids if cid not in (big,) and cid in platform.lesson_ids]
    learners = platform.learner_ids
    big_learners = set(generator.sample(learners, min(volumes.big_course_learners, len(learners))))
    big_learners.add(platform.student_id)
    pairs = []
    for user_id in learners:
        chosen = generator.sample(others, min(volumes.courses_per_learner, len(others)))
        if user_id in big_learners:
            chosen.append(big)
        pairs.extend((user_id, cid) for cid in chosen)
    rows, completed_at = [], {}
    for user_id, course_id in pairs:
        enrolled_at = now - timedelta(seconds=generator.randrange(HISTORY_DAYS * 86400))
        done = user_id != platform.student_id and generator.random() < volumes.completed_share
        when = enrolled_at + (now - enrolled_at) * generator.random() if done else None
        if done:
            completed_at[(user_id, course_id)] = when
        rows.append(
            {
                "user_id": user_id,
                "course_id": course_id,
                "status": "completed" if done else "active",
                "enrolled_at": enrolled_at,
                "completed_at": when,
            }
        )
    insert_rows(Enrollment, rows)
    for enrollment_id, user_id, course_id in db.session.execute(
        db.select(Enrollment.id, Enrollment.user_id, Enrollment.course_id)
        .where(Enrollment.course_id.in_(platform.lesson_ids))
        .order_by(Enrollment.id)
    ):
        platform.enrollments.append((enrollment_id, user_id, course_id))
        if (user_id, course_id) in completed_at:
            platform.completed.append((enrollment_id, user_id, course_id, completed_at[(user_id, course_id)]))


def _progress(platform: DemoPlatform) -> int:
    """Completed enrolments have every lesson done; active ones a random first part."""
    generator, completed = platform.random, {(u, c) for _e, u, c, _w in platform.completed}

    def rows():
        for _enrollment_id, user_id, course_id in platform.enrollments:
            lessons = platform.lesson_ids[course_id]
            done = len(lessons) if (user_id, course_id) in completed else generator.randrange(len(lessons))
            for lesson_id in lessons[:done]:
                yield {"user_id": user_id, "lesson_id": lesson_id, "completed_at": platform.moment()}

    return insert_rows(LessonCompletion, rows())


def _attempts(platform: DemoPlatform) -> int:
    generator, wanted = platform.random, platform.volumes.attempts
    taken: dict[tuple[int, int], int] = {}
    with_quizzes = [(u, c) for _e, u, c in platform.enrollments if platform.quiz_ids.get(c)]

    def rows():
        made = tries = 0
        while made < wanted and tries < wanted * 3 and with_quizzes:
            tries += 1
            user_id, course_id = with_quizzes[generator.randrange(len(with_quizzes))]
            quiz_id = generator.choice(platform.quiz_ids[course_id])
            number = taken.get((user_id, quiz_id), 0) + 1
            if number > 3:
                continue
            taken[(user_id, quiz_id)] = number
            score = generator.choice((0, 1, 2))
            started = platform.moment()
            made += 1
            yield {
                "user_id": user_id,
                "quiz_id": quiz_id,
                "number": number,
                "started_at": started,
                "submitted_at": started + timedelta(minutes=generator.randrange(2, 30)),
                "answers": {},
                "score": score,
                "max_score": 2,
                "percent": score * 50.0,
                "passed": score == 2,
                "timed_out": False,
            }

    return insert_rows(Attempt, rows())


def _activity(platform: DemoPlatform) -> int:
    generator, enrollments = platform.random, platform.enrollments

    def rows():
        for _ in range(platform.volumes.activity_facts):
            _enrollment_id, user_id, course_id = enrollments[generator.randrange(len(enrollments))]
            yield {
                "user_id": user_id,
                "course_id": course_id,
                "lesson_id": generator.choice(platform.lesson_ids[course_id]),
                "seconds": generator.randrange(10, 300),
                "occurred_at": platform.moment(),
            }

    return insert_rows(ActivityFact, rows())


def _analyze() -> None:
    """Fresh planner statistics: a bulk load leaves the planner guessing."""
    db.session.execute(db.text("ANALYZE"))  # the same word on SQLite and PostgreSQL
    db.session.commit()
