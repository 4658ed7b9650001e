"""The client's input: its JSON shape and types are checked here, field by field and
before any service runs, so a malformed request gets every field's problem at once
and writes nothing. The values themselves are the services' to judge.

A body is described by a dict of field name to a *rule*: a function that returns
the cleaned value or raises :class:`FieldError` with a message for the client.
"""
from __future__ import annotations

import json
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _

from lms_core.services import ServiceError

Rule = Callable[[Any], Any]


class FieldError(ValueError):
    """A field's value is wrong; the message is shown to the client."""


def invalid(fields: dict[str, str], message: str | None = None) -> ServiceError:
    return ServiceError("invalid", message or _("Please correct the marked fields."), 400, fields)


# ------------------------------------------------------------------ bodies


def json_object() -> dict:
    """The request body as a JSON object (415 for another media type, 400 when malformed)."""
    if not request.is_json:
        raise ServiceError("unsupported_media_type", _("Send the request body as application/json."), 415)
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        raise invalid({"body": _("The request body is not valid JSON.")}, _("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise invalid({"body": _("The request body must be a JSON object.")})
    return data


def read_body(rules: dict[str, Rule], required: tuple[str, ...] = ()) -> dict:
    """Check a JSON object against ``rules``; unknown and missing fields are errors.
    Returns the cleaned values of the fields that were sent."""
    data = json_object()
    cleaned, errors = {}, {}
    for name, value in data.items():
        rule = rules.get(name)
        if rule is None:
            errors[name] = _("Unknown field.")
            continue
        try:
            cleaned[name] = rule(value)
        except FieldError as exc:
            errors[name] = str(exc)
    for name in required:
        if name not in data:
            errors[name] = _("This field is required.")
    if errors:
        raise invalid(errors)
    return cleaned


def text(max_length: int, blank: bool = False, nullable: bool = False) -> Rule:
    def rule(value):
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise FieldError(_("Must be a string."))
        value = value.strip()
        if not value and not blank:
            raise FieldError(_("Must not be empty."))
        if len(value) > max_length:
            raise FieldError(_("Must be at most %(n)d characters long.", n=max_length))
        return value

    return rule


def string(value):
    if not isinstance(value, str):
        raise FieldError(_("Must be a string."))
    return value


def boolean(value):
    if not isinstance(value, bool):
        raise FieldError(_("Must be true or false."))
    return value


def language(nullable: bool = False) -> Rule:
    def rule(value):
        if value is None and nullable:
            return None
        if value not in current_app.config["LMS_LANGUAGES"]:
            raise FieldError(_("Must be one of: %(choices)s.", choices=", ".join(current_app.config["LMS_LANGUAGES"])))
        return value

    return rule


def timezone(value):
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise FieldError(_("Must be a time zone name such as Europe/Moscow."))
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(_("Unknown time zone.")) from None
    return value


def answers(value) -> dict:
    """Quiz answers: question id → a choice id, a list of choice ids, a text, or null."""
    if not isinstance(value, dict):
        raise FieldError(_("Must be an object mapping question ids to answers."))
    for key, answer in value.items():
        if not key.isdigit() or not _answer_shaped(answer):
            raise FieldError(_("Question %(id)s: an answer is a choice id, a list of choice ids, a text or null.",
                               id=key))
    return value


def _answer_shaped(answer) -> bool:
    if answer is None or isinstance(answer, str) or (isinstance(answer, int) and not isinstance(answer, bool)):
        return True
    return isinstance(answer, list) and all(
        isinstance(item, (int, str)) and not isinstance(item, bool) for item in answer)


# ------------------------------------------------------------------ query parameters


def content_language() -> str:
    """``?lang=`` if given (one of the configured languages), else the interface language."""
    requested = request.args.get("lang")
    if requested is None:
        return str(get_locale() or current_app.config["LMS_DEFAULT_LANGUAGE"])
    try:
        return language()(requested)
    except FieldError as exc:
        raise invalid({"lang": str(exc)}) from None


def int_arg(name: str, default: int | None = None, minimum: int = 1, maximum: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
        if value < minimum or (maximum is not None and value > maximum):
            raise ValueError
    except ValueError:
        if maximum is None:
            message = _("Must be a whole number of at least %(min)d.", min=minimum)
        else:
            message = _("Must be a whole number from %(min)d to %(max)d.", min=minimum, max=maximum)
        raise invalid({name: message}) from None
    return value


def bool_arg(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise invalid({name: _("Must be true or false.")})


def page_args() -> tuple[int, int]:
    return int_arg("page", 1), int_arg("per_page", 20, maximum=100)
