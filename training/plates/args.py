"""Command-line values the training tools share."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def named_value(
    text: str, names: Iterable[str], value: Callable[[str], T], form: str
) -> tuple[str, T]:
    """``NAME=VALUE`` -> (NAME, ``value(VALUE)``), for NAME one of ``names``; ``value`` raises
    ``ValueError`` saying what is wrong with VALUE. Either mistake is refused the way argparse
    refuses a value, the message naming the ``form`` wanted (e.g. ``KIND=COUNT``)."""
    names = tuple(names)
    name, sep, raw = text.partition("=")
    if not sep or name not in names:
        key = form.partition("=")[0]
        raise argparse.ArgumentTypeError(
            f"{text!r}: want {form} with {key} one of {', '.join(names)}"
        )
    try:
        return name, value(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
