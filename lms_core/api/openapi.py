"""The OpenAPI 3.1 description of ``/api/v1``, kept as data next to the views.

``tests/test_api.py`` walks the application's URL map and fails when a route under
``/api/v1`` (or one of its methods) is missing here, or when this document names a
route that does not exist.
"""

from __future__ import annotations

from flask import current_app

import lms_core

JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def answer(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def ok(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def body(schema_name: str, description: str) -> dict:
    return {"required": True, "description": description, "content": {JSON: {"schema": ref(schema_name)}}}


def operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict,
    parameters=(),
    request_body=None,
    unsafe: bool = False,
    errors=("Unauthorized",),
) -> dict:
    op = {"operationId": operation_id, "summary": summary, "tags": [tag], "responses": dict(responses)}
    params = list(parameters) + ([param("CsrfToken")] if unsafe else [])
    if params:
        op["parameters"] = params
    if request_body is not None:
        op["requestBody"] = request_body
    for name in errors:
        op["responses"][STATUS_OF[name]] = answer(name)
    return op


STATUS_OF = {
    "Invalid": "400",
    "Unauthorized": "401",
    "Forbidden": "403",
    "NotFound": "404",
    "Conflict": "409",
    "TooLarge": "413",
    "UnsupportedMediaType": "415",
}
BODY_ERRORS = ("Invalid", "TooLarge", "UnsupportedMediaType")

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
WHEN = {"type": "string", "format": "date-time"}
MAYBE_WHEN = {"type": ["string", "null"], "format": "date-time"}


def obj(properties: dict, required=None, **extra) -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else list(required),
    }
    schema.update(extra)
    return schema


def page(item: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(item)}, "page": INTEGER, "per_page": INTEGER, "total": INTEGER})


def course_fields(language: dict) -> dict:
    return {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "summary": STRING,
        "default_language": language,
        "slug": {
            "type": "string",
            "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$",
            "maxLength": 80,
            "description": "The course's address (default: made from the title)",
        },
        "published": {"type": "boolean", "description": "Whether learners can see and enrol (default: false)"},
    }


