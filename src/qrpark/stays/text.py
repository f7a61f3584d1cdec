"""What drivers read in messages and on receipts, in Korean and English."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from qrpark.kit.money import format_amount
from qrpark.lots.location import area_map_link
from qrpark.lots.models import Area, Lot
from qrpark.tariffs.domain import FeeLine, LineKind
from qrpark.tariffs.models import Tariff
from qrpark.tariffs.schemas import rules_from
from qrpark.tariffs.text import describe_line, describe_tariff


def where(area: Area, locale: str) -> str:
    """``B2층 C구역 14번`` / ``Level B2, zone C, space 14``."""
    if locale == "ko":
        parts = [
            f"{area.level}층" if area.level else "",
            f"{area.zone}구역" if area.zone else "",
            f"{area.space_number}번" if area.space_number else "",
        ]
        return " ".join(p for p in parts if p) or area.code
    parts = [
        f"level {area.level}" if area.level else "",
        f"zone {area.zone}" if area.zone else "",
        f"space {area.space_number}" if area.space_number else "",
    ]
    words = ", ".join(p for p in parts if p) or area.code
    return words[0].upper() + words[1:]


def lot_name(lot: Lot, locale: str) -> str:
    return lot.name_en if locale == "en" and lot.name_en else lot.name


def area_description(area: Area, locale: str) -> str | None:
    return area.description_en if locale == "en" and area.description_en else area.description


def local_time(stay_time: Any, lot: Lot) -> str:
    return f"{stay_time.astimezone(ZoneInfo(lot.time_zone)):%Y-%m-%d %H:%M}"


def entry_message(lot: Lot, area: Area, tariff: Tariff, stay: Any, link: str, locale: str) -> str:
    tariff_words = describe_tariff(rules_from(tariff, lot.currency), locale, lot.time_zone)
    desc = area_description(area, locale)
    maps = area_map_link(lot, area)
    if locale == "ko":
        lines = [
            f"[qrpark] 입차 완료 {stay.plate}",
            f"{lot_name(lot, locale)} {area.code}",
            f"위치: {where(area, locale)}" + (f" ({desc})" if desc else ""),
            f"입차: {local_time(stay.entered_at, lot)}",
            f"요금: {'; '.join(tariff_words)}",
        ]
        if maps:
            lines.append(f"지도: {maps}")
        lines.append(f"주차 확인·출차: {link}")
    else:
        lines = [
            f"[qrpark] Parked: {stay.plate}",
            f"{lot_name(lot, locale)} {area.code}",
            f"Where: {where(area, locale)}" + (f" ({desc})" if desc else ""),
            f"Since: {local_time(stay.entered_at, lot)}",
            f"Price: {'; '.join(tariff_words)}",
        ]
        if maps:
            lines.append(f"Map: {maps}")
        lines.append(f"Your parking and exit: {link}")
    return "\n".join(lines)


def code_message(code: str, locale: str) -> str:
    if locale == "ko":
        return f"[qrpark] 인증번호 {code} (5분 안에 입력하세요)"
    return f"[qrpark] Your code is {code} (valid for 5 minutes)"


def link_message(link: str, locale: str) -> str:
    if locale == "ko":
        return f"[qrpark] 진행 중인 주차 링크입니다: {link}"
    return f"[qrpark] Here is the link to your parking: {link}"


def unpaid_message(stay: Any, locale: str) -> str:
    owed = format_amount(
        max(0, (stay.fee or 0) - stay.proxy_applied - stay.merchant_applied - stay.driver_charged),
        stay.currency,
        locale,
    )
    if locale == "ko":
        return f"[qrpark] {stay.plate} 주차 요금 {owed} 결제가 거절되었습니다. 주차 링크에서 다른 카드로 결제해 주세요."
    return f"[qrpark] The card for {stay.plate} was declined for {owed}. Please pay from your parking link."


def fee_lines(
    lines: list[dict[str, Any]] | tuple[FeeLine, ...], currency: str, locale: str
) -> list[dict[str, Any]]:
    """Explanation lines, whether frozen (dicts) or computed (FeeLine)."""
    out = []
    for raw in lines:
        line = (
            raw
            if isinstance(raw, FeeLine)
            else FeeLine(
                LineKind(raw["kind"]),
                raw["amount"],
                raw.get("quantity", 1),
                raw.get("unit_price", 0),
                raw.get("minutes", 0),
                raw.get("day", 0),
            )
        )
        out.append(
            {
                "kind": line.kind.value,
                "text": describe_line(line, currency, locale),
                "amount": line.amount,
                "formatted": format_amount(line.amount, currency, locale),
            }
        )
    return out


def elapsed_words(seconds: int, locale: str) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes = rest // 60
    if locale == "ko":
        return f"{hours}시간 {minutes}분" if hours else f"{minutes}분"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
