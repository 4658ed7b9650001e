"""Input an attacker (or a buggy client) sends never makes the server answer 500:
ids and page numbers beyond 64 bits, non-ASCII digits, deeply nested JSON, NaN and
Infinity, values of the wrong JSON type in every field of every body the OpenAPI
document describes, core and plugins alike. A wrong type is a 400 naming the field,
never coerced, and a refused request writes nothing."""

from __future__ import annotations

import json

import pytest

from lms_core.extensions import db
from tests.test_api_fuzz import row_counter, token_headers, world  # noqa: F401 - the shared fixture

API = "/api/v1"
HUGE = [2**64, 10**30, 2**63]
BAD_DIGITS = ["١٢", "1_0", " 1", "+1", "0x1"]
# One value of every JSON type, plus the ones JSON parsers get wrong.
WRONG_VALUES = {
    "string": "maybe",
    "integer": 2**64,
    "number": 1.5,
    "boolean": True,
    "null": None,
    "array": [1, "a"],
    "object": {"a": {"b": 1}},
}
RAW_BODIES = {
    "NaN": b'{"x": NaN}',
    "Infinity": b'{"x": Infinity}',
    "overflowing number": b'{"x": 1e400}',
    "deep nesting": b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "NUL character": b'{"x": "a\\u0000b"}',
}


