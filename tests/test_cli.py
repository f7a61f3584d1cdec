"""The command line, end to end on a fresh SQLite database in a temporary folder."""

import base64
import io
import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from typer.testing import CliRunner

from qrpark.cli import app
from qrpark.kit.signing import KeyRing
from qrpark.signs.domain import parse_sign_url, verify

KEYS = "c1:cli-test-signing-key-0001"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("QRPARK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QRPARK_PUBLIC_BASE_URL", "https://park.example")
    monkeypatch.setenv("QRPARK_SIGNING_KEYS", KEYS)
    monkeypatch.delenv("QRPARK_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return runner


def test_demo_prints_a_verifiable_landing_url(cli: CliRunner) -> None:
    result = cli.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "20 areas" in result.output
    url = result.output.strip().splitlines()[-1]
    ref = parse_sign_url(url)
    assert url.startswith("https://park.example/a/gangnam-b/")
    assert verify(ref, KeyRing({"c1": KEYS.split(":", 1)[1]}))


def test_sign_sheet_round_trips_through_a_real_decoder(cli: CliRunner, tmp_path: Path) -> None:
    cli.invoke(app, ["demo"])
    out = tmp_path / "signs.html"
    result = cli.invoke(app, ["qr", "sheet", "--lot", "gangnam-b", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    images = re.findall(
        r'data-area="([^"]+)".*?src="data:image/png;base64,([^"]+)"', html, re.DOTALL
    )
    assert len(images) == 20
    keys = KeyRing({"c1": KEYS.split(":", 1)[1]})
    for area, data in images:
        decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
        assert len(decoded) == 1
        ref = parse_sign_url(decoded[0].text)
        assert ref.area_code == area
        assert verify(ref, keys)
        assert f'<p class="code">{area}</p>' in html
    assert "QR 코드를 스캔하여 주차 등록" in html
    assert "Scan to register your parking" in html


def test_sheet_for_unknown_lot_or_area_fails_clearly(cli: CliRunner, tmp_path: Path) -> None:
    cli.invoke(app, ["demo"])
    missing_lot = cli.invoke(
        app, ["qr", "sheet", "--lot", "nowhere", "--out", str(tmp_path / "x.html")]
    )
    assert missing_lot.exit_code == 1
    missing_area = cli.invoke(
        app,
        ["qr", "sheet", "--lot", "gangnam-b", "--area", "Q-9", "--out", str(tmp_path / "x.html")],
    )
    assert missing_area.exit_code == 1
    assert "Q-9" in missing_area.output


def test_import_reports_bad_lines_and_keeps_nothing(cli: CliRunner, tmp_path: Path) -> None:
    cli.invoke(app, ["demo"])
    csv_file = tmp_path / "areas.csv"
    csv_file.write_text("code,level,latitude\nB3-A-001,B3,37.5\nB3-A-002,B3,99\n", encoding="utf-8")
    bad = cli.invoke(app, ["import", "areas", str(csv_file), "--lot", "gangnam-b"])
    assert bad.exit_code == 1
    assert "areas.csv:3: latitude" in bad.output
    csv_file.write_text(
        "code,level,latitude\nB3-A-001,B3,37.5\nB3-A-002,B3,37.6\n", encoding="utf-8"
    )
    good = cli.invoke(app, ["import", "areas", str(csv_file), "--lot", "gangnam-b"])
    assert good.exit_code == 0, good.output
    assert "imported 2 area(s)" in good.output


def test_token_for_unknown_operator_fails(cli: CliRunner) -> None:
    result = cli.invoke(app, ["token", "create", "--operator", "ghost"])
    assert result.exit_code == 1


def test_worker_once_and_ledger_check(cli: CliRunner) -> None:
    cli.invoke(app, ["demo"])
    worker = cli.invoke(app, ["worker", "--once"])
    assert worker.exit_code == 0, worker.output
    check = cli.invoke(app, ["ledger", "check"])
    assert check.exit_code == 0, check.output
    assert "all consistent" in check.output
