"""Checks and clean-ups every authoring service shares."""

from __future__ import annotations

from flask_babel import gettext as _

from lms_core.services import ServiceError

TITLE_MAX_LENGTH = 200  # the width of every title column


def _raise_invalid(errors: dict) -> None:
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)


def _text(value: str | None) -> str:
    """Multi-line text as stored: browsers send CRLF, the source hashes must not see it."""
    return (value or "").replace("\r\n", "\n")


def _check_position(position, errors: dict) -> None:
    if position is not None and position < 0:
        errors["position"] = _("The position must be zero or more.")


def _check_title(title: str, errors: dict) -> None:
    if not (title or "").strip():
        errors["title"] = _("Enter a title.")
    elif len(title.strip()) > TITLE_MAX_LENGTH:
        errors["title"] = _("The title is too long (%(n)d characters at most).", n=TITLE_MAX_LENGTH)
