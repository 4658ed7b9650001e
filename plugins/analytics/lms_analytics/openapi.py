"""The plugin's part of the OpenAPI document (``lms_openapi``): the Infinity endpoints
of ``api.py``. Component names start with ``analytics_``."""

from __future__ import annotations

from lms_core.api.openapi import INTEGER, STRING, obj, ok, operation, ref

from lms_analytics.api import TABLES, TIMESERIES

TAG = "analytics"
NUMBER = {"type": "number"}
MAYBE_NUMBER = {"type": ["number", "null"]}
RANGE = [
    {
        "name": "from",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "format": "date"},
        "description": "First day (ISO date, UTC), included; default: 30 days before `to`",
    },
    {
        "name": "to",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "format": "date"},
        "description": "Last day (ISO date, UTC), included; default: today",
    },
    {
        "name": "course_id",
        "in": "query",
        "required": False,
        "schema": INTEGER,
        "description": "One course (default: every course the caller teaches, or all for admins)",
    },
]


def _name(key: str, values) -> dict:
    return {"name": key, "in": "path", "required": True, "schema": {"enum": sorted(values)}}


def document() -> dict:
    errors = ("Invalid", "Unauthorized", "Forbidden", "NotFound")
    return {
        "tags": [
            {
                "name": TAG,
                "description": "Analytics for Grafana's Infinity data source and other BI tools: "
                "time series and tables per metric, with a date range",
            }
        ],
        "paths": {
            "/analytics/metrics": {
                "get": operation(
                    "analytics_list_metrics",
                    "The metrics and tables this API serves",
                    TAG,
                    {"200": ok({"type": "array", "items": ref("analytics_Metric")}, "The metrics")},
                    errors=("Unauthorized", "Forbidden"),
                )
            },
            "/analytics/timeseries/{metric}": {
                "get": operation(
                    "analytics_timeseries",
                    "One value per day of a metric",
                    TAG,
                    {"200": ok({"type": "array", "items": ref("analytics_Point")}, "One row per day of the range")},
                    parameters=[_name("metric", TIMESERIES), *RANGE],
                    errors=errors,
                )
            },
            "/analytics/tables/{table}": {
                "get": operation(
                    "analytics_table",
                    "A table of one row per course or per quiz",
                    TAG,
                    {
                        "200": ok(
                            {
                                "type": "array",
                                "items": {"oneOf": [ref("analytics_CourseRow"), ref("analytics_QuizRow")]},
                            },
                            "The rows",
                        )
                    },
                    parameters=[_name("table", TABLES), *RANGE],
                    errors=errors,
                )
            },
        },
        "components": {
            "schemas": {
                "analytics_Metric": obj(
                    {"metric": STRING, "kind": {"enum": ["timeseries", "table"]}, "description": STRING}
                ),
                "analytics_Point": obj({"time": {"type": "string", "format": "date-time"}, "value": NUMBER}),
                "analytics_CourseRow": obj(
                    {
                        "course_id": INTEGER,
                        "course": STRING,
                        "hours": NUMBER,
                        "peak_active_learners": INTEGER,
                        "enrolments": INTEGER,
                        "completions": INTEGER,
                        "attempts": INTEGER,
                    }
                ),
                "analytics_QuizRow": obj(
                    {
                        "quiz_id": INTEGER,
                        "course_id": INTEGER,
                        "quiz": STRING,
                        "attempts": INTEGER,
                        "pass_rate": MAYBE_NUMBER,
                        "mean_percent": MAYBE_NUMBER,
                    }
                ),
            }
        },
    }
