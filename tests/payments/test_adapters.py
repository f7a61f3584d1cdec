"""The PortOne and Stripe adapters against local fakes of their documented HTTP APIs, driven
through the same Payments service the product uses."""

import datetime as dt
import json
import time

import pytest

from qrpark.kit import webhooks
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.ledger import service as ledger
from qrpark.operators.models import Operator
from qrpark.payments.gateway import WebhookRejected
from qrpark.payments.models import IntentStatus
from qrpark.payments.portone import PortOneGateway
from qrpark.payments.service import Payments
from qrpark.payments.stripe import StripeGateway, stripe_signature

from .fakes import FakePortOne, FakeStripe, ServerThread

PORTONE_WEBHOOK = "whsec_cG9ydG9uZS13ZWJob29rLXNlY3JldA=="
STRIPE_WEBHOOK = "whsec_stripe_test_secret"


@pytest.fixture
def portone_fake():
    fake = FakePortOne("portone-secret", "store-1")
    with ServerThread(fake.app) as url:
        yield (
            fake,
            PortOneGateway(
                api_secret="portone-secret",
                store_id="store-1",
                channel_key="ch-1",
                webhook_secret=PORTONE_WEBHOOK,
                api_base=url,
                public_base_url="https://park.example",
                timeout=1.0,
            ),
        )


@pytest.fixture
def stripe_fake():
    fake = FakeStripe("sk_test_123")
    with ServerThread(fake.app) as url:
        yield (
            fake,
            StripeGateway(
                secret_key="sk_test_123", webhook_secret=STRIPE_WEBHOOK, api_base=url, timeout=1.0
            ),
        )


def _payments(db: Database, clock: FrozenClock, gateway) -> Payments:
    return Payments(
        db=db, clock=clock, gateways={gateway.name: gateway}, public_base_url="https://park.example"
    )


async def _charge(payments: Payments, method_id, ref: str, amount: int = 6000):
    return await payments.charge(
        payment_method_id=method_id,
        amount=amount,
        currency="KRW",
        account=f"stay:{ref}:receivable",
        reference=ref,
        description="주차 요금",
    )


async def test_portone_billing_key_charge_refund(
    portone_fake, db: Database, clock: FrozenClock, operator: Operator
) -> None:
    fake, gateway = portone_fake
    payments = _payments(db, clock, gateway)
    reg_id, url = await payments.start_registration(
        operator_id=operator.id, gateway="portone", owner_ref="d1", return_to=None
    )
    assert url == f"https://park.example/payments/portone/issue/{reg_id}"
    method = await payments.finish_registration(reg_id, {"billingKey": fake.issue("1111")})
    assert (method.brand, method.last4) == ("VISA", "1111")
    intent = await _charge(payments, method.id, "p:1")
    assert intent.status is IntentStatus.SUCCEEDED
    refund = await payments.refund(intent.id, 2000, reason="proxy overpaid", reference="pr:1")
    assert refund.status == "succeeded"
    again = await payments._send_refund(refund.id)  # a retried refund finds its tagged cancellation
    assert again.id == refund.id
    assert fake.payments[str(intent.id)]["cancelled"] == 2000
    async with db.transaction() as s:
        assert await ledger.balance(s, "gateway:portone") == 4000


async def test_portone_decline_timeout_and_already_paid(
    portone_fake, db: Database, clock: FrozenClock, operator: Operator
) -> None:
    fake, gateway = portone_fake
    payments = _payments(db, clock, gateway)
    reg_id, _ = await payments.start_registration(
        operator_id=operator.id, gateway="portone", owner_ref="d", return_to=None
    )
    bad = await payments.finish_registration(
        reg_id, {"billingKey": fake.issue(decline="INSUFFICIENT_BALANCE")}
    )
    declined = await _charge(payments, bad.id, "p:declined")
    assert declined.status is IntentStatus.FAILED
    assert declined.failure_code == "insufficient_balance"

    reg_id, _ = await payments.start_registration(
        operator_id=operator.id, gateway="portone", owner_ref="d", return_to=None
    )
    good = await payments.finish_registration(reg_id, {"billingKey": fake.issue()})
    fake.slow_next = 2.0  # PortOne takes the money, then our 1 s read time-out fires
    slow = await _charge(payments, good.id, "p:slow")
    assert slow.status is IntentStatus.AMBIGUOUS
    assert (await payments.resolve(slow.id)).status is IntentStatus.SUCCEEDED
    calls = fake.charge_calls
    assert (await _charge(payments, good.id, "p:slow")).status is IntentStatus.SUCCEEDED
    assert fake.charge_calls == calls  # settled by lookup, never sent again
    result = await gateway.charge(
        billing_key=good.billing_key,
        amount=6000,
        currency="KRW",
        order_id=str(slow.id),
        order_name="x",
    )
    assert result.paid  # ALREADY_PAID is understood as paid, not as a failure


