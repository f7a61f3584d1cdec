"""Settings read from the environment (prefix ``QRPARK_``) and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")
# Development-only signing key, published in the source on purpose: a deployment that keeps it
# is refused at start-up unless QRPARK_ENVIRONMENT is "development" or "test".
DEVELOPMENT_SIGNING_KEY = "dev1:qrpark-development-signing-key-change-me"


def _parse_keys(raw: str | dict[str, str]) -> dict[str, str]:
    """Parse ``kid:secret,kid:secret`` into an ordered mapping; the first key signs new codes."""
    if isinstance(raw, dict):
        return raw
    keys: dict[str, str] = {}
    for raw_item in raw.split(","):
        item = raw_item.strip()
        if not item:
            continue
        kid, sep, secret = item.partition(":")
        if not sep or not kid or not secret:
            msg = "signing keys are written as kid:secret, separated by commas"
            raise ValueError(msg)
        if not kid.isalnum() or len(kid) > 8:
            msg = f"key id {kid!r} must be 1-8 letters or digits"
            raise ValueError(msg)
        if len(secret) < 16:
            msg = f"the secret of key {kid!r} is shorter than 16 characters"
            raise ValueError(msg)
        if kid in keys:
            msg = f"key id {kid!r} appears twice"
            raise ValueError(msg)
        keys[kid] = secret
    if not keys:
        msg = "at least one signing key is required"
        raise ValueError(msg)
    return keys


class Settings(BaseSettings):
    """Everything qrpark reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="QRPARK_", env_file=".env", extra="ignore")

    environment: str = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    # Ordered "kid:secret" pairs. The first signs; all verify (the rotation window).
    signing_keys: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: _parse_keys(DEVELOPMENT_SIGNING_KEY)
    )
    default_locale: str = "ko"
    time_zone: str = "Asia/Seoul"
    log_level: str = "INFO"

    # Payments. The sandbox gateway is always there and is the default for new operators.
    sandbox_webhook_secret: str = "sandbox-webhook-secret-for-development"  # noqa: S105 - sandbox only
    sandbox_latency_ms: int = Field(default=0, ge=0, le=60_000)
    sandbox_timeout_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    sandbox_error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    portone_api_secret: str = ""
    portone_store_id: str = ""
    portone_channel_key: str = ""
    portone_webhook_secret: str = ""
    portone_api_base: str = "https://api.portone.io"
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = "https://api.stripe.com"
    gateway_timeout_s: float = Field(default=15.0, gt=0)

    # Abuse limits on the public entry endpoints, per 10 minutes.
    entry_limit_per_ip: int = Field(default=20, ge=1)
    entry_limit_per_area: int = Field(default=120, ge=1)

    @field_validator("signing_keys", mode="before")
    @classmethod
    def _keys(cls, value: str | dict[str, str]) -> dict[str, str]:
        return _parse_keys(value)

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            msg = "public_base_url must start with http:// or https://"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in ("ko", "en"):
            msg = "default_locale must be 'ko' or 'en'"
            raise ValueError(msg)
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'qrpark.sqlite3').as_posix()}"

    @property
    def signing_kid(self) -> str:
        """The key id that signs new codes."""
        return next(iter(self.signing_keys))

    def check_production_safety(self) -> None:
        """Refuse to serve real traffic with the published development key."""
        dev_kid, _, dev_secret = DEVELOPMENT_SIGNING_KEY.partition(":")
        if self.environment not in ("development", "test") and (
            self.signing_keys.get(dev_kid) == dev_secret
        ):
            msg = "QRPARK_SIGNING_KEYS still holds the development key; set real keys"
            raise RuntimeError(msg)
