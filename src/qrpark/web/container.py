"""Everything built once at start-up and handed to requests: no work happens at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qrpark.kit.clock import Clock
from qrpark.kit.db import Database
from qrpark.kit.money import format_amount
from qrpark.kit.ratelimit import RateLimiter
from qrpark.kit.signing import KeyRing
from qrpark.messages.sms import SmsSender
from qrpark.occupancy.classifier import LazyScorer
from qrpark.payments.service import Payments
from qrpark.settings import Settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"


def make_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "svg", "xml")),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = format_amount
    return env


@dataclass
class Container:
    settings: Settings
    db: Database
    clock: Clock
    keys: KeyRing
    templates: Environment
    payments: Payments
    sms: SmsSender
    limits: dict[str, RateLimiter]
    # the occupancy model, read on the first camera request
    occupancy: LazyScorer
