"""Event payloads to JSON and back, so a redelivered event gives its handlers exactly
the values the first delivery gave.

JSON values stay themselves; everything else is a tagged object ``{"$t": tag, "v": ...}``:
``datetime``, ``date``, ``Decimal``, ``tuple``, dicts, and frozen dataclasses, whose
tag is their import path (``lms_core.payloads:UserInfo``,
``lms_assignments.payloads:AssignmentInfo``). A plugin's own snapshot types need no
registration: a frozen dataclass at module level keeps working as long as it keeps its
import path and only ever gains fields (with defaults). Anything else is refused when
the event is emitted, not when it is redelivered a day later.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from importlib import import_module


class PayloadError(TypeError):
    """A value in an event's payload cannot be stored in the event log."""


def encode(payload: dict) -> str:
    return json.dumps(
        {name: _encode(value, name) for name, value in payload.items()}, separators=(",", ":"), ensure_ascii=False
    )


def decode(text: str) -> dict:
    return {name: _decode(value) for name, value in json.loads(text).items()}


def _encode(value, where: str):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {"$t": "float", "v": repr(value)}
        return value
    if isinstance(value, datetime):
        return {"$t": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$t": "date", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$t": "decimal", "v": str(value)}
    if isinstance(value, (list, tuple)):
        items = [_encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return items if isinstance(value, list) else {"$t": "tuple", "v": items}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise PayloadError(f"{where}: dictionary keys in an event payload must be strings")
        return {"$t": "dict", "v": {key: _encode(item, f"{where}.{key}") for key, item in value.items()}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__dataclass_params__.frozen or "<locals>" in cls.__qualname__:
            raise PayloadError(
                f"{where}: {cls.__qualname__} must be a frozen dataclass defined at module level to travel in an event"
            )
        fields = {f.name: _encode(getattr(value, f.name), f"{where}.{f.name}") for f in dataclasses.fields(value)}
        return {"$t": f"{cls.__module__}:{cls.__qualname__}", "v": fields}
    raise PayloadError(
        f"{where}: a {type(value).__name__} cannot travel in an event; use a snapshot "
        "(a frozen dataclass such as those of lms_core.payloads) or JSON values"
    )


_SCALARS = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "decimal": Decimal,
    "float": float,
}
_classes: dict[str, type] = {}


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag, inner = value["$t"], value["v"]
    if tag in _SCALARS:
        return _SCALARS[tag](inner)
    if tag == "tuple":
        return tuple(_decode(item) for item in inner)
    if tag == "dict":
        return {key: _decode(item) for key, item in inner.items()}
    cls = _snapshot_class(tag)
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{name: _decode(item) for name, item in inner.items() if name in known})


def _snapshot_class(tag: str) -> type:
    cls = _classes.get(tag)
    if cls is None:
        module, _, qualname = tag.partition(":")
        cls = import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen):
            raise PayloadError(f"{tag} is not a frozen dataclass")
        _classes[tag] = cls
    return cls
