"""A stateful model of one stay: clock moves, passes, payers (alone and at once), a shop's
pledge under a random rule and budget, declines, exit.

Invariants, after every step: the proxy total never passes the cap it was accepted under,
nothing is negative, and the ledger balances; after exit: fee = merchant cover + proxy + driver charge, and every proxy payer got back exactly what the fee did not need.
The machine runs in its own thread and event loop, on a fresh SQLite file per example.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import select
from tests.conftest import START

from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database, upgrade
from qrpark.kit.signing import KeyRing
from qrpark.lots.models import Lot
from qrpark.merchants import service as merchants
from qrpark.merchants.domain import Rule, RuleKind
from qrpark.messages.sms import SandboxSms
from qrpark.payments.sandbox import SUCCESS, CardCheck, SandboxGateway
from qrpark.payments.service import Payments
from qrpark.proxy import domain, service
from qrpark.proxy.models import ProxyPayment
from qrpark.runtime import build_worker, check_everything
from qrpark.stays import service as stays
from qrpark.stays.models import Stay, StayStatus
from qrpark.stays.vehicle import parse

KEYS = KeyRing({"m1": "stateful-model-signing-key"})
TEMPLATE: dict[str, Path] = {}


def _template(tmp: Path) -> Path:
    if "db" not in TEMPLATE:
        path = tmp / "template.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{path}")
        TEMPLATE["db"] = path
    return TEMPLATE["db"]


class Loop:
    """An event loop in its own thread, so the sync state machine can await the services."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