def schemas(languages: list[str]) -> dict:
    language = {"type": "string", "enum": languages}
    return {
        "Error": obj(
            {
                "error": obj(
                    {
                        "code": {
                            "type": "string",
                            "description": "Stable, machine-readable code",
                            "examples": [
                                "invalid",
                                "unauthorized",
                                "forbidden",
                                "not_found",
                                "already_enrolled",
                                "no_attempts_left",
                                "already_submitted",
                                "csrf_failed",
                                "too_large",
                                "unsupported_media_type",
                            ],
                        },
                        "message": {"type": "string", "description": "Explanation in the user's language"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": STRING,
                            "description": "Per field (or question id), what is wrong with it",
                        },
                    },
                    required=["code", "message"],
                )
            }
        ),
        "User": obj(
            {
                "id": INTEGER,
                "email": STRING,
                "name": STRING,
                "role": {"type": "string", "enum": ["student", "teacher", "admin"]},
                "locale": {"type": ["string", "null"], "enum": [*languages, None]},
                "timezone": {"type": ["string", "null"]},
                "created_at": WHEN,
            }
        ),
        "UserUpdate": obj(
            {
                "name": {"type": "string", "minLength": 1, "maxLength": 120},
                "locale": {"type": ["string", "null"], "enum": [*languages, None]},
                "timezone": {"type": ["string", "null"], "description": "An IANA time zone name"},
            },
            required=[],
            additionalProperties=False,
        ),
        "CourseSummary": obj(
            {
                "id": INTEGER,
                "slug": STRING,
                "title": STRING,
                "summary": STRING,
                "default_language": language,
                "language": {
                    **language,
                    "description": "The language the texts were asked in (falls back to the "
                    "course's default language field by field)",
                },
                "published": BOOLEAN,
                "can_edit": BOOLEAN,
                "updated_at": WHEN,
            }
        ),
        "CourseList": obj({"items": {"type": "array", "items": ref("CourseSummary")}}),
        "Course": {
            "allOf": [
                ref("CourseSummary"),
                obj(
                    {
                        "outline": {"type": "array", "items": ref("OutlineItem")},
                        "enrollment": {"oneOf": [ref("Enrollment"), {"type": "null"}]},
                    }
                ),
            ]
        },
        "OutlineItem": obj(
            {
                "type": {"type": "string", "enum": ["lesson", "quiz"]},
                "id": INTEGER,
                "title": STRING,
                "position": INTEGER,
                "published": BOOLEAN,
                "completed": {"type": "boolean", "description": "Lessons: done by the caller"},
                "passed": {"type": "boolean", "description": "Quizzes: passed by the caller"},
            },
            required=["type", "id", "title", "position", "published"],
        ),
        "CourseCreate": obj(course_fields(language), required=["title"], additionalProperties=False),
        "CourseUpdate": obj(course_fields(language), required=[], additionalProperties=False),
        "Enrollment": obj(
            {
                "id": INTEGER,
                "course": obj({"id": INTEGER, "slug": STRING, "title": STRING}),
                "status": {"type": "string", "enum": ["pending", "active", "completed"]},
                "hold_reason": {"type": ["string", "null"]},
                "enrolled_at": WHEN,
                "completed_at": MAYBE_WHEN,
            }
        ),
        "EnrollmentList": obj({"items": {"type": "array", "items": ref("Enrollment")}}),
        "Requirement": obj({"label": STRING, "met": BOOLEAN, "url": {"type": ["string", "null"]}}),
        "Progress": obj(
            {
                "course_id": INTEGER,
                "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                "met": INTEGER,
                "total": INTEGER,
                "complete": BOOLEAN,
                "enrollment": {"oneOf": [ref("Enrollment"), {"type": "null"}]},
                "requirements": {"type": "array", "items": ref("Requirement")},
            }
        ),
        "Lesson": obj(
            {
                "id": INTEGER,
                "course_id": INTEGER,
                "position": INTEGER,
                "title": STRING,
                "body_markdown": STRING,
                "body_html": {"type": "string", "description": "Sanitised HTML rendered from the Markdown"},
                "language": language,
                "published": BOOLEAN,
                "completed": BOOLEAN,
                "updated_at": WHEN,
            }
        ),
        "LessonCompletion": obj(
            {
                "lesson_id": INTEGER,
                "completed": {"const": True},
                "first_time": {"type": "boolean", "description": "false when the lesson was already done"},
                "progress": ref("Progress"),
            }
        ),
        "Choice": obj(
            {
                "id": INTEGER,
                "text": STRING,
                "correct": {"type": "boolean", "description": "Only for the course's staff"},
            },
            required=["id", "text"],
        ),
        "Match": obj({"id": INTEGER, "text": STRING}),
        "Question": obj(
            {
                "id": INTEGER,
                "kind": {
                    "type": "string",
                    "enum": ["single", "multiple", "text", "numeric", "matching", "ordering", "essay"],
                },
                "text": STRING,
                "points": INTEGER,
                "choices": {
                    "type": "array",
                    "items": ref("Choice"),
                    "description": "Options; the items of matching and ordering questions (ordering: shuffled for learners)",
                },
                "matches": {
                    "type": "array",
                    "items": ref("Match"),
                    "description": "Matching questions: the texts to match the items with (shuffled for learners); "
                    "each is named by the id of the item it belongs to",
                },
                "accepted_answers": {
                    "type": "array",
                    "items": STRING,
                    "description": "Only for the course's staff (text and numeric questions)",
                },
                "tolerance": {"type": ["number", "null"], "description": "Only for the course's staff"},
                "feedback": {"type": "string", "description": "Only for the course's staff"},
            },
            required=["id", "kind", "text", "points", "choices"],
        ),
        "Quiz": obj(
            {
                "id": INTEGER,
                "course_id": INTEGER,
                "position": INTEGER,
                "title": STRING,
                "description": STRING,
                "language": language,
                "pass_percent": INTEGER,
                "max_attempts": {"type": ["integer", "null"]},
                "time_limit_minutes": {"type": ["integer", "null"]},
                "published": BOOLEAN,
                "review_policy": {
                    "type": "string",
                    "enum": ["never", "after_attempt", "after_last_attempt", "after_deadline"],
                    "description": "When learners see the correct answers and feedback of their attempts",
                },
                "due_at": {**MAYBE_WHEN, "description": "The deadline: no attempt starts after it (null: none)"},
                "attempts_left": {"type": ["integer", "null"], "description": "null: unlimited"},
                "open_attempt_id": {"type": ["integer", "null"]},
                "questions": {"type": "array", "items": ref("Question")},
            }
        ),
        "Answer": {
            "description": "single: a choice id; multiple: a list of choice ids; text, essay: a string; "
            "numeric: a number as a string; matching: for each item in the question's order, the id of the match "
            "picked (null: none); ordering: the item ids in the learner's order",
            "oneOf": [
                {"type": "integer"},
                {"type": "string"},
                {"type": "null"},
                {"type": "array", "items": {"type": ["integer", "string", "null"]}},
            ],
        },
        "SubmitAnswers": obj(
            {
                "answers": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[0-9]+$"},
                    "additionalProperties": ref("Answer"),
                    "description": "Question id to answer; unanswered questions score 0",
                }
            },
            additionalProperties=False,
        ),
        "Attempt": obj(
            {
                "id": INTEGER,
                "quiz_id": INTEGER,
                "course_id": INTEGER,
                "user": obj({"id": INTEGER, "name": STRING}),
                "number": INTEGER,
                "status": {"type": "string", "enum": ["open", "submitted"]},
                "started_at": WHEN,
                "deadline": {**MAYBE_WHEN, "description": "When the time limit ends (null: no limit)"},
                "submitted_at": MAYBE_WHEN,
                "answers": {"type": "object", "additionalProperties": ref("Answer")},
                "score": {"type": ["number", "null"]},
                "max_score": {"type": ["number", "null"]},
                "percent": {"type": ["number", "null"]},
                "passed": {"type": ["boolean", "null"]},
                "timed_out": BOOLEAN,
                "needs_grading": {"type": "boolean", "description": "Submitted, its essays wait for the teacher"},
                "graded_at": MAYBE_WHEN,
                "results": {
                    "type": ["object", "null"],
                    "additionalProperties": {"type": ["number", "null"]},
                    "description": "Points earned per question id, once submitted (null: an essay not graded yet)",
                },
                "comments": {"type": "object", "additionalProperties": STRING, "description": "The teacher's"},
                "review": {
                    "type": ["object", "null"],
                    "additionalProperties": obj({"correct_answer": ref("Answer"), "feedback": STRING}),
                    "description": "Per question id, the correct answer and feedback; null until the quiz's "
                    "review policy shows them",
                },
            }
        ),
        "GradeAttempt": obj(
            {
                "scores": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[0-9]+$"},
                    "additionalProperties": {"type": "number", "minimum": 0},
                    "description": "Essay question id to points",
                },
                "comments": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[0-9]+$"},
                    "additionalProperties": {"type": "string", "maxLength": 20000},
                    "description": "Question id to a comment for the learner",
                },
            },
            required=["scores"],
            additionalProperties=False,
        ),
        "OwnAttempts": obj(
            {"items": {"type": "array", "items": ref("Attempt")}, "attempts_left": {"type": ["integer", "null"]}}
        ),
        "AttemptPage": page("Attempt"),
        "Notification": obj(
            {
                "id": INTEGER,
                "kind": STRING,
                "title": STRING,
                "body": STRING,
                "url": {"type": ["string", "null"]},
                "created_at": WHEN,
                "read_at": MAYBE_WHEN,
                "read": BOOLEAN,
            }
        ),
        "NotificationPage": {"allOf": [page("Notification"), obj({"unread": INTEGER})]},
        "NotificationRead": obj({"notification": ref("Notification"), "unread": INTEGER}),
        "NotificationsRead": obj({"changed": INTEGER, "unread": INTEGER}),
    }