def call(client, method: str, path: str, **kwargs):
    """The response, or a 500 stand-in with the exception (the test app re-raises)."""
    try:
        return client.open(path, method=method, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported as the 500 it would be
        return exc


def failure(method, path, response, detail="") -> str | None:
    if isinstance(response, Exception):
        return f"{method} {path} {detail}: 500 {type(response).__name__}: {response}"[:400]
    if response.status_code >= 500:
        return f"{method} {path} {detail}: {response.status_code}"
    return None


def resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                params = item.get("parameters", []) + op.get("parameters", [])
                yield method.upper(), path, op, [resolve(document, p) for p in params]


def concrete(path: str, ids: dict, value=None) -> str:
    for name, known in ids.items():
        path = path.replace("{" + name + "}", str(value if value is not None else known))
    return path


@pytest.fixture
def document(client):
    return client.get(f"{API}/openapi.json").get_json()


@pytest.fixture
def teacher(world):
    return token_headers(world["users"]["teacher"])


def test_ids_beyond_64_bits_and_foreign_digits_in_any_url_are_not_found(app, client, world, teacher):
    problems, checked = [], 0
    for rule in app.url_map.iter_rules():
        if "int" not in {type(c).__name__ for c in rule._converters.values()} and not rule.arguments:
            continue
        if not all(type(c).__name__ == "IdConverter" for c in rule._converters.values()):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for value in [*HUGE, "١٢"]:
                path = str(rule)
                for name in rule.arguments:
                    path = path.replace(f"<int:{name}>", str(value))
                response = call(client, method, path, headers=teacher)
                checked += 1
                problems.append(failure(method, path, response))
                if not isinstance(response, Exception):
                    assert response.status_code in (404, 405), (method, path, response.status_code)
    assert checked > 100
    assert not [p for p in problems if p], "\n".join(p for p in problems if p)


def test_integer_query_parameters_refuse_huge_and_foreign_numbers_with_400(client, document, world, teacher):
    problems, checked = [], 0
    for method, path, _op, params in operations(document):
        for param in params:
            schema = param.get("schema", {})
            if param["in"] != "query" or schema.get("type") != "integer":
                continue
            if "{" in concrete(path, world["ids"]):
                continue  # a path parameter the world has no row for (a table's name): 404 first
            for value in [*map(str, HUGE), *BAD_DIGITS]:
                url = concrete(API + path, world["ids"])
                response = call(client, method, url, query_string={param["name"]: value}, headers=teacher)
                checked += 1
                problem = failure(method, url, response, f"?{param['name']}={value}")
                if problem:
                    problems.append(problem)
                elif response.status_code != 400 or param["name"] not in response.get_json()["error"].get("fields", {}):
                    problems.append(
                        f"{method} {url}?{param['name']}={value}: {response.status_code} "
                        f"{response.get_data(as_text=True)[:200]}"
                    )
    assert checked >= 20
    assert not problems, "\n".join(problems)


def json_bodies(document):
    for method, path, op, _params in operations(document):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            yield method, path, resolve(document, content["application/json"]["schema"])


# The learner's own actions: sent as the student; everything else as the course's teacher.
STUDENT_OPERATIONS = {("POST", "/assignments/{assignment_id}/submissions"), ("POST", "/attempts/{attempt_id}/submit")}
# Fields a body needs before its other fields are looked at (which course).
BASE_BODIES = {
    ("POST", "/assignments"): lambda ids: {"course_id": ids["course_id"]},
    ("POST", "/courses"): lambda ids: {"title": "Astronomy"},
}


@pytest.fixture
def caller(world, teacher):
    student = token_headers(world["users"]["student"])
    return lambda method, path: student if (method, path) in STUDENT_OPERATIONS else teacher


def test_malformed_json_is_a_400_for_every_body(client, document, world, caller):
    problems, counts = [], row_counter()
    before = counts()
    for method, path, _schema in json_bodies(document):
        url = concrete(API + path, world["ids"])
        for name, raw in RAW_BODIES.items():
            response = call(
                client, method, url, data=raw, content_type="application/json", headers=caller(method, path)
            )
            problem = failure(method, url, response, name)
            if problem:
                problems.append(problem)
            elif response.status_code != 400:
                problems.append(f"{method} {url} {name}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert counts() == before


def wrong_values_for(schema: dict):
    """Values that break the property's schema: every JSON type it does not allow,
    numbers past 64 bits, texts past their length."""
    types = schema.get("type")
    allowed = set(types if isinstance(types, list) else [types] if types else [])
    if not allowed and "enum" in schema:
        allowed = {JSON_TYPES[type(v)] for v in schema["enum"]}
    if not allowed:
        return
    if "number" in allowed:
        allowed.add("integer")
    for kind, value in WRONG_VALUES.items():
        if kind not in allowed:
            yield kind, value
    if allowed & {"integer", "number"}:
        yield "too large", 2**64
    if "string" in allowed and schema.get("maxLength"):
        yield "too long", "x" * (schema["maxLength"] + 1)


JSON_TYPES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
    list: "array",
    dict: "object",
}


def test_a_wrong_type_in_any_field_is_a_400_naming_the_field_and_writes_nothing(client, document, world, caller):
    problems, checked, counts = [], 0, row_counter()
    before = counts()
    for method, path, schema in json_bodies(document):
        url = concrete(API + path, world["ids"])
        base = BASE_BODIES.get((method, path), lambda ids: {})(world["ids"])
        for field, field_schema in schema.get("properties", {}).items():
            field_schema = resolve(document, field_schema)
            if (
                field_schema.get("format") == "binary"
                or field_schema.get("type") == "array"
                and resolve(document, field_schema.get("items", {})).get("format") == "binary"
            ):
                continue
            for kind, value in wrong_values_for(field_schema):
                response = call(client, method, url, json={**base, field: value}, headers=caller(method, path))
                checked += 1
                problem = failure(method, url, response, f"{field}={kind}")
                if problem:
                    problems.append(problem)
                    continue
                fields = (response.get_json() or {}).get("error", {}).get("fields", {}) if response.is_json else {}
                if response.status_code != 400 or not any(k == field or k.startswith(f"{field}.") for k in fields):
                    problems.append(
                        f"{method} {url} {field}={kind}: {response.status_code} {response.get_data(as_text=True)[:160]}"
                    )
    assert checked > 150
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)
    assert counts() == before


def test_published_maybe_does_not_unpublish_an_assignment(client, world, teacher):
    from lms_assignments.models import Assignment

    assignment_id = world["ids"]["assignment_id"]
    response = client.patch(f"{API}/assignments/{assignment_id}", json={"published": "maybe"}, headers=teacher)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"
    assert "published" in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(Assignment, assignment_id).published is True


def test_a_page_number_past_64_bits_is_a_400_in_the_users_language(client, world):
    headers = {**token_headers(world["users"]["student"]), "Accept-Language": "ru"}
    response = client.get(f"{API}/notifications", query_string={"page": str(2**64)}, headers=headers)

    assert response.status_code == 400
    assert "page" in response.get_json()["error"]["fields"]
    assert "целым числом" in response.get_json()["error"]["fields"]["page"]


