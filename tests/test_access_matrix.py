"""Every page and API endpoint of the core, for every kind of visitor.

Each endpoint is classified by who may use it; a new endpoint that is not classified
fails ``test_every_core_endpoint_is_classified``, so nobody adds a page without deciding
who may see it. Forbidden visitors get 403 (404 where existence is itself private),
anonymous visitors the login page (pages) or 401 (API); nobody ever gets a 500.
"""

import pytest

from lms_core.extensions import db
from lms_core.models import Notification
from lms_core.services import quizzes

CORE_BLUEPRINTS = {"auth", "catalogue", "learn", "grades", "notifications", "teach", "admin", "api"}

# Who, of the strangers around the course, may use an endpoint of each level. The
# course's own teacher and learner are tested in the feature tests.
ANONYMOUS, STUDENT, OTHER_TEACHER, ADMIN_USER = "anonymous", "other student", "teacher of another course", "admin"
PUBLIC = {ANONYMOUS, STUDENT, OTHER_TEACHER, ADMIN_USER}  # anyone, logged in or not
USER = {STUDENT, OTHER_TEACHER, ADMIN_USER}  # any logged-in user
TEACHER = {OTHER_TEACHER, ADMIN_USER}  # the teacher role, any course
STAFF = {ADMIN_USER}  # this course's teachers and admins
ENROLLED = {ADMIN_USER}  # this course's learners; staff may look
OWNER = {ADMIN_USER}  # the attempt's owner; staff may look
LEARNER = set()  # this course's learners only (taking a quiz)
SELF = set()  # the owner only (submitting an attempt)
ADMIN = {ADMIN_USER}
AFTER_PASSWORD = set()  # only between the password and the two-factor code

ACCESS = {
    "catalogue.index": PUBLIC,
    "catalogue.course": PUBLIC,
    "catalogue.course_image": PUBLIC,  # a published course's picture (a draft's: its staff)
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.set_language": PUBLIC,
    "auth.logout": PUBLIC,
    "api.openapi": PUBLIC,
    "api.list_courses": USER,
    "api.get_course": USER,  # the API serves authenticated clients only
    "auth.account": USER,
    "learn.dashboard": USER,
    "notifications.inbox": USER,
    "notifications.mark_read": USER,
    "catalogue.enrol": USER,
    "api.me": USER,
    "api.update_me": USER,
    "api.my_enrollments": USER,
    "api.list_notifications": USER,
    "api.mark_all_notifications_read": USER,
    "api.enrol": USER,
    "api.get_enrollment": USER,
    "api.course_progress": USER,
    "api.mark_notification_read": USER,  # someone else's notification: 404
    "teach.index": TEACHER,
    "teach.create_course": TEACHER,
    "teach.todo": TEACHER,
    "grades.mine": ENROLLED,  # a learner's own grades; staff are sent to the gradebook
    "api.create_course": TEACHER,
    "learn.lesson": ENROLLED,
    "api.get_lesson": ENROLLED,
    "learn.complete_lesson": LEARNER,
    "learn.heartbeat": LEARNER,
    "api.complete_lesson": LEARNER,
    "learn.quiz": LEARNER,
    "learn.start_quiz": LEARNER,
    "api.get_quiz": ENROLLED,
    "api.start_attempt": LEARNER,
    "api.my_attempts": ENROLLED,  # one's own attempts: an empty list for staff
    "learn.attempt": OWNER,
    "api.get_attempt": OWNER,
    "learn.submit_attempt": SELF,
    "api.submit_attempt": SELF,
    "api.update_course": STAFF,
    "api.course_attempts": STAFF,
    "api.grade_attempt": STAFF,  # an essay graded by the course's teacher
    "admin.index": ADMIN,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.verify_email": PUBLIC,
    "auth.confirm_email": PUBLIC,  # a wrong link: 400 for anyone
    "auth.login_code": AFTER_PASSWORD,
    "auth.two_factor": USER,
    "auth.two_factor_qr": USER,
}
ACCESS_PREFIXES = {"teach.": STAFF, "admin.": ADMIN}


def access_of(endpoint):
    if endpoint in ACCESS:
        return ACCESS[endpoint]
    return next((level for prefix, level in ACCESS_PREFIXES.items() if endpoint.startswith(prefix)), None)


def core_rules(app):
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in CORE_BLUEPRINTS:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_core_endpoint_is_classified(app):
    unclassified = sorted({rule.endpoint for rule, _m in core_rules(app) if access_of(rule.endpoint) is None})
    assert not unclassified, f"decide who may use these endpoints: {unclassified}"


@pytest.fixture
def world(factory):
    """A course of teacher A with a learner S who has an attempt; strangers around it."""
    teacher_a = factory.user(role="teacher")
    course = factory.course(teacher=teacher_a)
    lesson = factory.lesson(course)
    quiz = factory.quiz(course)
    learner = factory.user()
    factory.enrol(learner, course)
    attempt = quizzes.start_attempt(learner, quiz)
    note = Notification(user_id=learner.id, kind="test", title="for the learner")
    db.session.add(note)
    db.session.commit()
    return {
        "params": {
            "course_id": course.id,
            "slug": course.slug,
            "lesson_id": lesson.id,
            "quiz_id": quiz.id,
            "attempt_id": attempt.id,
            "question_id": quiz.questions[0].id,
            "user_id": teacher_a.id,
            "notification_id": note.id,
            "language": "ru",
            "name": "hello",
            "token": "no-such-token",
        },
        "people": {
            "anonymous": None,
            "other student": factory.user(),
            "teacher of another course": factory.user(role="teacher"),
            "admin": factory.user(role="admin"),
        },
    }


def undo_strangers_progress(people):
    """Endpoints open to every user (enrol) must not let a stranger into the course
    for the endpoints tested after them."""
    from lms_core.models import Attempt, Enrollment, LessonCompletion

    ids = [u.id for u in people.values() if u is not None]
    for model in (Attempt, LessonCompletion, Enrollment):
        db.session.execute(db.delete(model).where(model.user_id.in_(ids)))
    db.session.commit()


def endpoints(app):
    return sorted({(rule.rule, rule.endpoint, method) for rule, method in core_rules(app)})


def test_every_core_endpoint_answers_each_visitor_as_its_access_level_says(app, world, login):
    failures = []
    for rule, endpoint, method in endpoints(app):
        level = access_of(endpoint)
        path = rule
        for name, value in world["params"].items():
            for converter in ("int:", "path:", ""):
                path = path.replace(f"<{converter}{name}>", str(value))
        assert "<" not in path, f"no test value for a parameter of {rule}"
        for who, user in world["people"].items():  # the admin comes last: its POSTs may delete
            client = app.test_client()
            if user is not None:
                login(client, user)
            body = {}
            if method != "GET":
                body = {"json": {}} if path.startswith("/api/") else {"data": {}}
            response = client.open(path, method=method, **body)
            status = response.status_code
            if status >= 500:
                failures.append(f"{method} {path} as {who}: {status}")
            elif who in level:
                if status in (401, 403) or (status == 302 and "/login" in (response.location or "")):
                    failures.append(f"{method} {path} as {who}: refused ({status}) but should be allowed")
            else:
                refused = status in (401, 403, 404) or (status == 302 and "/login" in (response.location or ""))
                if not refused:
                    failures.append(f"{method} {path} as {who}: {status} but should be refused")
                if who == "anonymous" and path.startswith("/api/") and status != 401:
                    failures.append(f"{method} {path} as anonymous: API must answer 401, got {status}")
        undo_strangers_progress(world["people"])
    assert not failures, "\n".join(failures)