def path_param(name: str, what: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id",
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    }


def query_param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def parameters(languages: list[str]) -> dict:
    return {
        "CourseId": path_param("course_id", "course"),
        "LessonId": path_param("lesson_id", "lesson"),
        "QuizId": path_param("quiz_id", "quiz"),
        "AttemptId": path_param("attempt_id", "attempt"),
        "NotificationId": path_param("notification_id", "notification"),
        "Lang": query_param(
            "lang",
            "Language of course content (default: the user's interface language)",
            {"type": "string", "enum": languages},
        ),
        "Page": query_param("page", "Page number, from 1", {"type": "integer", "minimum": 1, "default": 1}),
        "PerPage": query_param(
            "per_page", "Items per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
        ),
        "CsrfToken": {
            "name": "X-CSRFToken",
            "in": "header",
            "required": False,
            "description": "Required with cookie authentication on unsafe methods (the page's "
            "csrf-token meta tag); not needed with a bearer token",
            "schema": {"type": "string"},
        },
    }


def responses() -> dict:
    described = {
        "Invalid": "Malformed JSON, wrong types or values (`invalid`, with `fields`), a missing CSRF header "
        "(`csrf_failed`) or answers or grades a service refused (`invalid_answers`, `invalid_grades`)",
        "Unauthorized": "No session and no valid bearer token (`unauthorized`)",
        "Forbidden": "The user may not do this (`forbidden`, or a plugin's refusal code)",
        "NotFound": "No such object (`not_found`)",
        "Conflict": "The current state forbids it (`already_enrolled`, `no_attempts_left`, `already_submitted`, "
        "`quiz_closed`, `not_submitted`, `nothing_to_grade`, "
        "`quiz_empty`, `course_not_published`, `slug_taken`)",
        "TooLarge": "The request body is over 1 MiB (`too_large`)",
        "UnsupportedMediaType": "The body is not `application/json` (`unsupported_media_type`)",
    }
    return {
        name: {"description": text, "content": {JSON: {"schema": ref("Error")}}} for name, text in described.items()
    }


