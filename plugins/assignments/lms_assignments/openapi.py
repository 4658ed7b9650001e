"""The plugin's part of the OpenAPI document (``lms_openapi``): every route of
``api.py``, its parameters, bodies and answers. Component names start with
``assignments_``; the core's shared responses (``Unauthorized``, ...) and the
``CsrfToken`` parameter are referred to, not repeated."""

from __future__ import annotations

# The core's schema helpers, so every part of the document is built alike.
from lms_core.api.openapi import BOOLEAN, INTEGER, JSON, MAYBE_WHEN, STRING, WHEN, obj, path_param

MULTIPART = "multipart/form-data"
TAG = "assignments"

NUMBER = {"type": "number"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/assignments_{name}"}


def core_response(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


ERRORS = {
    "Invalid": "400",
    "Unauthorized": "401",
    "Forbidden": "403",
    "NotFound": "404",
    "Conflict": "409",
    "TooLarge": "413",
}


def operation(
    operation_id: str,
    summary: str,
    ok: tuple[str, dict | None],
    parameters=(),
    body=None,
    unsafe=False,
    errors=("Unauthorized", "Forbidden", "NotFound"),
) -> dict:
    status, schema = ok
    answer = {"description": summary}
    if schema is not None:
        answer["content"] = {JSON: {"schema": schema}}
    op = {
        "operationId": f"assignments_{operation_id}",
        "summary": summary,
        "tags": [TAG],
        "responses": {status: answer, **{ERRORS[e]: core_response(e) for e in errors}},
    }
    params = list(parameters) + ([{"$ref": "#/components/parameters/CsrfToken"}] if unsafe else [])
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = body
    return op


def json_body(schema: dict, description: str) -> dict:
    return {"required": True, "description": description, "content": {JSON: {"schema": schema}}}


def schemas() -> dict:
    level = obj({"id": INTEGER, "title": STRING, "points": NUMBER})
    settings = {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": STRING,
        "published": BOOLEAN,
        "required": BOOLEAN,
        "opens_at": MAYBE_WHEN,
        "due_at": WHEN,
        "grading_mode": {"enum": ["points", "rubric"]},
        "max_points": NUMBER,
        "pass_points": NUMBER,
        "accepts_files": BOOLEAN,
        "allowed_extensions": {"type": "array", "items": STRING},
        "max_file_size": {"type": "integer", "description": "Bytes per file"},
        "max_files": INTEGER,
        "accepts_links": BOOLEAN,
        "accepts_text": BOOLEAN,
        "max_attempts": {"type": ["integer", "null"], "description": "null: unlimited"},
        "late_policy": {"enum": ["refuse", "penalty"]},
        "late_penalty_percent": {"type": "number", "description": "Per started day late"},
        "late_cutoff_at": MAYBE_WHEN,
        "anonymous": BOOLEAN,
        "reminder_hours": {"type": "array", "items": INTEGER, "description": "Hours before the deadline"},
    }
    rubric_input = {
        "type": "array",
        "items": obj({"title": STRING, "levels": {"type": "array", "items": obj({"title": STRING, "points": NUMBER})}}),
    }
    return {
        "assignments_Assignment": obj(
            {
                "id": INTEGER,
                "course_id": INTEGER,
                **settings,
                "rubric": {
                    "type": "array",
                    "items": obj({"id": INTEGER, "title": STRING, "levels": {"type": "array", "items": level}}),
                },
                "my": obj(
                    {
                        "due_at": WHEN,
                        "cutoff_at": MAYBE_WHEN,
                        "extended": BOOLEAN,
                        "state": {
                            "enum": ["not_started", "draft", "submitted", "late", "returned", "graded", "missing"]
                        },
                        "attempts_left": {"type": ["integer", "null"]},
                    }
                ),
            },
            required=["id", "course_id", *settings, "rubric"],
        ),
        "assignments_AssignmentInput": {
            "type": "object",
            "description": "Times need their UTC offset. Omitted fields keep their value "
            "(PATCH) or take their default (POST).",
            "properties": {"course_id": INTEGER, **settings, "rubric": rubric_input},
        },
        "assignments_Submission": obj(
            {
                "id": INTEGER,
                "assignment_id": INTEGER,
                "number": INTEGER,
                "status": {"enum": ["draft", "submitted", "returned"]},
                "created_at": WHEN,
                "submitted_at": MAYBE_WHEN,
                "late_days": INTEGER,
                "returned_at": MAYBE_WHEN,
                "return_comment": STRING,
                "student": {
                    "type": "object",
                    "description": "id and name, or only a pseudonym while marking is anonymous",
                },
                "text": STRING,
                "files": {
                    "type": "array",
                    "items": obj(
                        {"id": INTEGER, "name": STRING, "size": INTEGER, "content_type": STRING, "sha256": STRING}
                    ),
                },
                "links": {
                    "type": "array",
                    "items": obj(
                        {
                            "url": STRING,
                            "host": {"type": ["string", "null"]},
                            "repository": {"type": ["string", "null"]},
                            "branch": {"type": ["string", "null"]},
                            "path": {"type": ["string", "null"]},
                            "commit": {"type": ["string", "null"]},
                            "state": {"enum": ["plain", "pending", "verified", "unverified", "not_found"]},
                        }
                    ),
                },
                "grade": {
                    "oneOf": [{"type": "null"}, ref("Grade")],
                    "description": "Shown to the student once released",
                },
            }
        ),
        "assignments_Grade": obj(
            {
                "points": NUMBER,
                "raw_points": NUMBER,
                "penalty_points": NUMBER,
                "max_points": NUMBER,
                "rubric": {
                    "type": "array",
                    "items": obj(
                        {
                            "criterion_id": INTEGER,
                            "criterion": STRING,
                            "level_id": INTEGER,
                            "level": STRING,
                            "points": NUMBER,
                        }
                    ),
                },
                "comment": STRING,
                "graded_at": WHEN,
                "released_at": MAYBE_WHEN,
            }
        ),
        "assignments_GradeInput": {
            "type": "object",
            "properties": {
                "points": {"type": "number", "description": "Points grading"},
                "levels": {
                    "type": "object",
                    "additionalProperties": INTEGER,
                    "description": "Rubric grading: criterion id → level id, every criterion",
                },
                "comment": STRING,
                "release": BOOLEAN,
            },
        },
        "assignments_HandIn": {
            "type": "object",
            "properties": {
                "text": STRING,
                "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
                "files": {
                    "type": "array",
                    "items": {"type": "string", "format": "binary"},
                    "description": "multipart/form-data only",
                },
                "remove_files": {"type": "array", "items": INTEGER, "description": "Files of the draft to drop"},
                "submit": {"type": "boolean", "description": "true hands the draft in; false only saves it"},
            },
        },
    }


def download_operation() -> dict:
    op = operation(
        "download",
        "Download a handed-in file under its original name",
        ("200", None),
        parameters=[path_param("file_id", "file")],
    )
    # Inert types (PDF, raster images, plain text, office files) keep their type; any
    # other (HTML, JavaScript, SVG, ...) is sent as application/octet-stream.
    op["responses"]["200"]["content"] = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    return op


def hand_in_operation(assignment: dict, hand_in_body: dict, body_errors: tuple) -> dict:
    op = operation(
        "hand_in",
        "Save the draft, or hand it in with `submit`",
        ("201", ref("Submission")),
        parameters=[assignment],
        body=hand_in_body,
        unsafe=True,
        errors=(*body_errors, "Conflict", "TooLarge"),
    )
    op["responses"]["200"] = {
        "description": "The draft, saved (without `submit`)",
        "content": {JSON: {"schema": ref("Submission")}},
    }
    return op


def fragment() -> dict:
    assignment = path_param("assignment_id", "assignment")
    submission = path_param("submission_id", "submission")
    user = path_param("user_id", "student")
    body_errors = ("Invalid", "Unauthorized", "Forbidden", "NotFound")
    hand_in_body = {
        "required": True,
        "description": "Text, links and files; `submit` hands in",
        "content": {MULTIPART: {"schema": ref("HandIn")}, JSON: {"schema": ref("HandIn")}},
    }
    return {
        "tags": [{"name": TAG, "description": "Assignments: hand-ins, grading, extensions (assignments plugin)"}],
        "paths": {
            "/assignments": {
                "get": operation(
                    "list",
                    "A course's assignments the user may see",
                    ("200", obj({"assignments": {"type": "array", "items": ref("Assignment")}})),
                    parameters=[
                        {
                            "name": "course",
                            "in": "query",
                            "required": True,
                            "description": "The course's id",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                        }
                    ],
                    errors=("Invalid", "Unauthorized", "Forbidden", "NotFound"),
                ),
                "post": operation(
                    "create",
                    "Create an assignment (course staff)",
                    ("201", ref("Assignment")),
                    body=json_body(ref("AssignmentInput"), "The settings, with `course_id`"),
                    unsafe=True,
                    errors=body_errors,
                ),
            },
            "/assignments/{assignment_id}": {
                "get": operation(
                    "get",
                    "One assignment; students also get their own deadline and state",
                    ("200", ref("Assignment")),
                    parameters=[assignment],
                ),
                "patch": operation(
                    "update",
                    "Change settings (a new deadline reschedules reminders)",
                    ("200", ref("Assignment")),
                    parameters=[assignment],
                    body=json_body(ref("AssignmentInput"), "The settings to change"),
                    unsafe=True,
                    errors=(*body_errors, "Conflict"),
                ),
                "delete": operation(
                    "delete",
                    "Delete the assignment with every hand-in",
                    ("204", None),
                    parameters=[assignment],
                    unsafe=True,
                ),
            },
            "/assignments/{assignment_id}/extensions/{user_id}": {
                "put": operation(
                    "extend",
                    "Give one student a later deadline",
                    ("200", obj({"user_id": INTEGER, "due_at": WHEN})),
                    parameters=[assignment, user],
                    body=json_body(obj({"due_at": WHEN}), "The student's new deadline"),
                    unsafe=True,
                    errors=body_errors,
                ),
                "delete": operation(
                    "remove_extension",
                    "Remove a student's extension",
                    ("204", None),
                    parameters=[assignment, user],
                    unsafe=True,
                ),
            },
            "/assignments/{assignment_id}/submissions": {
                "get": operation(
                    "submissions",
                    "Staff: the grading queue; a student: their own attempts",
                    ("200", obj({"submissions": {"type": "array", "items": ref("Submission")}})),
                    parameters=[
                        assignment,
                        {
                            "name": "state",
                            "in": "query",
                            "required": False,
                            "description": "Staff filter",
                            "schema": {"enum": ["all", "to_grade", "graded", "released", "returned", "late"]},
                        },
                        {
                            "name": "sort",
                            "in": "query",
                            "required": False,
                            "description": "By hand-in time",
                            "schema": {"enum": ["oldest", "newest"]},
                        },
                    ],
                ),
                "post": hand_in_operation(assignment, hand_in_body, body_errors),
            },
            "/assignments/{assignment_id}/release": {
                "post": operation(
                    "release_all",
                    "Release every graded, unreleased attempt",
                    ("200", obj({"released": INTEGER})),
                    parameters=[assignment],
                    unsafe=True,
                ),
            },
            "/assignments/submissions/{submission_id}": {
                "get": operation(
                    "submission",
                    "One attempt (its student or the course staff)",
                    ("200", ref("Submission")),
                    parameters=[submission],
                ),
            },
            "/assignments/submissions/{submission_id}/grade": {
                "put": operation(
                    "grade",
                    "Grade by points or rubric levels; `release` shows it to the student",
                    ("200", ref("Submission")),
                    parameters=[submission],
                    body=json_body(ref("GradeInput"), "The grade"),
                    unsafe=True,
                    errors=(*body_errors, "Conflict"),
                ),
            },
            "/assignments/submissions/{submission_id}/release": {
                "post": operation(
                    "release",
                    "Release one grade",
                    ("200", ref("Submission")),
                    parameters=[submission],
                    unsafe=True,
                    errors=("Unauthorized", "Forbidden", "NotFound", "Conflict"),
                ),
            },
            "/assignments/submissions/{submission_id}/return": {
                "post": operation(
                    "return",
                    "Return an attempt for resubmission (one more attempt allowed)",
                    ("200", ref("Submission")),
                    parameters=[submission],
                    body=json_body(
                        obj({"comment": STRING, "new_due_at": MAYBE_WHEN}, required=[]),
                        "What to change, and optionally a new deadline for this student",
                    ),
                    unsafe=True,
                    errors=(*body_errors, "Conflict"),
                ),
            },
            "/assignments/files/{file_id}": {
                "get": download_operation(),
            },
        },
        "components": {"schemas": schemas()},
    }
