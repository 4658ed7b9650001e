"""The client's input: its JSON shape and types are checked here, field by field and
before any service runs, so a malformed request gets every field's problem at once
and writes nothing. The values themselves are the services' to judge.

A body is described by a dict of field name to a *rule*: a function that returns
the cleaned value or raises :class:`FieldError` with a message for the client.
Rules check JSON types strictly and never coerce: ``"published": "maybe"`` is a 400
naming ``published``, not ``False``. Integers are bounded to what a database column
holds (64 bits), numbers must be finite, texts fit their column.

This module is public for plugins (docs/plugins.md §1): their API views describe
their bodies with the same rules, so every endpoint refuses bad input alike.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _

from lms_core.services import ServiceError

Rule = Callable[[Any], Any]

# The largest id or count a 64-bit signed integer column holds; beyond it a database
# raises instead of answering "no such row".
MAX_INT = 2**63 - 1
# Nested JSON deeper than this is refused before any rule sees it (a body of a few
# kilobytes can otherwise exhaust the parser's recursion).
MAX_JSON_DEPTH = 32


class FieldError(ValueError):
    """A field's value is wrong; the message is shown to the client."""


def invalid(fields: dict[str, str], message: str | None = None) -> ServiceError:
    return ServiceError("invalid", message or _("Please correct the marked fields."), 400, fields)


# ------------------------------------------------------------------ bodies


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def loads(data: str | bytes) -> Any:
    """Parse JSON strictly: no ``NaN``/``Infinity`` (not JSON, and they break every
    comparison), no number that overflows to infinity, at most ``MAX_JSON_DEPTH``
    levels, no NUL character in a string (PostgreSQL cannot store one). Any failure
    is a ``ValueError``. The app's JSON provider uses it, so
    ``request.get_json()`` is strict everywhere too."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    _check_tree(value)
    return value


def _check_tree(value) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError("NUL in a string")
        elif isinstance(item, dict):
            stack.extend((k, depth) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def json_object() -> dict:
    """The request body as a JSON object (415 for another media type, 400 when malformed)."""
    if not request.is_json:
        raise ServiceError("unsupported_media_type", _("Send the request body as application/json."), 415)
    try:
        data = loads(request.get_data(cache=True) or b"null")
    except ValueError:
        raise invalid(
            {"body": _("The request body is not valid JSON.")}, _("The request body is not valid JSON.")
        ) from None
    if not isinstance(data, dict):
        raise invalid({"body": _("The request body must be a JSON object.")})
    return data


def read_body(rules: dict[str, Rule], required: tuple[str, ...] = (), data: dict | None = None) -> dict:
    """Check a JSON object (the request body, or ``data``) against ``rules``; unknown
    and missing fields are errors. Returns the cleaned values of the fields sent."""
    data = json_object() if data is None else data
    cleaned, errors = check_fields(data, rules, required)
    if errors:
        raise invalid(errors)
    return cleaned


def check_fields(data: dict, rules: dict[str, Rule], required=(), prefix: str = "") -> tuple[dict, dict]:
    """``(cleaned, errors)`` of ``data`` against ``rules``; error keys are the fields'
    names (``prefix`` + name for nested objects: ``rubric.0.title``)."""
    cleaned, errors = {}, {}
    for name, value in data.items():
        rule = rules.get(name)
        if rule is None:
            errors[f"{prefix}{name}"] = _("Unknown field.")
            continue
        try:
            cleaned[name] = rule(value)
        except NestedErrors as exc:
            errors.update({f"{prefix}{name}.{key}": message for key, message in exc.errors.items()})
        except FieldError as exc:
            errors[f"{prefix}{name}"] = str(exc)
    for name in required:
        if name not in data:
            errors[f"{prefix}{name}"] = _("This field is required.")
    return cleaned, errors


class NestedErrors(FieldError):
    """Errors inside a list or an object, keyed by their path below the field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


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