def paths() -> dict:
    lang, paging = param("Lang"), [param("Page"), param("PerPage")]
    user_filter = query_param("user_id", "Only this learner's", {"type": "integer", "minimum": 1})
    return {
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {"description": "The OpenAPI document", "content": {JSON: {"schema": {"type": "object"}}}}
                },
            }
        },
        "/me": {
            "get": operation("getMe", "The current user", "me", {"200": ok(ref("User"), "The current user")}),
            "patch": operation(
                "updateMe",
                "Change the current user's name, language or time zone",
                "me",
                {"200": ok(ref("User"), "The updated user")},
                request_body=body("UserUpdate", "The fields to change"),
                unsafe=True,
                errors=("Unauthorized", *BODY_ERRORS),
            ),
        },
        "/me/enrollments": {
            "get": operation(
                "listMyEnrollments",
                "The current user's enrolments, newest first",
                "enrolments",
                {"200": ok(ref("EnrollmentList"), "Enrolments")},
            )
        },
        "/courses": {
            "get": operation(
                "listCourses",
                "Published courses, plus the ones a teacher teaches",
                "courses",
                {"200": ok(ref("CourseList"), "Courses ordered by title")},
                [lang],
                errors=("Invalid", "Unauthorized"),
            ),
            "post": operation(
                "createCourse",
                "Create a course (teachers); its creator becomes its staff",
                "courses",
                {"201": ok(ref("Course"), "The new course")},
                request_body=body("CourseCreate", "The new course"),
                unsafe=True,
                errors=("Unauthorized", "Forbidden", "Conflict", *BODY_ERRORS),
            ),
        },
        "/courses/{course_id}": {
            "parameters": [param("CourseId")],
            "get": operation(
                "getCourse",
                "A course with its outline and the caller's enrolment",
                "courses",
                {"200": ok(ref("Course"), "The course")},
                [lang],
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound"),
            ),
            "patch": operation(
                "updateCourse",
                "Change a course's own fields (its staff)",
                "courses",
                {"200": ok(ref("Course"), "The updated course")},
                [lang],
                request_body=body("CourseUpdate", "The fields to change"),
                unsafe=True,
                errors=("Unauthorized", "Forbidden", "NotFound", "Conflict", *BODY_ERRORS),
            ),
        },
        "/courses/{course_id}/enrollment": {
            "parameters": [param("CourseId")],
            "get": operation(
                "getMyEnrollment",
                "The caller's enrolment in the course",
                "enrolments",
                {"200": ok(ref("Enrollment"), "The enrolment")},
                errors=("Unauthorized", "NotFound"),
            ),
            "post": operation(
                "enrol",
                "Enrol the caller (a plugin may hold it as `pending`)",
                "enrolments",
                {"201": ok(ref("Enrollment"), "The new enrolment")},
                unsafe=True,
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound", "Conflict"),
            ),
        },
        "/courses/{course_id}/progress": {
            "parameters": [param("CourseId")],
            "get": operation(
                "getProgress",
                "Completion requirements and how many are met",
                "progress",
                {"200": ok(ref("Progress"), "Progress")},
                [
                    query_param(
                        "user_id",
                        "A learner's progress instead of the caller's (staff only)",
                        {"type": "integer", "minimum": 1},
                    )
                ],
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound"),
            ),
        },
        "/courses/{course_id}/attempts": {
            "parameters": [param("CourseId")],
            "get": operation(
                "listCourseAttempts",
                "Every learner's quiz attempts in the course, newest first (staff only)",
                "attempts",
                {"200": ok(ref("AttemptPage"), "A page of attempts")},
                [*paging, query_param("quiz_id", "Only this quiz's", {"type": "integer", "minimum": 1}), user_filter],
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound"),
            ),
        },
        "/lessons/{lesson_id}": {
            "parameters": [param("LessonId")],
            "get": operation(
                "getLesson",
                "A lesson, as Markdown and as sanitised HTML",
                "lessons",
                {"200": ok(ref("Lesson"), "The lesson")},
                [lang],
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound"),
            ),
        },
        "/lessons/{lesson_id}/complete": {
            "parameters": [param("LessonId")],
            "post": operation(
                "completeLesson",
                "Mark a lesson done (idempotent); may complete the course",
                "lessons",
                {"200": ok(ref("LessonCompletion"), "Done, with the course progress")},
                unsafe=True,
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound"),
            ),
        },
        "/quizzes/{quiz_id}": {
            "parameters": [param("QuizId")],
            "get": operation(
                "getQuiz",
                "A quiz; correct answers only for the course's staff",
                "quizzes",
                {"200": ok(ref("Quiz"), "The quiz")},
                [lang],
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound"),
            ),
        },
        "/quizzes/{quiz_id}/attempts": {
            "parameters": [param("QuizId")],
            "get": operation(
                "listMyAttempts",
                "The caller's attempts at the quiz",
                "attempts",
                {"200": ok(ref("OwnAttempts"), "Attempts, first to last")},
                errors=("Unauthorized", "Forbidden", "NotFound"),
            ),
            "post": operation(
                "startAttempt",
                "Start an attempt, or get the one still open",
                "attempts",
                {
                    "201": ok(ref("Attempt"), "A new attempt"),
                    "200": ok(ref("Attempt"), "The attempt that was already open"),
                },
                unsafe=True,
                errors=("Invalid", "Unauthorized", "Forbidden", "NotFound", "Conflict"),
            ),
        },
        "/attempts/{attempt_id}": {
            "parameters": [param("AttemptId")],
            "get": operation(
                "getAttempt",
                "An attempt (its learner and the course's staff)",
                "attempts",
                {"200": ok(ref("Attempt"), "The attempt")},
                errors=("Unauthorized", "Forbidden", "NotFound"),
            ),
        },
        "/attempts/{attempt_id}/submit": {
            "parameters": [param("AttemptId")],
            "post": operation(
                "submitAttempt",
                "Submit the answers of an open attempt and get it scored",
                "attempts",
                {"200": ok(ref("Attempt"), "The scored attempt")},
                request_body=body("SubmitAnswers", "The answers"),
                unsafe=True,
                errors=("Unauthorized", "Forbidden", "NotFound", "Conflict", *BODY_ERRORS),
            ),
        },
        "/attempts/{attempt_id}/grade": {
            "parameters": [param("AttemptId")],
            "post": operation(
                "gradeAttempt",
                "Give an attempt's essay answers their points (the course's staff); the first grading completes it",
                "attempts",
                {"200": ok(ref("Attempt"), "The graded attempt")},
                request_body=body("GradeAttempt", "Points and comments per question"),
                unsafe=True,
                errors=("Unauthorized", "Forbidden", "NotFound", "Conflict", *BODY_ERRORS),
            ),
        },
        "/notifications": {
            "get": operation(
                "listNotifications",
                "The inbox, newest first",
                "notifications",
                {"200": ok(ref("NotificationPage"), "A page of notifications and the unread count")},
                [
                    *paging,
                    query_param(
                        "unread",
                        "Only unread (true) or only read (false) ones",
                        {"type": "string", "enum": ["true", "false", "1", "0"]},
                    ),
                ],
                errors=("Invalid", "Unauthorized"),
            )
        },
        "/notifications/read": {
            "post": operation(
                "markAllNotificationsRead",
                "Mark every notification read",
                "notifications",
                {"200": ok(ref("NotificationsRead"), "How many changed")},
                unsafe=True,
                errors=("Invalid", "Unauthorized"),
            )
        },
        "/notifications/{notification_id}/read": {
            "parameters": [param("NotificationId")],
            "post": operation(
                "markNotificationRead",
                "Mark one notification read",
                "notifications",
                {"200": ok(ref("NotificationRead"), "The notification")},
                unsafe=True,
                errors=("Invalid", "Unauthorized", "NotFound"),
            ),
        },
    }