def test_quiz_answers_keyed_by_foreign_digits_are_refused(client, world):
    from lms_core.models import Attempt

    student = token_headers(world["users"]["student"])
    quiz_id = world["ids"]["quiz_id"]
    world_attempts = db.session.execute(db.select(db.func.count()).select_from(Attempt)).scalar_one()
    db.session.get(__import__("lms_core.models", fromlist=["Quiz"]).Quiz, quiz_id).max_attempts = None
    db.session.commit()
    started = client.post(f"{API}/quizzes/{quiz_id}/attempts", headers=student)
    attempt_id = started.get_json()["id"]
    response = client.post(f"{API}/attempts/{attempt_id}/submit", json={"answers": {"١": 1}}, headers=student)

    assert response.status_code == 400 and "answers" in response.get_json()["error"]["fields"]
    assert db.session.get(Attempt, attempt_id).submitted_at is None
    assert world_attempts + 1 == db.session.execute(db.select(db.func.count()).select_from(Attempt)).scalar_one()


def test_json_helpers_refuse_what_is_not_json():
    from lms_core.api.validation import loads

    for raw in RAW_BODIES.values():
        with pytest.raises(ValueError):
            loads(raw)
    assert loads(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    assert json.loads('{"x": NaN}')  # what the standard library would have let through


def test_a_multipart_hand_in_with_submit_maybe_is_refused_not_saved_as_a_draft(client, world):
    from lms_assignments.models import Submission

    student = token_headers(world["users"]["student"])
    before = db.session.execute(db.select(db.func.count()).select_from(Submission)).scalar_one()
    response = client.post(
        f"{API}/assignments/{world['ids']['assignment_id']}/submissions",
        headers=student,
        data={"text": "Mine", "submit": "maybe"},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400 and "submit" in response.get_json()["error"]["fields"]
    assert db.session.execute(db.select(db.func.count()).select_from(Submission)).scalar_one() == before


def test_a_rubric_with_wrong_types_deep_inside_names_the_place(client, world, teacher):
    response = client.patch(
        f"{API}/assignments/{world['ids']['assignment_id']}",
        headers=teacher,
        json={
            "grading_mode": "rubric",
            "rubric": [{"title": "Content", "levels": [{"title": "Good", "points": "ten"}, {"title": 7, "points": 1}]}],
        },
    )

    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 400
    assert set(fields) == {"rubric.0.levels.0.points", "rubric.0.levels.1.title"}


def test_reminder_hours_and_allowed_extensions_must_be_lists_of_their_type(client, world, teacher):
    url = f"{API}/assignments/{world['ids']['assignment_id']}"
    for body, field in [
        ({"reminder_hours": [24, "1"]}, "reminder_hours.1"),
        ({"reminder_hours": 24}, "reminder_hours"),
        ({"reminder_hours": [2**70]}, "reminder_hours.0"),
        ({"allowed_extensions": "pdf"}, "allowed_extensions"),
        ({"allowed_extensions": [None]}, "allowed_extensions.0"),
    ]:
        response = client.patch(url, headers=teacher, json=body)
        assert response.status_code == 400 and field in response.get_json()["error"]["fields"], body


def test_gamification_points_rules_and_badges_refuse_wrong_types(client, world, teacher):
    course_id = world["ids"]["course_id"]
    rules = client.put(
        f"{API}/gamification/courses/{course_id}/rules", headers=teacher, json={"lesson_completed": True}
    )
    badge = client.post(
        f"{API}/gamification/courses/{course_id}/badges",
        headers=teacher,
        json={"name": "Star", "criterion": "quizzes_passed", "params": {"count": 1.5}, "active": "yes"},
    )

    assert rules.status_code == 400 and "lesson_completed" in rules.get_json()["error"]["fields"]
    assert badge.status_code == 400
    assert set(badge.get_json()["error"]["fields"]) == {"params.count", "active"}


def test_a_certificate_signature_in_another_script_is_simply_not_valid(client, world):
    number = world["ids"].get("number", "LMS-0000")
    response = client.get(f"{API}/certificates/verify/{number}", query_string={"s": "подпись"})

    assert response.status_code < 500 and response.is_json


def test_a_nul_character_in_a_url_is_refused(client, world):
    response = client.get(f"{API}/certificates/verify/LMS%00-1")

    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid"
