import pytest
from pydantic import ValidationError

from qrpark.settings import Settings


def test_signing_keys_parse_in_order_and_first_signs() -> None:
    s = Settings(signing_keys="k2:secret-number-two-xx,k1:secret-number-one-xx")
    assert list(s.signing_keys) == ["k2", "k1"]
    assert s.signing_kid == "k2"


@pytest.mark.parametrize(
    "raw", ["nocolon", "k1:short", "k1:aaaaaaaaaaaaaaaaaa,k1:bbbbbbbbbbbbbbbbbb", ""]
)
def test_bad_signing_keys_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        Settings(signing_keys=raw)


def test_default_database_is_sqlite_in_data_dir(tmp_path) -> None:
    s = Settings(data_dir=tmp_path)
    assert s.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path.as_posix()}/qrpark.sqlite3"


def test_development_key_refused_outside_development() -> None:
    with pytest.raises(RuntimeError, match="development key"):
        Settings(environment="production").check_production_safety()
    Settings(
        environment="production", signing_keys="p1:a-real-production-key-123"
    ).check_production_safety()
