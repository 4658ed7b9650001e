"""Money as integer minor units with its currency, never floats.

``1990.50 RUB`` is ``(199050, "RUB")``; the number of minor digits comes from the
currency (ISO 4217, through Babel): two for RUB, EUR and USD, none for JPY.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_currency, get_currency_precision, parse_decimal
from flask_babel import get_locale

MAX_MINOR = 10**12  # a price above ten billion units is a typing mistake


class MoneyError(ValueError):
    """A price that cannot be taken as it was typed (the message says why)."""


def exponent(currency: str) -> int:
    return get_currency_precision(currency)


def to_decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def decimal_string(minor: int, currency: str) -> str:
    """``"1990.50"``: the form payment APIs such as YooKassa's take."""
    digits = exponent(currency)
    return f"{to_decimal(minor, currency):.{digits}f}"


def from_decimal(value, currency: str) -> int:
    amount = Decimal(str(value)).scaleb(exponent(currency))
    if amount != amount.to_integral_value():
        raise MoneyError("too many decimals")
    return int(amount)


def parse(text: str, currency: str, locale=None) -> int:
    """Minor units from a price typed in the user's language ("1 990,50" in Russian,
    "1,990.50" in English, "1990.50" in either). Raises ``MoneyError``."""
    from flask_babel import gettext as _

    text = (text or "").strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not text:
        raise MoneyError(_("Enter an amount."))
    value = None
    try:
        value = parse_decimal(text, locale=locale or get_locale(), strict=True)
    except (NumberFormatError, ValueError):
        try:
            value = Decimal(text.replace(" ", "").replace(",", "."))
        except InvalidOperation:
            raise MoneyError(_("“%(text)s” is not an amount.", text=text)) from None
    if not value.is_finite():
        raise MoneyError(_("“%(text)s” is not an amount.", text=text))
    try:
        minor = from_decimal(value, currency)
    except MoneyError:
        raise MoneyError(
            _("%(currency)s amounts have at most %(digits)d decimals.", currency=currency, digits=exponent(currency))
        ) from None
    if minor <= 0:
        raise MoneyError(_("The amount must be more than zero."))
    if minor >= MAX_MINOR:
        raise MoneyError(_("The amount is too large."))
    return minor


def format_money(minor: int, currency: str, locale=None) -> str:
    """``"1 990,50 ₽"`` in Russian, ``"RUB 1,990.50"`` in English."""
    return format_currency(to_decimal(minor, currency), currency, locale=locale or get_locale())
