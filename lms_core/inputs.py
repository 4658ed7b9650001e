"""Input rules that hold for every request, whichever blueprint answers it: ids in
URLs, JSON parsing and NUL characters. They run before any view, so no plugin has to
remember them. Field-by-field checks of bodies live in ``lms_core.api.validation``."""

from __future__ import annotations

from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from lms_core.api.validation import MAX_INT, loads


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, at most a 64-bit integer.
    Werkzeug's own converter reads any Unicode digit and any size."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_INT:
            # Not a ValidationError: the router would go on to other rules and could
            # answer 405 for a URL that simply names no row.
            raise NotFound()
        return number


class StrictJSONProvider(DefaultJSONProvider):
    """``request.get_json()`` everywhere refuses NaN, Infinity, overflowing numbers and
    JSON nested past ``MAX_JSON_DEPTH`` (a 400, or ``None`` with ``silent=True``),
    instead of handing them to a view or failing deep in the parser."""

    def loads(self, s, **kwargs):
        return loads(s)


def refuse_nul_characters() -> None:
    """No text anywhere may hold a NUL character: PostgreSQL refuses to store one,
    and no form or query parameter needs it."""
    sent = [("path", request.path), *request.args.items(multi=True)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent += request.form.items(multi=True)
    for key, value in sent:
        if "\x00" in (key or "") or "\x00" in (value if isinstance(value, str) else ""):
            from flask_babel import gettext as _

            from lms_core.services import ServiceError

            raise ServiceError(
                "invalid",
                _("Text may not contain NUL characters."),
                400,
                {key.replace("\x00", "")[:60]: _("Text may not contain NUL characters.")},
            )
