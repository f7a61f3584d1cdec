"""The stay as the driver sees it, shared by the JSON API and the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.money import format_amount
from qrpark.lots.location import area_map_link
from qrpark.payments.models import IntentStatus
from qrpark.stays import service, text
from qrpark.stays.models import Stay
from qrpark.tariffs.schemas import rules_from
from qrpark.tariffs.text import describe_tariff


async def stay_view(
    session: AsyncSession, stay: Stay, now: dt.datetime, locale: str
) -> dict[str, Any]:
    ctx = await service.context(session, stay)
    lot, area = ctx.lot, ctx.area
    fee = service.fee_at(ctx, now)
    total = stay.fee if stay.fee is not None else fee.total
    lines = text.fee_lines(
        stay.fee_lines if stay.fee_lines is not None else fee.lines, stay.currency, locale
    )
    end = stay.exited_at or now
    elapsed = int((end - stay.entered_at).total_seconds())

    def money(amount: int) -> str:
        return format_amount(amount, stay.currency, locale)

    payments = []
    for intent in await service.driver_payments(session, stay):
        if intent.status in (
            IntentStatus.SUCCEEDED,
            IntentStatus.REFUNDED,
            IntentStatus.AMBIGUOUS,
            IntentStatus.FAILED,
        ):
            payments.append(
                {
                    "who": "driver",
                    "amount": intent.amount,
                    "formatted": money(intent.amount),
                    "status": intent.status.value,
                    "at": intent.updated_at.isoformat(),
                }
            )
    from qrpark.proxy.service import proxy_payments
    from qrpark.stays.phone import mask_phone

    proxy_paid = 0
    for n, proxy in enumerate(await proxy_payments(session, stay), start=1):
        if proxy.status in ("succeeded", "pending"):
            payments.append(
                {
                    "who": "proxy",
                    "payer": mask_phone(proxy.receipt_to) if proxy.receipt_to else f"#{n}",
                    "amount": proxy.amount,
                    "formatted": money(proxy.amount),
                    "status": proxy.status,
                    "refunded": proxy.refunded_amount,
                    "refunded_formatted": money(proxy.refunded_amount),
                    "at": proxy.updated_at.isoformat(),
                }
            )
            if proxy.status == "succeeded":
                proxy_paid += proxy.amount
    paid = stay.proxy_applied + stay.merchant_applied + stay.driver_charged
    return {
        "id": str(stay.id),
        "status": stay.status.value,
        "plate": stay.plate,
        "currency": stay.currency,
        "lot": {"code": lot.code, "name": text.lot_name(lot, locale), "address": lot.address},
        "area": {
            "code": area.code,
            "level": area.level,
            "zone": area.zone,
            "space": area.space_number,
            "where": text.where(area, locale),
            "description": text.area_description(area, locale),
            "map_url": area_map_link(lot, area),
        },
        "entered_at": stay.entered_at.isoformat(),
        "entered_local": text.local_time(stay.entered_at, lot),
        "exited_at": stay.exited_at.isoformat() if stay.exited_at else None,
        "exited_local": text.local_time(stay.exited_at, lot) if stay.exited_at else None,
        "elapsed_seconds": elapsed,
        "elapsed": text.elapsed_words(elapsed, locale),
        "fee": {
            "total": total,
            "formatted": money(total),
            "lines": lines,
            "final": stay.fee is not None,
        },
        "tariff": describe_tariff(rules_from(ctx.tariff, stay.currency), locale, lot.time_zone),
        "covered": {
            "proxy": stay.proxy_applied,
            "merchant": stay.merchant_applied,
            "driver": stay.driver_charged,
            "proxy_formatted": money(stay.proxy_applied),
            "merchant_formatted": money(stay.merchant_applied),
            "driver_formatted": money(stay.driver_charged),
        },
        "payments": payments,
        "proxy_paid": proxy_paid,
        "proxy_paid_formatted": money(proxy_paid),
        "unpaid_now": max(0, total - proxy_paid) if stay.fee is None else max(0, total - paid),
        "unpaid_now_formatted": money(
            max(0, total - proxy_paid) if stay.fee is None else max(0, total - paid)
        ),
        "owed": max(0, total - paid) if stay.fee is not None else None,
        "owed_formatted": money(max(0, total - paid)),
        "over_max_stay": fee.over_max_stay,
    }
