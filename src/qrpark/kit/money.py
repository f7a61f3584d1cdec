"""Money: an integer amount in minor units with an ISO 4217 currency. No float comes near it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Minor-unit exponent per currency we know (ISO 4217). KRW and JPY have none.
MINOR_UNITS: dict[str, int] = {"KRW": 0, "JPY": 0, "USD": 2, "EUR": 2, "GBP": 2, "SGD": 2}
SYMBOLS: dict[str, str] = {"KRW": "₩", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}
# Words used when prices are written out in Korean, e.g. "3,000원".
KO_UNITS: dict[str, str] = {"KRW": "원", "USD": "달러", "EUR": "유로", "JPY": "엔"}


class CurrencyMismatch(ValueError):
    pass


def check_currency(code: str) -> str:
    """Validate an ISO 4217 code we can handle and return it upper-cased."""
    code = code.upper()
    if code not in MINOR_UNITS:
        msg = f"unsupported currency {code!r}; known: {', '.join(sorted(MINOR_UNITS))}"
        raise ValueError(msg)
    return code


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (cents, or whole won for KRW) and its currency."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            msg = "Money.amount must be an int of minor units"
            raise TypeError(msg)
        check_currency(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            msg = f"cannot combine {self.currency} with {other.currency}"
            raise CurrencyMismatch(msg)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def format(self, locale: str = "en") -> str:
        """Human form: ``3,000원`` in Korean for KRW, ``₩3,000`` or ``$12.50`` otherwise."""
        return format_amount(self.amount, self.currency, locale)


def format_amount(amount: int, currency: str, locale: str = "en") -> str:
    exp = MINOR_UNITS[check_currency(currency)]
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exp) if exp else (abs(amount), 0)
    number = f"{whole:,}" + (f".{frac:0{exp}d}" if exp else "")
    if locale == "ko" and currency in KO_UNITS:
        return f"{sign}{number}{KO_UNITS[currency]}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def round_rate(value: Decimal) -> int:
    """The one rounding rule for rates applied to money: half up, to whole minor units."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
