"""Command-line values the training tools share."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import TypeVar

from training.plates import generate

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


def _chance(text: str) -> float:
    try:
        chance = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not 0.0 <= chance <= 1.0:
        raise ValueError("a chance is from 0 to 1")
    return chance


def option_arg(text: str) -> tuple[str, float]:
    """``NAME=CHANCE`` -> (name, chance), for one of ``generate.OPTIONS`` and a chance from 0
    to 1."""
    return named_value(text, generate.OPTIONS, _chance, "NAME=CHANCE")


def add_faces(ap: argparse.ArgumentParser) -> None:
    """``--faces``: a generator version's typefaces or the held-out ones (default: the current
    version's), as the check and the speed comparison draw their crops."""
    ap.add_argument(
        "--faces",
        choices=[*map(str, generate.GENERATOR_VERSIONS), "held-out"],
        default=str(generate.GENERATOR_VERSION),
    )
