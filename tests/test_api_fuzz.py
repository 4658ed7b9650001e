"""Property-based tests of the whole JSON API, driven by its own OpenAPI document
(``/api/v1/openapi.json``, the core's and every enabled plugin's parts).

Schemathesis makes requests for every operation, valid ones and ones that break the
schema (wrong types, huge numbers, missing fields), in-process through the WSGI app, as
each role: anonymous, student, teacher and admin with personal API tokens. For every
answer: never a 5xx, the status, content type and body are the ones the document
describes, and a refused request (4xx) left every table's row count as it was.

Path ids are generated freely (mostly unknown ids: 404s) and also fixed to the rows of
a small world built first (a course with a lesson, a quiz, an assignment with a hand-in,
a badge, a certificate), so bodies are checked against real objects too.

Bounded: a fixed number of examples per operation, derandomized (the same cases on
every run, so CI is reproducible), no Hypothesis database.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, inspect, literal, select, union_all

from lms_core.extensions import db
from lms_core.models import ApiToken

EXAMPLES = 10  # per operation and per set of path ids (generated / the world's rows)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations that write on purpose even when they answer 4xx: none. Operations whose
# request is refused (4xx) must leave every table as it was.
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def token_headers(user) -> dict:
    row, token = ApiToken.issue(user, "fuzz")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def row_counter():
    """A function that returns every table's row count, in one statement."""
    tables = [t for t in inspect(db.engine).get_table_names() if not t.endswith("alembic_version")]
    meta = db.MetaData()
    meta.reflect(bind=db.engine, only=tables)
    query = union_all(
        *(select(literal(name).label("t"), func.count().label("n")).select_from(meta.tables[name]) for name in tables)
    )

    def counts() -> dict:
        db.session.rollback()
        return dict(db.session.execute(query).all())

    return counts


@pytest.fixture
def world(app, factory):
    """A small platform: a teacher's course with a lesson, a quiz and an assignment that
    a student handed in, a badge and a certificate."""
    from lms_core.services import progress

    teacher = factory.user(role="teacher")
    student = factory.user()
    admin = factory.user(role="admin")
    course = factory.course(teacher=teacher)
    lesson = factory.lesson(course)
    quiz = factory.quiz(course)
    factory.enrol(student, course)
    attempt = factory.attempt(student, quiz)
    ids = {
        "course_id": course.id,
        "lesson_id": lesson.id,
        "quiz_id": quiz.id,
        "attempt_id": attempt.id,
        "user_id": student.id,
    }
    from lms_assignments import authoring, submissions
    from werkzeug.datastructures import FileStorage

    assignment = authoring.create_assignment(
        teacher, course, {"title": "Essay", "due_at": datetime.now(timezone.utc) + timedelta(days=7), "max_points": 10}
    )
    submission = submissions.save(
        student,
        assignment,
        text="Mine",
        links=None,
        uploads=[FileStorage(io.BytesIO(b"notes"), "notes.txt")],
        remove_file_ids=[],
        submit=True,
    )
    ids.update(assignment_id=assignment.id, submission_id=submission.id, file_id=submission.files[0].id)
    from lms_gamification import badges

    badge = badges.save_badge(course.id, teacher, {"name": "Star", "criterion": "quizzes_passed", "params": {}})
    ids["badge_id"] = badge.id
    ids["award_id"] = badges.award_by_hand(badge, student.id, teacher, "Well done").id
    progress.complete_lesson(student, lesson)
    from lms_certificates.models import Certificate

    certificate = db.session.execute(select(Certificate)).scalars().first()
    if certificate is not None:
        ids.update(certificate_id=certificate.id, number=certificate.number)
    from lms_core.services import notifications

    notifications.notify(student, "test", "Hello")
    ids["notification_id"] = 1
    return {"ids": ids, "users": {"anonymous": None, "student": student, "teacher": teacher, "admin": admin}}


def fuzz(app, headers: dict, ids: dict, examples: int, fixed_ids: bool = True) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    problems = []
    row_counts = row_counter()
    known: list[dict] = []  # the row counts as the last refused request left them, if it was last
    for result in schema.get_all_operations():
        operation = result.ok()
        names = [p.name for p in operation.path_parameters]
        variants = [None]
        if fixed_ids and names:
            variants.append({n: ids[n] for n in names if n in ids})
        strategy = st.one_of(
            *(
                operation.as_strategy(generation_mode=mode, path_parameters=path)
                for path in variants
                for mode in schemathesis.GenerationMode
            )
        )

        @settings(FUZZ_SETTINGS, max_examples=examples * len(variants))
        @given(case=strategy)
        def check(case):
            # Counting every table costs more than most requests: a refused request left
            # the counts as they were, so they are only counted again after one that may
            # have written (or failed).
            before = known.pop() if known else row_counts()
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
            if 400 <= response.status_code < 500:
                after = row_counts()
                assert after == before, (
                    f"{case.method} {case.formatted_path} wrote rows and answered {response.status_code}"
                )
                known.append(after)

        try:
            check()
        except BaseException as exc:  # noqa: BLE001 - schemathesis raises exception groups; every operation is tried
            if isinstance(exc, KeyboardInterrupt):
                raise
            problems.append(f"{operation.label}: {exc!r}"[:3000])
    return problems


@pytest.mark.parametrize("role", ["anonymous", "student", "teacher", "admin"])
def test_no_api_request_answers_5xx_or_breaks_its_schema(app, world, role):
    user = world["users"][role]
    headers = token_headers(user) if user is not None else {}
    # Without a token every operation answers 401 whatever else is sent: fewer examples.
    problems = fuzz(app, headers, world["ids"], EXAMPLES if user else 3, fixed_ids=user is not None)
    assert not problems, "\n\n".join(problems)