class StayModel(RuleBasedStateMachine):
    workdir: Path

    @initialize(
        driver_card=st.sampled_from(["tok_visa", "tok_declined"]),
        merchant_rule=st.tuples(
            st.sampled_from(list(RuleKind)),
            st.integers(1, 100),
            st.one_of(st.none(), st.integers(0, 10000)),
        ),
    )
    def start(self, driver_card: str, merchant_rule: tuple[RuleKind, int, int | None]) -> None:
        self.merchant_rule = merchant_rule
        self.pledged = False
        self.n = getattr(StayModel, "_n", 0) + 1
        StayModel._n = self.n
        case = self.workdir / f"case{self.n}"
        case.mkdir()
        shutil.copy(_template(self.workdir), case / "db.sqlite3")
        self.loop = Loop()
        self.clock = FrozenClock(START)
        self.db = Database.from_url(f"sqlite+aiosqlite:///{case / 'db.sqlite3'}")
        self.sandbox = SandboxGateway(
            case / "gw.sqlite3", base_url="https://park.example", webhook_secret="whsec_bW9kZWw="
        )
        self.payments = Payments(
            db=self.db,
            clock=self.clock,
            gateways={"sandbox": self.sandbox},
            public_base_url="https://park.example",
        )
        self.worker = build_worker(self.payments, SandboxSms(case / "sms.jsonl"))
        self.driver_card_ok = driver_card == "tok_visa"
        self.exited = False
        self.accepted: list[tuple[int, int]] = []  # (amount, cap it was accepted under)
        self.passes: list[str] = []
        self.stay_id = self.loop.run(self._enter(driver_card))

    async def _enter(self, card: str):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as s:
            operator, lot, areas = await seed(s, self.clock)
            merchant = await merchants.create_merchant(
                s,
                self.clock,
                operator,
                lot,
                "Shop",
                Rule(self.merchant_rule[0], self.merchant_rule[1]),
                self.merchant_rule[2],
                None,
            )
            staff = await merchants.add_staff(
                s, self.clock, merchant, "staff@shop.example", "a long password!"
            )
            self.merchant = merchants.SignedIn(staff, merchant)
        reg_id, url = await self.payments.start_registration(
            operator_id=operator.id,
            gateway="sandbox",
            owner_ref="phone:+821012345678",
            return_to=None,
        )
        self.sandbox.complete_with_token(url.rsplit("/", 1)[1], card)
        method = await self.payments.finish_registration(reg_id)
        async with self.db.transaction() as s:
            draft = await stays.start_entry(
                s,
                self.clock,
                operator=operator,
                lot=lot,
                area=areas[0],
                phone="+821012345678",
                plate=parse("12가3456"),
                locale="ko",
                card="card",
            )
            stay, _ = await stays.create_stay(
                s,
                self.clock,
                draft=draft,
                payment_method_id=method.id,
                public_base_url="https://park.example",
            )
            return stay.id

    def teardown(self) -> None:
        if hasattr(self, "loop"):
            self.loop.run(self.db.dispose())
            self.loop.close()

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(dt.timedelta(minutes=minutes))

    @precondition(lambda self: not self.exited)
    @rule(asked=st.one_of(st.none(), st.integers(1000, 30000)))
    def driver_shows_a_qr(self, asked: int | None) -> None:
        async def go() -> str:
            async with self.db.transaction() as s:
                stay = await s.get(Stay, self.stay_id)
                _, token = await service.issue(s, self.clock, KEYS, stay, asked)
                return token

        self.passes.append(self.loop.run(go()))

    async def _pay(self, token: str, amount: int, approve: bool) -> None:
        async with self.db.transaction() as s:
            try:
                view = await service.open_pass(s, self.clock, KEYS, token)
            except service.PassRefused:
                return
            cap = domain.total_cap(view.fee_now, view.pass_.asked_amount)
        try:
            payment, _ = await service.start_payment(
                self.db,
                self.clock,
                KEYS,
                self.payments,
                token,
                amount,
                return_url="https://park.example/p/done/{payment}",
                receipt_to=None,
            )
        except (service.PassRefused, service.AmountRefused, service.CapReached):
            return
        self.accepted.append((amount, cap))
        async with self.db.transaction() as s:
            intent_id = (await s.get(ProxyPayment, payment.id)).intent_id
        self.sandbox.pay_checkout(
            str(intent_id), CardCheck("VISA", "4242", SUCCESS if approve else "card_declined")
        )
        await service.confirm(self.db, self.clock, self.payments, payment.id)

    @precondition(lambda self: self.passes)
    @rule(data=st.data(), amount=st.integers(500, 40000), approve=st.booleans())
    def a_payer_pays(self, data: st.DataObject, amount: int, approve: bool) -> None:
        token = data.draw(st.sampled_from(self.passes))
        self.loop.run(self._pay(token, amount, approve))

    @precondition(lambda self: len(self.passes) >= 2)
    @rule(data=st.data(), amounts=st.lists(st.integers(1000, 20000), min_size=2, max_size=4))
    def payers_at_once(self, data: st.DataObject, amounts: list[int]) -> None:
        tokens = data.draw(
            st.lists(st.sampled_from(self.passes), min_size=len(amounts), max_size=len(amounts))
        )

        async def go() -> None:
            await asyncio.gather(
                *[self._pay(t, a, True) for t, a in zip(tokens, amounts, strict=True)]
            )

        self.loop.run(go())

    @precondition(lambda self: not self.exited)
    @rule()
    def a_shop_validates(self) -> None:
        async def go() -> None:
            async with self.db.transaction() as s:
                await merchants.pledge(
                    s, self.clock, self.merchant, await s.get(Stay, self.stay_id)
                )

        self.loop.run(go())
        self.pledged = True

    @precondition(lambda self: not self.exited)
    @rule()
    def driver_leaves(self) -> None:
        async def go() -> None:
            await stays.exit_stay(
                self.db, self.clock, self.payments, self.stay_id, stays.Source.DRIVER, "model"
            )
            await self.worker.run_due()

        self.loop.run(go())
        self.exited = True

    @invariant()
    def within_caps_and_balanced(self) -> None:
        if not hasattr(self, "loop"):
            return

        async def go() -> None:
            async with self.db.transaction() as s:
                stay = await s.get(Stay, self.stay_id)
                proxies = (await s.scalars(select(ProxyPayment))).all()
                _, problems = await check_everything(s)
                lot = await s.get(Lot, stay.lot_id)
            assert problems == []
            live = sum(p.amount for p in proxies if p.status in ("pending", "succeeded"))
            # Every acceptance kept the total within its own cap, and the total only shrinks in
            # between, so it can never exceed the largest cap anything was accepted under.
            if self.accepted:
                assert live <= max(cap for _, cap in self.accepted)
            assert stay.proxy_reserved == live
            assert min(stay.proxy_reserved, stay.proxy_applied, stay.driver_charged) >= 0
            for p in proxies:
                assert p.applied_amount + p.refunded_amount <= p.amount
                assert p.amount >= lot.proxy_min_amount
            assert stay.merchant_applied >= 0
            if not self.pledged:
                assert stay.merchant_applied == 0
            if self.merchant_rule[2] is not None:
                assert stay.merchant_applied <= self.merchant_rule[2]  # never past the daily budget
            if self.exited:
                succeeded = [p for p in proxies if p.status == "succeeded"]
                paid = sum(p.amount for p in succeeded)
                assert stay.merchant_applied <= stay.fee
                assert stay.proxy_applied == min(stay.fee - stay.merchant_applied, paid)
                assert sum(p.refunded_amount for p in succeeded) == paid - stay.proxy_applied
                if self.driver_card_ok:
                    assert stay.status is StayStatus.PAID
                    assert (
                        stay.fee == stay.proxy_applied + stay.merchant_applied + stay.driver_charged
                    )
                elif stay.fee > stay.proxy_applied + stay.merchant_applied:
                    assert stay.status is StayStatus.UNPAID
                else:
                    # shop and proxies covered the whole fee: nothing was left for the declined
                    # card, so the stay is paid without charging it
                    assert stay.status is StayStatus.PAID
                    assert stay.driver_charged == 0

        self.loop.run(go())


@pytest.mark.slow
def test_the_stay_model_keeps_its_invariants(tmp_path_factory: pytest.TempPathFactory) -> None:
    StayModel.workdir = tmp_path_factory.mktemp("stateful")
    TEMPLATE.clear()
    run = StayModel.TestCase
    run.settings = settings(
        max_examples=25,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    run().runTest()
