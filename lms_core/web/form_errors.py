"""A refused service call shown on the form that made it."""

from __future__ import annotations

from typing import Any

from lms_core.services import ServiceError


def mark_form_errors(form: Any, exc: ServiceError, aliases: dict[str, str] | None = None) -> dict[str, str]:
    """Put a ``ServiceError``'s field messages on the form's fields of the same name
    (WTForms; ``aliases`` maps a service's field name to the form's where they differ),
    so the page shows each next to its field; returns them all, so a template can show
    those that belong to no single field."""
    for name, message in exc.fields.items():
        field = getattr(form, (aliases or {}).get(name, name), None)
        if field is not None and not hasattr(field, "entries"):
            field.errors = [*field.errors, message]
    return dict(exc.fields)


def refused_status(exc: ServiceError) -> int:
    """The status of a refused form: 400 unless the service said 409 (a conflict)."""
    return exc.status if exc.status in (400, 409) else 400
