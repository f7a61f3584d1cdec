"""Build the gateways a deployment has, from its settings. Called at start-up, never at import."""

from __future__ import annotations

from qrpark.payments.gateway import Gateway
from qrpark.payments.sandbox import SandboxGateway
from qrpark.settings import Settings


def build_gateways(settings: Settings) -> dict[str, Gateway]:
    gateways: dict[str, Gateway] = {
        "sandbox": SandboxGateway(
            settings.data_dir / "sandbox-gateway.sqlite3",
            base_url=settings.public_base_url,
            webhook_secret=settings.sandbox_webhook_secret,
            latency=settings.sandbox_latency_ms / 1000,
            timeout_rate=settings.sandbox_timeout_rate,
            error_rate=settings.sandbox_error_rate,
        )
    }
    if settings.portone_api_secret:  # pragma: no branch
        from qrpark.payments.portone import PortOneGateway

        gateways["portone"] = PortOneGateway(
            api_secret=settings.portone_api_secret,
            store_id=settings.portone_store_id,
            channel_key=settings.portone_channel_key,
            webhook_secret=settings.portone_webhook_secret,
            api_base=settings.portone_api_base,
            public_base_url=settings.public_base_url,
            timeout=settings.gateway_timeout_s,
        )
    if settings.stripe_secret_key:
        from qrpark.payments.stripe import StripeGateway

        gateways["stripe"] = StripeGateway(
            secret_key=settings.stripe_secret_key,
            webhook_secret=settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base,
            timeout=settings.gateway_timeout_s,
        )
    return gateways
