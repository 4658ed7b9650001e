"""Certificate numbers such as ``LMS-7K3F-9QXZ-4M``.

Nine random Crockford base32 characters (45 bits from the operating system's CSPRNG,
so numbers can be neither guessed nor enumerated) and one check character, grouped
4-4-2 after a prefix. The check character is Damm's algorithm over GF(32): the
operation ``x * y = 2·(x + y)`` is a quasigroup with a zero diagonal that is totally
anti-symmetric, so every single mistyped character and every swap of two adjacent
characters is detected, and the check character stays inside the same 32 symbols
(Crockford's own mod-37 check needs five extra symbols such as ``*`` and ``~``).

Typing is forgiving: case, spaces and dashes do not matter, and ``O``/``I``/``L``
are read as ``0``/``1``/``1`` as Crockford's alphabet intends.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
ALIASES = {"O": "0", "I": "1", "L": "1"}
RANDOM_LENGTH = 9
GROUPS = (4, 4, 2)
DEFAULT_PREFIX = "LMS"

# GF(32) with the primitive polynomial x^5 + x^2 + 1.
_FIELD_POLYNOMIAL = 0b100101


def _times_two(value: int) -> int:
    value <<= 1
    if value & 0b100000:
        value ^= _FIELD_POLYNOMIAL
    return value


def _damm(values) -> int:
    interim = 0
    for value in values:
        interim = _times_two(interim ^ value)
    return interim


def check_character(body: str) -> str:
    """The check character of ``body`` (Crockford characters, no separators)."""
    return ALPHABET[_damm(VALUES[ch] for ch in body)]


def is_consistent(body_and_check: str) -> bool:
    """True when the last character is the check character of the others."""
    return _damm(VALUES[ch] for ch in body_and_check) == 0


def format_number(characters: str, prefix: str = DEFAULT_PREFIX) -> str:
    groups, start = [], 0
    for size in GROUPS:
        groups.append(characters[start : start + size])
        start += size
    return "-".join([prefix, *groups])


def generate(prefix: str = DEFAULT_PREFIX) -> str:
    """A new random number with its check character."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return format_number(body + check_character(body), prefix)


@dataclass(frozen=True)
class ParsedNumber:
    """What a typed number turned out to be. ``canonical`` is set when the shape is
    right; ``check_ok`` tells whether the check character matches."""

    typed: str
    canonical: str | None
    check_ok: bool

    @property
    def well_formed(self) -> bool:
        return self.canonical is not None


def parse(typed: str, prefix: str = DEFAULT_PREFIX) -> ParsedNumber:
    """Normalise what somebody typed or scanned; never raises."""
    text = "".join((typed or "").split()).upper().replace("-", "").replace("_", "")
    if text.startswith(prefix.upper()):
        text = text[len(prefix) :]
    text = "".join(ALIASES.get(ch, ch) for ch in text)
    if len(text) != RANDOM_LENGTH + 1 or any(ch not in VALUES for ch in text):
        return ParsedNumber(typed or "", None, False)
    return ParsedNumber(typed, format_number(text, prefix), is_consistent(text))