def document() -> dict:
    """The core's document with the fragments of every enabled plugin merged in."""
    from lms_core.plugins import get_plugin_manager

    doc = core_document()
    for _plugin_name, fragment in get_plugin_manager().call_each_with_names("lms_openapi"):
        for path, operations in fragment.get("paths", {}).items():
            doc["paths"].setdefault(path, {}).update(operations)
        for section, items in fragment.get("components", {}).items():
            doc["components"].setdefault(section, {}).update(items)
        doc["tags"].extend(t for t in fragment.get("tags", []) if t not in doc["tags"])
    # The input rules of lms_core.inputs hold for every request (a NUL character in a
    # parameter, a malformed body): any operation may answer 400.
    for item in doc["paths"].values():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete") and "400" not in op.get("responses", {}):
                op.setdefault("responses", {})["400"] = answer("Invalid")
    return doc


def core_document() -> dict:
    languages = list(current_app.config["LMS_LANGUAGES"])
    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['LMS_SITE_NAME']} API",
            "version": lms_core.__version__,
            "description": "The LMS's JSON API. Errors are `{\"error\": {\"code\", \"message\", \"fields\"?}}` "
            "with a stable `code`; messages are in the user's language.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "tags": [
            {"name": name}
            for name in (
                "me",
                "courses",
                "enrolments",
                "progress",
                "lessons",
                "quizzes",
                "attempts",
                "notifications",
                "meta",
            )
        ],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, created on the account page",
                },
                "cookieAuth": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": cookie,
                    "description": "The web session; unsafe methods also need the X-CSRFToken header",
                },
            },
            "schemas": schemas(languages),
            "parameters": parameters(languages),
            "responses": responses(),
        },
    }
