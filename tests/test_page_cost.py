"""Pages whose cost does not grow with the platform (issue 8).

Each page is asked once on a small platform and once after it grew (more learners with
progress, attempts, time and hand-ins; more courses; more of the student's own
enrolments): the number of SQL statements must not change, and it is pinned, so an
N+1 query fails here long before a benchmark sees it. The large demo itself
(``lms demo --size large``) is built with tiny volumes, with every plugin's part.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lms_core.demo_large import BIG_COURSE_SLUG, Volumes, load_large_demo
from lms_core.extensions import db
from lms_core.models import ActivityFact, Attempt, Course, Enrollment, User
from lms_core.services import activity, courses, progress
from lms_core.testing import count_sql

TINY = Volumes(
    users=60,
    courses=8,
    big_course_learners=30,
    big_course_items=10,
    lessons_per_course=2,
    courses_per_learner=2,
    activity_facts=500,
    attempts=200,
    point_awards=300,
    certificates=5,
    submissions=30,
    completed_share=0.2,
)

# The product's own plugins, whichever others are installed: their parts of the pages
# are counted too (a plugin's requirement asked once per learner shows here).
pytestmark = pytest.mark.lms_config(
    LMS_PLUGINS="assignments,certificates,gamification,zoom,payments,notifications,analytics,chat"
)

# Statements of one request of each page, whatever the size (after a first request
# that fills the caches). Leaderboards read Redis when it is set, the summary table
# otherwise.
PINNED = {
    # The chat adds one statement to every page: the menu's "Chats (n)" unread count
    # (live, so not cached); and on the course page its room link (role, room + read mark).
    # The course page's outline and requirement labels are kept between requests under
    # the course's content version (no lessons, quizzes); the live-lectures plugin reads
    # its rule and whether the course has sessions in one statement, the sessions (once,
    # for its requirements and its fragment) only when it has, and looks for recordings
    # only when the course has occurrences; the payments plugin reads no price for a
    # learner already enrolled (21 -> 15).
    "course": 15,
    # + the upcoming quiz deadlines; the courses' requirement labels are kept between
    # requests under their content versions, as the course page's are (21 -> 19)
    "dashboard": 19,
    # a teacher's: + the courses they teach, the hand-ins waiting on their assignments
    "dashboard_teacher": 13,
    "catalogue": 3,
    # The course's requirement labels kept as on the dashboard (20 -> 18), and a teacher's
    # "do they teach this course?" asked once per transaction, not by each tab, menu and
    # form of a workspace page (-2 on the students page and the gradebook, -1 on the queue)
    "students": 16,
    "queue": 8,  # with the count on "Release all graded" and the workspace tabs (issue 11)
    # without Redis the viewer's rank is one count over those with more points and small
    # counts beside them (11: one more statement than the CASE over everyone ahead, cheaper)
    "leaderboard": {"sql": 11, "redis": 3},
    "gradebook": 16,  # a page of the core's gradebook (50 learners), with the assignments' and attendance columns
    # the learners under the pass mark, from the per-learner summary: + the plugins' items of an
    # empty page (for the layout) and the learners whose summary is due (none)
    "gradebook_failing": 19,
    "chats": 5,  # the chat's room list with unread counts
    "chat_room": 20,  # a page of 50 messages: authors, answered messages, files and reactions in one query each
}


def installed(app, name: str) -> bool:
    return app.extensions["lms_plugins"].is_enabled(name)


def test_the_large_demo_builds_a_whole_platform_and_each_plugin_adds_its_part(app):
    lines = load_large_demo(TINY)

    assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == TINY.users
    assert db.session.execute(db.select(db.func.count(Course.id))).scalar_one() == TINY.courses
    big = db.session.execute(db.select(Course).where(Course.slug == BIG_COURSE_SLUG)).scalar_one()
    assert len(big.lessons) + len(big.quizzes) == TINY.big_course_items
    learners = db.session.execute(
        db.select(db.func.count(Enrollment.id)).where(Enrollment.course_id == big.id)
    ).scalar_one()
    assert learners == TINY.big_course_learners + 1  # and the demo's own student
    assert db.session.execute(db.select(db.func.count(ActivityFact.id))).scalar_one() == TINY.activity_facts
    assert (
        0 < db.session.execute(db.select(db.func.count(Attempt.id))).scalar_one() <= TINY.attempts
    )  # 3 a quiz at most
    if installed(app, "gamification"):
        from lms_gamification.models import PointAward, Score

        assert db.session.execute(db.select(db.func.count(PointAward.id))).scalar_one() == TINY.point_awards
        assert db.session.execute(db.select(db.func.count()).select_from(Score)).scalar_one() > 0
        assert any(line.startswith("gamification: 300 point awards") for line in lines)
    if installed(app, "certificates"):
        from lms_certificates.models import Certificate

        assert db.session.execute(db.select(db.func.count(Certificate.id))).scalar_one() == TINY.certificates
    if installed(app, "assignments"):
        from lms_assignments.models import Submission

        assert db.session.execute(db.select(db.func.count(Submission.id))).scalar_one() == TINY.submissions
    # A second run changes nothing.
    assert load_large_demo(TINY)[-1] == "large demo already loaded"
    assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == TINY.users


def test_a_failing_plugin_part_stops_the_large_demo_with_its_name(app):
    from lms_core import hookimpl

    from tests.plugin_helpers import register_plugin

    @hookimpl
    def lms_demo_data(platform):
        raise ValueError("no room for the visits table")

    register_plugin(app, "visits", lms_demo_data)
    with pytest.raises(RuntimeError, match="the visits plugin's part of the large demo failed"):
        load_large_demo(TINY)


class Platform:
    """A course with a teacher, a student who is half way through it, and the rest of
    a platform that ``grow`` makes bigger."""

    def __init__(self, app, factory, run_jobs):
        self.app, self.factory, self.run_jobs = app, factory, run_jobs
        self.teacher = factory.user(role="teacher", name="Tess Teacher")
        self.student = factory.user(name="Sam Student")
        self.course = factory.course(teacher=self.teacher, title="Rocks")
        self.lessons = [factory.lesson(self.course) for _ in range(3)]
        self.quiz = factory.quiz(self.course)
        self.assignment = None
        if installed(app, "assignments"):
            from lms_assignments import authoring

            self.assignment = authoring.create_assignment(
                self.teacher,
                self.course,
                {"title": "Essay", "due_at": datetime.now(timezone.utc) + timedelta(days=3), "max_points": 10},
            )
        self.chat_room = None
        if installed(app, "chat"):
            from lms_chat import rooms

            self.chat_room = rooms.course_room(self.course)
            self.chat_post(self.teacher)  # each learner answers the newest message
        self.learner(self.student)
        russian = factory.course(teacher=self.teacher, title="Камни", default_language="ru")
        factory.lesson(russian)
        factory.quiz(russian)
        self.learner(self.student, russian)  # a dashboard in two languages from the start

    def learner(self, user, course=None):
        course = course or self.course
        self.factory.enrol(user, course)
        progress.complete_lesson(user, course.lessons[0])
        self.factory.attempt(user, course.quizzes[0], correct=user.id % 2 == 0)
        activity.record_heartbeat(user, course.lessons[0], 30)
        if self.assignment is not None and course is self.course and user is not self.student:
            from lms_assignments import submissions

            submissions.save(user, self.assignment, text="My essay.", submit=True)
        if self.chat_room is not None and course is self.course:
            self.chat_post(user)
        self.run_jobs()

    def chat_post(self, user):
        import uuid

        from lms_chat import messages

        newest = messages.page(self.chat_room, limit=1)
        reply_to = newest[0].seq if newest else None
        messages.post(user, self.chat_room, f"Hello from {user.name}", uuid.uuid4().hex, reply_to=reply_to)

    def grow(self, learners: int = 6, courses_count: int = 30, enrolments: int = 4):
        for _ in range(learners):
            self.learner(self.factory.user())
        others = [
            self.factory.course(teacher=self.teacher, default_language="ru" if n % 2 else "en")
            for n in range(courses_count)
        ]
        for course in others:
            self.factory.lesson(course)
            self.factory.quiz(course)
            courses.set_translation(
                course, course, "title", "en" if course.default_language == "ru" else "ru", f"Translated {course.id}"
            )
        db.session.commit()
        courses.course_changed()
        for course in others[:enrolments]:
            self.learner(self.student, course)

    def paths(self) -> dict:
        paths = {
            "course": ("student", f"/courses/{self.course.slug}"),
            "dashboard": ("student", "/dashboard"),
            "dashboard_teacher": ("teacher", "/dashboard"),
            "catalogue": ("student", "/"),
            "students": ("teacher", f"/teach/courses/{self.course.id}/students"),
            "gradebook": ("teacher", f"/teach/courses/{self.course.id}/gradebook"),
            "gradebook_failing": ("teacher", f"/teach/courses/{self.course.id}/gradebook?show=failing"),
        }
        if self.assignment is not None:
            paths["queue"] = ("teacher", f"/assignments/{self.assignment.id}/queue")
        if installed(self.app, "gamification"):
            paths["leaderboard"] = ("student", "/gamification/leaderboard")
        if self.chat_room is not None:
            paths["chats"] = ("student", "/chat/")
            paths["chat_room"] = ("teacher", f"/chat/{self.chat_room.id}")
        return paths

    def statements(self, login) -> dict[str, int]:
        counts = {}
        clients = {}
        for who, user in (("student", self.student), ("teacher", self.teacher)):
            clients[who] = self.app.test_client()
            login(clients[who], user)
        paths = self.paths()
        ids = {
            "teacher": self.teacher.id,
            "student": self.student.id,
            "course": self.course.id,
            "assignment": self.assignment.id if self.assignment is not None else None,
            "chat_room": self.chat_room.id if self.chat_room is not None else None,
        }
        for page, (who, path) in paths.items():
            # Memos that live a few seconds are refilled now, so none expires between
            # this request, which fills the caches as any earlier visitor would, and the next.
            self.app.extensions["lms_plugins"].forget_enabled_state()
            self.app.extensions.pop("lms_gamification_levels", None)
            clients[who].get(path)
            db.session.remove()  # each request on a fresh session, as in production
            with count_sql(db.engine) as sql:
                response = clients[who].get(path)
            assert response.status_code == 200, (page, response.status_code)
            counts[page] = sql.count
        db.session.remove()
        self.reload(ids)
        return counts

    def reload(self, ids):
        """The rows again, in the new session."""
        self.teacher, self.student = db.session.get(User, ids["teacher"]), db.session.get(User, ids["student"])
        self.course = db.session.get(Course, ids["course"])
        if self.chat_room is not None:
            from lms_chat.models import ChatRoom

            self.chat_room = db.session.get(ChatRoom, ids["chat_room"])
        if ids["assignment"] is not None:
            from lms_assignments.models import Assignment

            self.assignment = db.session.get(Assignment, ids["assignment"])


def pinned(app) -> dict[str, int]:
    backend = "redis" if app.config.get("REDIS_URL") else "sql"
    return {page: (n[backend] if isinstance(n, dict) else n) for page, n in PINNED.items()}


def test_every_page_costs_the_same_statements_on_a_small_and_on_a_grown_platform(app, factory, run_jobs, login):
    platform = Platform(app, factory, run_jobs)
    small = platform.statements(login)

    platform.grow()
    grown = platform.statements(login)

    assert grown == small, f"a page's statement count grew with the data (an N+1 query?): {small} -> {grown}"
    expected = {page: n for page, n in pinned(app).items() if page in grown}
    assert grown == expected, f"statement counts changed to {grown}: if on purpose, update PINNED"


def test_the_grown_pages_still_show_everyone_they_should(app, factory, run_jobs, login):
    platform = Platform(app, factory, run_jobs)
    platform.grow(learners=3, courses_count=30, enrolments=2)

    client = app.test_client()
    login(client, platform.teacher)
    students = client.get(f"/teach/courses/{platform.course.id}/students").get_data(as_text=True)
    assert students.count('class="student"') == 4  # the student and three more
    assert "Sam Student" in students
    client = app.test_client()
    login(client, platform.student)
    catalogue = client.get("/").get_data(as_text=True)
    assert catalogue.count("course-card") == courses.CATALOGUE_PAGE_SIZE  # a page, not every course
    second = client.get("/?page=2").get_data(as_text=True)
    assert second.count("course-card") == 32 - courses.CATALOGUE_PAGE_SIZE
    assert "Translated" in catalogue + second  # each card in the reader's language
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert dashboard.count('<article class="card">') == 4
