"""Input rules that hold for every request, whichever blueprint answers it: ids in
URLs, JSON parsing and NUL characters. They run before any view, so no plugin has to
remember them. Field-by-field checks of bodies live in ``lms_core.api.validation``."""
from __future__ import annotations

from flask import abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from lms_core.api.validation import MAX_INT, loads


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, at most a 64-bit integer.
    Werkzeug's own converter reads any Unicode digit and any size."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_INT if max is None else max, signed=signed)


class StrictJSONProvider(DefaultJSONProvider):
    """``request.get_json()`` everywhere refuses NaN, Infinity, overflowing numbers and
    JSON nested past ``MAX_JSON_DEPTH`` (a 400, or ``None`` with ``silent=True``),
    instead of handing them to a view or failing deep in the parser."""

    def loads(self, s, **kwargs):
        return loads(s)


def refuse_nul_characters() -> None:
    """No text anywhere may hold a NUL character: PostgreSQL refuses to store one,
    and no form or query parameter needs it."""
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        abort(400)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
            abort(400)
