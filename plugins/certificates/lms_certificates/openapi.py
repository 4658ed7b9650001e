"""The plugin's part of ``/api/v1/openapi.json`` (the ``lms_openapi`` hook)."""

from __future__ import annotations

# The core's schema helpers, so every part of the document is built alike.
from lms_core.api.openapi import JSON, MAYBE_WHEN, STRING, WHEN, obj

MAYBE_STRING = {"type": ["string", "null"]}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _errors(*names: str) -> dict:
    statuses = {"Unauthorized": "401", "Forbidden": "403", "NotFound": "404", "Conflict": "409"}
    return {statuses[name]: _ref("responses", name) for name in names}


def _verdict_schema() -> dict:
    return obj(
        {
            "number": {"type": "string", "description": "Canonical when well formed, else as given"},
            "status": {"type": "string", "enum": ["valid", "expired", "revoked", "unknown", "forged"]},
            "valid": {"type": "boolean"},
            "reason": {
                "type": ["string", "null"],
                "enum": ["malformed", "mistyped", "not_found", None],
                "description": "Why a number is unknown",
            },
            "signature": {"type": "string", "enum": ["absent", "valid", "invalid"]},
            "certificate": {
                "oneOf": [
                    {"type": "null"},
                    obj(
                        {
                            "learner": STRING,
                            "course": STRING,
                            "issuer": STRING,
                            "issued_at": WHEN,
                            "expires_at": MAYBE_WHEN,
                        }
                    ),
                ]
            },
            "revocation": {
                "oneOf": [
                    {"type": "null"},
                    obj(
                        {
                            "revoked_at": WHEN,
                            "reason": MAYBE_STRING,
                            "replaced_by": {"type": ["string", "null"], "description": "The number that replaced it"},
                        }
                    ),
                ]
            },
        }
    )


def _certificate_schema() -> dict:
    return obj(
        {
            "id": {"type": "integer"},
            "number": STRING,
            "status": {"type": "string", "enum": ["valid", "revoked"]},
            "learner": STRING,
            "course": obj({"id": {"type": ["integer", "null"]}, "title": STRING}),
            "issuer": STRING,
            "language": STRING,
            "completed_at": WHEN,
            "issued_at": WHEN,
            "expires_at": MAYBE_WHEN,
            "revoked_at": MAYBE_WHEN,
            "revoked_reason": MAYBE_STRING,
            "pdf_ready": {"type": "boolean"},
            "pdf_url": {"type": ["string", "null"], "format": "uri"},
            "verification_url": {"type": "string", "format": "uri", "description": "Signed, as in the QR code"},
            "previous_numbers": {"type": "array", "items": STRING},
        }
    )


def fragment() -> dict:
    certificate_id = {"name": "certificate_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    number = {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": STRING,
        "description": "As printed or typed: case, spaces and dashes do not matter",
    }
    signature = {
        "name": "s",
        "in": "query",
        "required": False,
        "schema": STRING,
        "description": "The signature from the QR code's URL; a wrong one makes the answer `forged`",
    }
    verdict = {
        "description": "What the number is worth",
        "content": {JSON: {"schema": _ref("schemas", "certificatesVerdict")}},
    }
    return {
        "tags": [{"name": "certificates"}],
        "paths": {
            "/certificates": {
                "get": {
                    "operationId": "certificatesListMine",
                    "summary": "The caller's certificates, newest first",
                    "tags": ["certificates"],
                    "responses": {
                        "200": {
                            "description": "The certificates",
                            "content": {
                                JSON: {
                                    "schema": obj(
                                        {
                                            "certificates": {
                                                "type": "array",
                                                "items": _ref("schemas", "certificatesCertificate"),
                                            }
                                        }
                                    )
                                }
                            },
                        },
                        **_errors("Unauthorized"),
                    },
                }
            },
            "/certificates/{certificate_id}": {
                "parameters": [certificate_id],
                "get": {
                    "operationId": "certificatesGet",
                    "summary": "One certificate (its learner, course staff, admins)",
                    "tags": ["certificates"],
                    "responses": {
                        "200": {
                            "description": "The certificate",
                            "content": {JSON: {"schema": _ref("schemas", "certificatesCertificate")}},
                        },
                        **_errors("Unauthorized", "Forbidden", "NotFound"),
                    },
                },
            },
            "/certificates/{certificate_id}/pdf": {
                "parameters": [certificate_id],
                "get": {
                    "operationId": "certificatesGetPdf",
                    "summary": "The certificate's PDF",
                    "tags": ["certificates"],
                    "responses": {
                        "200": {
                            "description": "The PDF",
                            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                        },
                        **_errors("Unauthorized", "Forbidden", "NotFound", "Conflict"),
                    },
                },
            },
            "/certificates/verify/{number}": {
                "parameters": [number, signature],
                "get": {
                    "operationId": "certificatesVerify",
                    "summary": "Verify a certificate number (no sign-in needed)",
                    "tags": ["certificates"],
                    "security": [],
                    "responses": {
                        "200": verdict,
                        "429": {
                            "description": "Too many unknown numbers from this address lately (`rate_limited`)",
                            "content": {JSON: {"schema": _ref("schemas", "Error")}},
                        },
                    },
                },
            },
        },
        "components": {
            "schemas": {"certificatesCertificate": _certificate_schema(), "certificatesVerdict": _verdict_schema()}
        },
    }
