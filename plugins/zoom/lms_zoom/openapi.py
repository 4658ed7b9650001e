"""The plugin's part of the OpenAPI document (``lms_openapi``): every route of ``api.py``."""

from __future__ import annotations

from lms_core.api.openapi import BOOLEAN, INTEGER, JSON, MAYBE_WHEN, STRING, WHEN, obj, path_param

TAG = "zoom"
MAYBE_INTEGER = {"type": ["integer", "null"]}
MAYBE_STRING = {"type": ["string", "null"]}
ERRORS = {"Unauthorized": "401", "Forbidden": "403", "NotFound": "404"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/zoom_{name}"}


def operation(operation_id: str, summary: str, schema: dict, parameters) -> dict:
    return {
        "operationId": f"zoom_{operation_id}",
        "summary": summary,
        "tags": [TAG],
        "parameters": list(parameters),
        "responses": {
            "200": {"description": summary, "content": {JSON: {"schema": schema}}},
            **{code: {"$ref": f"#/components/responses/{name}"} for name, code in ERRORS.items()},
        },
    }


def fragment() -> dict:
    occurrence = obj(
        {
            "id": INTEGER,
            "number": INTEGER,
            "starts_at": WHEN,
            "ends_at": WHEN,
            "can_join": BOOLEAN,
            "join_url": {
                "type": ["string", "null"],
                "format": "uri",
                "description": "A join link signed for the caller, while the lecture is open",
            },
        }
    )
    session = obj(
        {
            "id": INTEGER,
            "title": STRING,
            "description": STRING,
            "provider": STRING,
            "timezone": STRING,
            "duration_minutes": INTEGER,
            "recurrence": {"type": ["object", "null"]},
            "completion_percent": MAYBE_INTEGER,
            "state": {"enum": ["pending", "ready", "cancelling"], "description": "Staff only"},
            "last_error": {"type": ["string", "null"], "description": "Staff only"},
            "occurrences": {"type": "array", "items": ref("Occurrence")},
        },
        required=["id", "title", "provider", "occurrences"],
    )
    learner = obj(
        {
            "user_id": INTEGER,
            "name": STRING,
            "joins": INTEGER,
            "first_join": MAYBE_WHEN,
            "last_leave": MAYBE_WHEN,
            "measured_minutes": INTEGER,
            "minutes": INTEGER,
            "percent": INTEGER,
            "correction_reason": MAYBE_STRING,
        }
    )
    return {
        "tags": [{"name": TAG, "description": "Live lectures (Zoom, Teams, BigBlueButton, Jitsi)"}],
        "components": {
            "schemas": {
                "zoom_Occurrence": occurrence,
                "zoom_Session": session,
                "zoom_AttendanceRow": learner,
                "zoom_Sessions": obj({"sessions": {"type": "array", "items": ref("Session")}}, required=["sessions"]),
                "zoom_Attendance": obj(
                    {"occurrence_id": INTEGER, "learners": {"type": "array", "items": ref("AttendanceRow")}},
                    required=["occurrence_id", "learners"],
                ),
            }
        },
        "paths": {
            "/zoom/courses/{course_id}/sessions": {
                "get": operation(
                    "course_sessions", "A course's live lectures", ref("Sessions"), [path_param("course_id", "course")]
                )
            },
            "/zoom/occurrences/{occurrence_id}/attendance": {
                "get": operation(
                    "occurrence_attendance",
                    "Attendance of one date of a lecture (course staff)",
                    ref("Attendance"),
                    [path_param("occurrence_id", "date of a lecture")],
                )
            },
        },
    }
