"""No page's cost grows with what it lists (issue 8): every page of the core and of the
product's plugins that a course or a quiz names (and every page without arguments) is
asked as a learner, a teacher and an administrator on a small platform, then again after
the platform grew with more of everything a page lists: lessons, quizzes with their
questions and choices (the quiz the quiz pages show too), assignments with hand-ins,
learners with progress and attempts, courses taught, translations, the learner's other
courses and conversations. The number of SQL statements of each page must not change:
an N+1 query anywhere (a plugin's page too) fails here, without a page having to be
pinned by hand as ``tests/test_page_cost.py`` does for the busiest ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lms_core.extensions import db
from lms_core.models import Course, User
from lms_core.services import activity, courses, progress
from lms_core.testing import count_sql

pytestmark = pytest.mark.lms_config(
    LMS_PLUGINS="assignments,certificates,gamification,zoom,payments,notifications,analytics,chat,scorm_xapi"
)

ARGUMENTS = {"course_id", "quiz_id"}
DOWNLOADS = (".zip", ".pdf", ".svg", ".csv", ".xlsx", ".png", ".json")


def installed(app, name: str) -> bool:
    return app.extensions["lms_plugins"].is_enabled(name)


class Platform:
    def __init__(self, app, factory, run_jobs):
        self.app, self.factory, self.run_jobs = app, factory, run_jobs
        # ids, not rows: each request of the sweep ends its session
        self.teacher = factory.user(role="teacher", name="Tess Teacher").id
        self.admin = factory.user(role="admin", name="Ada Admin").id
        self.student = factory.user(name="Sam Student").id
        self.course = factory.course(teacher=db.session.get(User, self.teacher), title="Rocks").id
        self.learners = [self.student]
        self.add_items()
        # Already one of each thing a page may list, so that what grows below is only
        # how many (a page that reads nothing when there is nothing would differ by one).
        self.enrol(self.student)
        self.add_learners(1)
        self.taught(1)
        self.elsewhere(1)

    def add_items(self, n: int = 1):
        course = db.session.get(Course, self.course)
        for _ in range(n):
            self.factory.lesson(course)
            choices = [("right", True), ("wrong", False)]
            self.factory.quiz(
                course, questions=[{"kind": "single", "text": f"Q{i}", "choices": choices} for i in range(2)]
            )
            if installed(self.app, "assignments"):
                from lms_assignments import authoring, submissions

                assignment = authoring.create_assignment(
                    db.session.get(User, self.teacher),
                    course,
                    {"title": "Essay", "due_at": datetime.now(timezone.utc) + timedelta(days=3), "max_points": 10},
                )
                for learner in self.learners[1:]:
                    submissions.save(db.session.get(User, learner), assignment, text="Mine.", submit=True)
        db.session.commit()

    def enrol(self, user_id: int, course_id: int | None = None):
        course = db.session.get(Course, course_id or self.course)
        user = db.session.get(User, user_id)
        self.factory.enrol(user, course)
        if installed(self.app, "chat"):  # its room, which a first visit would open otherwise
            from lms_chat import rooms

            rooms.course_room(course)
        progress.complete_lesson(user, course.lessons[0])
        self.factory.attempt(user, course.quizzes[0], correct=user.id % 2 == 0)
        activity.record_heartbeat(user, course.lessons[0], 30)
        if installed(self.app, "assignments") and user.id != self.student:
            from lms_assignments import authoring, submissions

            for assignment in authoring.course_assignments(course.id):
                submissions.save(user, assignment, text="My essay.", submit=True)
        self.run_jobs()

    def taught(self, n: int):
        for index in range(n):
            other = self.factory.course(teacher=db.session.get(User, self.teacher), default_language="ru")
            self.factory.lesson(other)
            courses.set_translation(other, other, "title", "en", f"Taught {other.id} {index}")
        db.session.commit()
        courses.course_changed()

    def add_learners(self, n: int):
        for _ in range(n):
            learner = self.factory.user().id
            self.learners.append(learner)
            self.enrol(learner)

    def elsewhere(self, n: int):
        """More courses of the student's (another teacher's, with a lesson and a quiz), and
        a conversation with each of their teachers."""
        for _ in range(n):
            teacher = self.factory.user(role="teacher")
            other = self.factory.course(teacher=teacher)
            self.factory.lesson(other)
            self.factory.quiz(other)
            self.enrol(self.student, other.id)
            if installed(self.app, "chat"):
                from lms_chat import rooms

                rooms.direct_room(db.session.get(User, self.student), teacher, db.session.get(Course, other.id))
                db.session.commit()

    def more_questions(self, n: int):
        """More questions, with more choices, in the quiz the quiz pages show."""
        quiz = db.session.get(Course, self.course).quizzes[0]
        for i in range(n):
            choices = [("right", True), ("wrong", False), (f"other {i}", False)]
            courses.add_question(quiz, "single", f"More {i}", 1, choices, ())

    def grow(self):
        self.add_items(3)
        self.more_questions(3)  # before the new learners, whose attempts answer them
        self.add_learners(3)
        self.taught(3)
        self.elsewhere(3)

    def paths(self) -> list[str]:
        course = db.session.get(Course, self.course)
        values = {"course_id": str(course.id), "quiz_id": str(course.quizzes[0].id)}
        found = []
        for rule in self.app.url_map.iter_rules():
            if "GET" not in rule.methods or set(rule.arguments) - ARGUMENTS or rule.rule.endswith(DOWNLOADS):
                continue
            if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
                continue
            path = rule.rule
            for name, value in values.items():
                path = path.replace(f"<int:{name}>", value)
            found.append(path)
        return sorted(found)

    def statements(self, login) -> dict[tuple[str, str], int]:
        """Each page's statements, asked once to fill the caches and then counted. Caches
        that live for some seconds (the enabled plugins, the menu's counts, a session's
        last-seen mark) must not expire between the two: they are emptied before the
        first and kept long enough (``steady_clock``)."""
        self.seen: dict[tuple[str, str], list[str]] = {}
        people = {"student": self.student, "teacher": self.teacher, "admin": self.admin}
        counts = {}
        for who, user_id in people.items():
            client = self.app.test_client()
            login(client, db.session.get(User, user_id))
            for path in self.paths():
                self.app.extensions["lms_plugins"].forget_enabled_state()
                self.app.extensions.pop("lms_gamification_levels", None)
                self.app.extensions["lms_cache"].clear()
                if client.get(path).status_code != 200:  # fills the caches, as an earlier visit would
                    continue
                db.session.remove()  # each request on a fresh session, as in production
                with count_sql(db.engine) as sql:
                    response = client.get(path)
                if response.status_code == 200:
                    counts[(who, path)] = sql.count
                    self.seen[(who, path)] = [" ".join(statement.split())[:160] for statement in sql.statements]
            db.session.remove()
        return counts


@pytest.fixture
def steady_clock(monkeypatch):
    """What lives for seconds lives for the test (a slow machine must not change a count)."""
    from lms_core import plugins
    from lms_core.services import sessions

    monkeypatch.setattr(plugins, "ENABLED_STATE_TTL", 3600.0)
    monkeypatch.setattr(sessions, "SEEN_PRECISION", timedelta(days=1))


def test_no_page_costs_more_statements_when_the_platform_grows(app, factory, run_jobs, login, steady_clock):
    platform = Platform(app, factory, run_jobs)
    small = platform.statements(login)
    assert len(small) > 60, sorted(small)  # the sweep reaches the pages (a login redirect would not count)

    platform.grow()
    grown = platform.statements(login)

    changed = {page: (n, grown.get(page)) for page, n in small.items() if grown.get(page) != n}
    statements = {page: platform.seen.get(page) for page in changed}  # the grown platform's, to see which
    assert not changed, f"statements grew with the platform (an N+1 query?): {changed}; {statements}"