async def test_portone_registration_failure_and_webhooks(portone_fake, clock: FrozenClock) -> None:
    _, gateway = portone_fake
    body = json.dumps(
        {
            "type": "Transaction.Paid",
            "timestamp": clock.now().isoformat(),
            "data": {"paymentId": "pay-1", "storeId": "store-1", "transactionId": "tx"},
        }
    ).encode()
    headers = webhooks.headers_for(PORTONE_WEBHOOK, "msg_1", int(clock.now().timestamp()), body)
    event = gateway.parse_webhook(headers, body, clock.now())
    assert (event.event_id, event.order_id, event.kind) == ("msg_1", "pay-1", "Transaction.Paid")
    with pytest.raises(WebhookRejected):
        gateway.parse_webhook(headers, body.replace(b"pay-1", b"pay-2"), clock.now())
    with pytest.raises(WebhookRejected):
        gateway.parse_webhook(headers, body, clock.now() + dt.timedelta(minutes=10))


async def test_stripe_setup_charge_decline_refund(
    stripe_fake, db: Database, clock: FrozenClock, operator: Operator
) -> None:
    fake, gateway = stripe_fake
    payments = _payments(db, clock, gateway)
    reg_id, url = await payments.start_registration(
        operator_id=operator.id, gateway="stripe", owner_ref="d2", return_to=None
    )
    session_id = url.rsplit("/", 1)[1]
    fake.complete_setup(session_id, last4="4444")
    method = await payments.finish_registration(reg_id, {"session_id": session_id})
    assert (method.brand, method.last4) == ("VISA", "4444")
    intent = await _charge(payments, method.id, "s:1", 12000)
    assert intent.status is IntentStatus.SUCCEEDED
    assert fake.paid_orders() == {str(intent.id): 12000}
    # A retried charge reuses the idempotency key: Stripe replays, nothing new is created.
    replay = await gateway.charge(
        billing_key=method.billing_key,
        amount=12000,
        currency="KRW",
        order_id=str(intent.id),
        order_name="x",
    )
    assert replay.gateway_payment_id == intent.gateway_payment_id
    assert len(fake.intents) == 1
    refund = await payments.refund(intent.id, 12000, reason="cancelled", reference="sr:1")
    assert refund.status == "succeeded"
    assert (await payments.resolve(intent.id)).status is IntentStatus.REFUNDED

    reg_id, url = await payments.start_registration(
        operator_id=operator.id, gateway="stripe", owner_ref="d3", return_to=None
    )
    fake.complete_setup(url.rsplit("/", 1)[1], decline="insufficient_funds")
    poor = await payments.finish_registration(reg_id, {})
    declined = await _charge(payments, poor.id, "s:2")
    assert declined.status is IntentStatus.FAILED
    assert declined.failure_code == "insufficient_funds"


def test_stripe_webhook_signatures(stripe_fake, clock: FrozenClock) -> None:
    _, gateway = stripe_fake
    body = json.dumps(
        {
            "id": "evt_1",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {"object": {"id": "pi_1", "metadata": {"order_id": "o-1"}}},
        }
    ).encode()
    stamp = int(clock.now().timestamp())
    good = {"Stripe-Signature": f"t={stamp},v1={stripe_signature(STRIPE_WEBHOOK, stamp, body)}"}
    assert gateway.parse_webhook(good, body, clock.now()).order_id == "o-1"
    forged = {"Stripe-Signature": f"t={stamp},v1={stripe_signature('whsec_wrong', stamp, body)}"}
    for headers, payload, now in [
        (forged, body, clock.now()),
        (good, body + b" ", clock.now()),
        (good, body, clock.now() + dt.timedelta(minutes=6)),
        ({}, body, clock.now()),
    ]:
        with pytest.raises(WebhookRejected):
            gateway.parse_webhook(headers, payload, now)


async def test_portone_card_window_page_and_return(
    portone_fake, db: Database, clock: FrozenClock, operator: Operator, settings
) -> None:
    import httpx

    from qrpark.web.app import create_app

    fake, gateway = portone_fake
    async with db.transaction() as s:
        (await s.merge(operator)).payment_gateway = "portone"
        from qrpark.operators.service import issue_api_token

        token = await issue_api_token(s, clock, operator, "t")
    app = create_app(settings, db=db, clock=clock, gateways={"portone": gateway})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://park.example"
    ) as c:
        started = await c.post(
            "/api/v1/payment-methods/registrations",
            json={"owner_ref": "d9"},
            headers={"authorization": f"Bearer {token}"},
        )
        assert started.status_code == 201, started.text
        page = await c.get(started.json()["redirect_url"].removeprefix("https://park.example"))
        assert page.status_code == 200
        assert "https://cdn.portone.io" in page.headers["content-security-policy"]
        assert 'data-action="issue"' in page.text
        assert 'data-store-id="store-1"' in page.text
        reg_id = started.json()["registration_id"]
        back = await c.get(
            f"/payments/registrations/{reg_id}/return", params={"billingKey": fake.issue("5678")}
        )
        assert back.status_code == 200
        assert "•••• 5678" in back.text
        failed = await c.post(
            "/api/v1/payment-methods/registrations",
            json={"owner_ref": "d9"},
            headers={"authorization": f"Bearer {token}"},
        )
        refused = await c.get(
            f"/payments/registrations/{failed.json()['registration_id']}/return",
            params={"code": "FAILURE_TYPE_PG", "message": "user cancelled"},
        )
        assert refused.status_code == 402
