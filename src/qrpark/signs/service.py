"""QR images for signs and the printable sign sheet of a lot."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from jinja2 import Environment

from qrpark.kit.signing import KeyRing
from qrpark.lots.models import Area, Lot
from qrpark.operators.models import Operator
from qrpark.signs.domain import sign_url


def qr(url: str) -> segno.QRCode:
    # Error correction M: survives scuffs and glare on an outdoor sticker with a modest size.
    return segno.make_qr(url, error="m", boost_error=False)


def qr_png(url: str, scale: int = 10) -> bytes:
    buf = io.BytesIO()
    qr(url).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def qr_svg(url: str, scale: int = 10) -> str:
    buf = io.BytesIO()
    qr(url).save(buf, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True)
    return buf.getvalue().decode("utf-8")


@dataclass(frozen=True, slots=True)
class SignView:
    area: Area
    url: str
    png_data_uri: str


def sign_views(base_url: str, lot: Lot, areas: Sequence[Area], keys: KeyRing) -> list[SignView]:
    out = []
    for area in areas:
        url = sign_url(base_url, lot.code, area.code, keys)
        png = base64.b64encode(qr_png(url)).decode("ascii")
        out.append(SignView(area, url, f"data:image/png;base64,{png}"))
    return out


def render_sheet(
    env: Environment,
    base_url: str,
    operator: Operator,
    lot: Lot,
    areas: Sequence[Area],
    keys: KeyRing,
) -> str:
    """A print-ready HTML document: one A5 sign per page with lot, area, location and the QR."""
    template = env.get_template("signs/sheet.html")
    return template.render(operator=operator, lot=lot, signs=sign_views(base_url, lot, areas, keys))