FORM_TRUE, FORM_FALSE = frozenset({"1", "true", "on", "yes", "y"}), frozenset({"0", "false", "off", "no", "n", ""})


def form_boolean(value):
    """A boolean sent as a form field (multipart uploads): ``true``/``false``,
    ``1``/``0``, ``on``/``off``; any other text is refused, not read as false."""
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in FORM_TRUE:
        return True
    if text in FORM_FALSE:
        return False
    raise FieldError(_("Must be true or false."))


def nullable(rule: Rule) -> Rule:
    """``rule``, or ``null``."""
    return lambda value: None if value is None else rule(value)


def integer(minimum: int | None = None, maximum: int | None = None) -> Rule:
    """A JSON integer (not a boolean, not a string of digits) within the bounds, and
    always within a 64-bit column. ``2.0`` is accepted as 2; ``2.5`` is not."""
    low = -MAX_INT if minimum is None else minimum
    high = MAX_INT if maximum is None else min(maximum, MAX_INT)

    def rule(value):
        if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_INT:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(_("Must be a whole number."))
        if not low <= value <= high:
            raise FieldError(_range_message(minimum, maximum))
        return value

    return rule


def number(minimum: float | None = None, maximum: float | None = None) -> Rule:
    """A finite JSON number (integer or decimal) within the bounds."""

    def rule(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise FieldError(_("Must be a number."))
        if abs(value) > 1e15 or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise FieldError(_range_message(minimum, maximum))
        return value

    return rule


def _range_message(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return _("Must be from %(min)s to %(max)s.", min=minimum, max=maximum)
    if minimum is not None:
        return _("Must be at least %(min)s.", min=minimum)
    if maximum is not None:
        return _("Must be at most %(max)s.", max=maximum)
    return _("The number is too large.")


def choice(*values) -> Rule:
    """One of ``values`` (compared by JSON type too: ``1`` is not ``"1"``)."""

    def rule(value):
        if not any(type(value) is type(v) and value == v for v in values):
            raise FieldError(_("Must be one of: %(choices)s.", choices=", ".join(map(str, values))))
        return value

    return rule


def list_of(item: Rule, max_items: int = 100) -> Rule:
    """A JSON array of at most ``max_items``, each checked by ``item``."""

    def rule(value):
        if not isinstance(value, list):
            raise FieldError(_("Must be a list."))
        if len(value) > max_items:
            raise FieldError(_("At most %(n)d items.", n=max_items))
        cleaned, errors = [], {}
        for index, element in enumerate(value):
            try:
                cleaned.append(item(element))
            except NestedErrors as exc:
                errors.update({f"{index}.{key}": message for key, message in exc.errors.items()})
            except FieldError as exc:
                errors[str(index)] = str(exc)
        if errors:
            raise NestedErrors(errors)
        return cleaned

    return rule


def object_of(rules: dict[str, Rule], required=()) -> Rule:
    """A JSON object with these fields (unknown ones refused)."""

    def rule(value):
        if not isinstance(value, dict):
            raise FieldError(_("Must be an object."))
        cleaned, errors = check_fields(value, rules, required)
        if errors:
            raise NestedErrors(errors)
        return cleaned

    return rule


def id_mapping(value_rule: Rule, max_items: int = 1000) -> Rule:
    """An object whose keys are ids written in ASCII digits (``{"12": ...}``); the
    cleaned value has ``int`` keys."""

    def rule(value):
        if not isinstance(value, dict):
            raise FieldError(_("Must be an object mapping ids to values."))
        if len(value) > max_items:
            raise FieldError(_("At most %(n)d items.", n=max_items))
        cleaned, errors = {}, {}
        for key, element in value.items():
            if not is_id(key):
                errors[key] = _("%(key)s is not an id.", key=key[:40])
                continue
            try:
                cleaned[int(key)] = value_rule(element)
            except FieldError as exc:
                errors[key] = str(exc)
        if errors:
            raise NestedErrors(errors)
        return cleaned

    return rule


def dict_of(value_rule: Rule, max_items: int = 100, max_key_length: int = 60) -> Rule:
    """An object of names (short strings) to values checked by ``value_rule``."""

    def rule(value):
        if not isinstance(value, dict):
            raise FieldError(_("Must be an object."))
        if len(value) > max_items:
            raise FieldError(_("At most %(n)d items.", n=max_items))
        cleaned, errors = {}, {}
        for key, element in value.items():
            if len(key) > max_key_length:
                errors[key[:max_key_length]] = _("Must be at most %(n)d characters long.", n=max_key_length)
                continue
            try:
                cleaned[key] = value_rule(element)
            except FieldError as exc:
                errors[key] = str(exc)
        if errors:
            raise NestedErrors(errors)
        return cleaned

    return rule


def id_value(text) -> int:
    """``text`` as an id, or ``ValueError``: the ``type=`` of a form or query lookup,
    ``request.form.get("user_id", type=id_value)`` (None when it is not an id)."""
    if not is_id(text):
        raise ValueError(f"not an id: {str(text)[:40]!r}")
    return int(text)


def is_id(text) -> bool:
    """``text`` is an id: ASCII digits only (``"١٢"`` and ``"1_000"`` are not) that
    fit a 64-bit column."""
    return (
        isinstance(text, str) and 0 < len(text) <= 19 and text.isascii() and text.isdigit() and 0 < int(text) <= MAX_INT
    )


def aware_datetime(value):
    """An ISO 8601 date and time with its UTC offset (``2026-05-01T09:00:00+03:00``)."""
    if not isinstance(value, str):
        raise FieldError(_("Must be a date and time in ISO 8601 format."))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(_("Must be a date and time in ISO 8601 format.")) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise FieldError(_("Give the time zone of the date and time."))
    return moment


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
        if not is_id(key) or not _answer_shaped(answer):
            raise FieldError(
                _("Question %(id)s: an answer is a choice id, a list of choice ids, a text or null.", id=key)
            )
    return value


def _answer_shaped(answer) -> bool:
    # Strings up to an essay's length (each question kind's own limit is the service's);
    # lists may hold nulls (a matching item left unmatched).
    if answer is None or (isinstance(answer, str) and len(answer) <= 20000) or _small_int(answer):
        return True
    return (
        isinstance(answer, list)
        and len(answer) <= 100
        and all(item is None or _small_int(item) or (isinstance(item, str) and len(item) <= 1000) for item in answer)
    )


def question_grades(value) -> dict:
    """Essay grades: question id → points (a number from 0)."""
    if not isinstance(value, dict):
        raise FieldError(_("Must be an object mapping question ids to points."))
    for key, points in value.items():
        if (
            not is_id(key)
            or isinstance(points, bool)
            or not isinstance(points, (int, float))
            or not 0 <= points <= MAX_INT
        ):
            raise FieldError(_("Question %(id)s: the points are a number from 0.", id=key))
    return value


def question_comments(value) -> dict:
    """Comments for the learner: question id → text."""
    if not isinstance(value, dict):
        raise FieldError(_("Must be an object mapping question ids to comments."))
    for key, text in value.items():
        if not is_id(key) or not isinstance(text, str) or len(text) > 20000:
            raise FieldError(_("Question %(id)s: a comment is a text of at most 20000 characters.", id=key))
    return value


def _small_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT


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
        # ASCII digits only: int() also reads "١٢", " 12 " and "1_000".
        if not (raw.isascii() and raw.lstrip("-").isdigit() and len(raw) <= 20):
            raise ValueError
        value = int(raw)
        if value < minimum or value > min(maximum if maximum is not None else MAX_INT, MAX_INT):
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


MAX_PAGE = 1_000_000  # far past any real list, and page * per_page stays a small OFFSET


def page_args() -> tuple[int, int]:
    return int_arg("page", 1, maximum=MAX_PAGE), int_arg("per_page", 20, maximum=100)
