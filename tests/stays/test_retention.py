"""Retention: identifying data of settled stays goes after 90 days; money figures stay."""

import datetime as dt
import re

from sqlalchemy import func, select

from qrpark.runtime import check_everything
from qrpark.stays import retention
from qrpark.stays.models import EntryDraft, Stay

from .conftest import Site


async def test_settled_stays_lose_phone_plate_and_link_after_ninety_days(site: Site) -> None:
    page = await site.enter()
    token = re.search(r"/s/([A-Za-z0-9_-]+)", str(page.url)).group(1)
    site.clock.advance(dt.timedelta(hours=2))
    await site.client.post(f"/api/v1/stays/{token}/exit")
    unpaid = await site.enter(plate="34나5678", phone="010-2222-3333", card="4000 0000 0000 0002")
    unpaid_token = re.search(r"/s/([A-Za-z0-9_-]+)", str(unpaid.url)).group(1)
    site.clock.advance(dt.timedelta(hours=1))
    await site.client.post(f"/api/v1/stays/{unpaid_token}/exit")
    async with site.db.transaction() as s:
        assert (await retention.enforce(s, site.clock))["stays_erased"] == 0  # too early
    site.clock.advance(dt.timedelta(days=91))
    async with site.db.transaction() as s:
        counts = await retention.enforce(s, site.clock)
    assert counts["stays_erased"] == 1
    assert counts["drafts_deleted"] == 2  # the two entry drafts are scratch once their stays began
    async with site.db.transaction() as s:
        paid, owed = sorted((await s.scalars(select(Stay))).all(), key=lambda x: x.plate)
        assert (paid.plate, paid.phone, paid.fee) == ("12가3**6", "+8210****5678", 5500)
        assert owed.plate == "34나5678"  # unpaid: kept until settled
        assert (await check_everything(s))[1] == []
    assert (await site.client.get(f"/s/{token}")).status_code == 404


async def test_abandoned_drafts_are_deleted(site: Site) -> None:
    url = site.sign()
    csrf = await site.csrf(url)
    k, s_ = re.search(r"k=([^&]+)&s=(.+)", url).groups()
    await site.client.post(
        "/a/gangnam-b/B2-C-014/entry",
        data={
            "csrf": csrf,
            "k": k,
            "s": s_,
            "phone": "010-1234-5678",
            "plate": "12가3456",
            "consent": "yes",
        },
    )
    site.clock.advance(dt.timedelta(days=2))
    async with site.db.transaction() as s:
        assert (await retention.enforce(s, site.clock))["drafts_deleted"] == 1
        assert await s.scalar(select(func.count()).select_from(EntryDraft)) == 0
