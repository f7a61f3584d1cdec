"""Charges, declines, time-outs and refunds through the sandbox, with their ledger entries."""

import pytest

from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.ledger import service as ledger
from qrpark.operators.models import Operator
from qrpark.payments.models import IntentStatus
from qrpark.payments.sandbox import SandboxGateway
from qrpark.payments.service import CardRegistrationFailed, NotRefundable, Payments, RefundTooLarge

from .conftest import register


async def charge(payments: Payments, method_id, amount: int = 5500, ref: str = "t:1"):
    return await payments.charge(
        payment_method_id=method_id,
        amount=amount,
        currency="KRW",
        account="stay:t:receivable",
        reference=ref,
        description="parking",
    )


async def test_a_good_card_is_charged_once_and_booked(
    payments: Payments, sandbox: SandboxGateway, operator: Operator, db: Database
) -> None:
    method = await register(payments, sandbox, operator)
    assert (method.brand, method.last4) == ("VISA", "4242")
    intent = await charge(payments, method.id)
    assert intent.status is IntentStatus.SUCCEEDED
    again = await charge(payments, method.id)  # the same business reference: no second charge
    assert again.id == intent.id
    assert sandbox.paid_totals() == {str(intent.id): 5500}
    async with db.transaction() as s:
        assert await ledger.balance(s, "gateway:sandbox") == 5500
        assert await ledger.balance(s, "stay:t:receivable") == -5500
        assert (await ledger.check_entries(s)).problems == []


@pytest.mark.parametrize(
    ("token", "code"),
    [("tok_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
async def test_a_declined_card_fails_and_books_nothing(
    payments: Payments,
    sandbox: SandboxGateway,
    operator: Operator,
    db: Database,
    token: str,
    code: str,
) -> None:
    method = await register(payments, sandbox, operator, token)
    intent = await charge(payments, method.id)
    assert intent.status is IntentStatus.FAILED
    assert intent.failure_code == code
    async with db.transaction() as s:
        assert await ledger.balance(s, "gateway:sandbox") == 0


async def test_a_charge_whose_answer_times_out_is_settled_by_asking_the_gateway(
    payments: Payments,
    sandbox: SandboxGateway,
    operator: Operator,
    db: Database,
    clock: FrozenClock,
) -> None:
    method = await register(payments, sandbox, operator, "tok_timeout")
    intent = await charge(payments, method.id)
    assert intent.status is IntentStatus.AMBIGUOUS
    counts = await payments.recover()
    assert counts == {"succeeded": 1}
    resolved = await payments.resolve(intent.id)
    assert resolved.status is IntentStatus.SUCCEEDED
    async with db.transaction() as s:
        assert await ledger.balance(s, "gateway:sandbox") == 5500  # booked once, not twice


async def test_refunds_partial_then_full_and_never_more(
    payments: Payments, sandbox: SandboxGateway, operator: Operator, db: Database
) -> None:
    method = await register(payments, sandbox, operator)
    intent = await charge(payments, method.id, 10000)
    part = await payments.refund(intent.id, 3000, reason="proxy overpaid", reference="r:1")
    assert part.status == "succeeded"
    again = await payments.refund(intent.id, 3000, reason="proxy overpaid", reference="r:1")
    assert again.id == part.id
    with pytest.raises(RefundTooLarge):
        await payments.refund(intent.id, 7001, reason="too much", reference="r:2")
    rest = await payments.refund(intent.id, 7000, reason="rest", reference="r:3")
    assert rest.status == "succeeded"
    final = await payments.resolve(intent.id)
    assert final.status is IntentStatus.REFUNDED
    assert sandbox.paid_totals() == {str(intent.id): 0}
    async with db.transaction() as s:
        assert await ledger.balance(s, "gateway:sandbox") == 0
        assert (await ledger.check_entries(s)).problems == []


async def test_a_failed_payment_cannot_be_refunded(
    payments: Payments, sandbox: SandboxGateway, operator: Operator
) -> None:
    method = await register(payments, sandbox, operator, "tok_declined")
    intent = await charge(payments, method.id)
    with pytest.raises(NotRefundable):
        await payments.refund(intent.id, 100, reason="x", reference="r:x")


async def test_an_unfinished_registration_is_refused(
    payments: Payments, sandbox: SandboxGateway, operator: Operator
) -> None:
    reg_id, url = await payments.start_registration(
        operator_id=operator.id, gateway="sandbox", owner_ref="d", return_to=None
    )
    sandbox.cancel(url.rsplit("/", 1)[1])
    with pytest.raises(CardRegistrationFailed):
        await payments.finish_registration(reg_id)
