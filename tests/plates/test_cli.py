from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from training.plates import generate
from typer.testing import CliRunner

from qrpark.cli import app

runner = CliRunner()


def _flat(output: str) -> str:
    """Error text without rich's box drawing and line wrapping."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split()).replace("- ", "-")


@pytest.fixture
def plate_files(tmp_path: Path, model_fonts: generate.Typefaces) -> list[tuple[Path, str]]:
    rng = np.random.default_rng(77)
    out = []
    for i, kind in enumerate(["white7", "white8", "green2_region"]):
        plate, text = generate.render_plate(rng, kind, model_fonts)
        crop = cv2.copyMakeBorder(
            cv2.cvtColor(plate, cv2.COLOR_RGB2BGR), 4, 4, 4, 4, cv2.BORDER_CONSTANT
        )
        path = tmp_path / "imgs" / f"p{i}.png"
        path.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(path), crop)
        out.append((path, text))
    return out


def test_read_prints_one_json_per_image(plate_files: list[tuple[Path, str]]) -> None:
    result = runner.invoke(app, ["plates", "read", "--crop", *(str(p) for p, _ in plate_files)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    for line, (path, _text) in zip(lines, plate_files, strict=True):
        assert line["file"] == str(path)
        assert set(line) >= {"text", "confidence", "box", "plate_type", "seconds"}
        assert line["seconds"] >= 0


def test_read_votes_over_the_frames_of_a_track(
    tmp_path: Path, model_fonts: generate.Typefaces
) -> None:
    frames = generate.track(np.random.default_rng(5), model_fonts, 4, kind="white7")
    paths = []
    for i, frame in enumerate(frames):
        paths.append(tmp_path / f"f{i}.png")
        cv2.imwrite(str(paths[-1]), frame.image)
    bad = tmp_path / "torn.jpg"
    bad.write_bytes(b"\xff\xd8 torn")
    result = runner.invoke(
        app, ["plates", "read", "--crop", "--track", *(str(p) for p in paths), str(bad)]
    )
    assert result.exit_code == 1  # the torn frame is reported, the others still vote
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 6
    assert "error" in lines[4]
    reads = [line["text"] for line in lines[:4] if line["confidence"] > 0]
    voted = lines[5]["track"]
    assert voted["frames"] == len(reads)
    assert voted["text"] == frames[0].text
    assert voted["support"] == reads.count(voted["text"])
    assert 0.0 < voted["confidence"] <= 1.0
    assert voted["accepted"] == any(
        line["accepted"] and line["text"] == voted["text"] for line in lines[:4]
    )


def test_read_reports_an_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    result = runner.invoke(app, ["plates", "read", str(bad)])
    assert result.exit_code == 1
    assert "cannot decode" in json.loads(result.stdout)["error"]


def test_eval_prints_one_summary(tmp_path: Path, plate_files: list[tuple[Path, str]]) -> None:
    csv_path = tmp_path / "labels.csv"
    rows = ["file,plate_text,source"] + [f"imgs/{p.name},{t},synthetic" for p, t in plate_files]
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["plates", "eval", "--labels", str(csv_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 3
    assert 0 <= report["exact"] <= 3
    assert report["accuracy"] == pytest.approx(report["exact"] / 3, abs=1e-4)
    lo, hi = report["accuracy_wilson95"]
    assert lo <= report["accuracy"] <= hi
    assert report["rejected"] + report["wrong"] + report["exact"] == 3
    assert report["plates_per_second"] > 0
    assert report["cer"] >= 0


def test_eval_rejects_a_missing_csv(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plates", "eval", "--labels", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in _flat(result.output)


def test_eval_rejects_a_csv_without_the_columns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("image,text\na.png,12가3456\n", encoding="utf-8")
    result = runner.invoke(app, ["plates", "eval", "--labels", str(bad)])
    assert result.exit_code == 2
    assert "plate_text" in _flat(result.output)


def test_unknown_mode_is_refused(plate_files: list[tuple[Path, str]]) -> None:
    result = runner.invoke(app, ["plates", "read", "--mode", "xx", str(plate_files[0][0])])
    assert result.exit_code == 2


def test_cli_import_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, qrpark.cli; "
        "heavy = ('cv2', 'onnxruntime', 'rapidocr', 'torch'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_unknown_finder_is_refused(plate_files: list[tuple[Path, str]]) -> None:
    result = runner.invoke(app, ["plates", "read", "--finder", "xx", str(plate_files[0][0])])
    assert result.exit_code == 2
    assert "classical" in _flat(result.output)
