"""``qrpark occupancy eval`` on small folders made here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner

from qrpark.cli import app

from .conftest import Render


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory, render: Render) -> Path:
    """A camera folder of 24 busy and 16 free synthetic 150-pixel patches."""
    root = tmp_path_factory.mktemp("camera")
    patches, busy = render(21, 48, 150)
    counts = {"busy": 0, "free": 0}
    for patch, is_busy in zip(patches, busy, strict=True):
        label = "busy" if is_busy else "free"
        if label == "free" and counts["free"] == 16:
            continue
        (root / label).mkdir(exist_ok=True)
        cv2.imwrite(str(root / label / f"{counts[label]:03d}.jpg"), patch)
        counts[label] += 1
    (root / "free" / "notes.txt").write_text("not an image")
    return root


def _eval(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["occupancy", "eval", *args])
    return result.exit_code, result.stdout, result.stderr


def test_eval_prints_one_json_object_with_the_figures(labelled: Path) -> None:
    code, out, _ = _eval(str(labelled))
    assert code == 0
    report = json.loads(out)
    assert report["n"] == 40
    assert (report["n_busy"], report["n_free"]) == (24, 16)
    assert report["majority_baseline"] == 0.6
    lo, hi = report["accuracy_wilson95"]
    assert 0 <= lo <= report["accuracy"] <= hi <= 1
    assert set(report["recall"]) == {"busy", "free"}
    recall = report["recall"]
    balanced = (recall["busy"] + recall["free"]) / 2
    assert report["balanced_accuracy"] == pytest.approx(balanced, abs=1e-3)
    assert report["ms_per_space"] > 0
    assert report["scorer"].startswith("cnn:")


def test_calibration_patches_are_left_out_of_the_score(labelled: Path) -> None:
    code, out, _ = _eval(str(labelled), "--calibrate", "5", "--classical")
    assert code == 0
    report = json.loads(out)
    assert (report["n_busy"], report["n_free"]) == (19, 11)
    assert report["calibrated_per_class"] == 5
    assert report["scorer"] == "classical:v1"
    assert report["majority_baseline"] == pytest.approx(19 / 30, abs=1e-4)


def test_the_cnn_remembers_its_calibration_patches_unless_told_otherwise(labelled: Path) -> None:
    code, out, _ = _eval(str(labelled), "--calibrate", "5")
    assert code == 0
    calibration = json.loads(out)["calibration"]
    assert calibration["method"] == "memory"
    assert calibration["remembered"] == 10
    assert calibration["memory_width"] > 0
    assert calibration["memory_weight"] > 0
    code, out, _ = _eval(str(labelled), "--calibrate", "5", "--method", "map")
    assert code == 0
    calibration = json.loads(out)["calibration"]
    assert calibration["method"] == "map"
    assert "remembered" not in calibration


def test_a_method_needs_calibration_and_must_be_known(labelled: Path) -> None:
    code, out, err = _eval(str(labelled), "--method", "map")
    assert code == 2
    assert out == ""
    assert "--calibrate" in err
    code, out, err = _eval(str(labelled), "--calibrate", "5", "--method", "magic")
    assert code == 2
    assert out == ""
    assert "memory, map, direction" in err


def test_folder_without_busy_or_free_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    code, out, err = _eval(str(tmp_path))
    assert code == 2
    assert out == ""
    assert "lacks free/" in " ".join(err.split())  # the console may wrap the line


def test_an_image_that_does_not_decode_is_named_in_a_clear_error(
    labelled: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "camera"
    shutil.copytree(labelled, folder)
    (folder / "busy" / "010.jpg").write_bytes(b"\xff\xd8 cut short")
    # a name outside ASCII is read, not refused
    shutil.copy(folder / "free" / "000.jpg", folder / "free" / "자리 1.jpg")
    code, out, err = _eval(str(folder))
    assert code == 2
    assert out == ""
    assert "busy/010.jpg" in "".join(err.split())  # the console may wrap the path anywhere
    assert "Traceback" not in err
    (folder / "busy" / "010.jpg").unlink()
    code, out, _ = _eval(str(folder))
    assert code == 0
    assert json.loads(out)["n_free"] == 17


def test_data_set_root_points_to_its_camera_folders(labelled: Path, tmp_path: Path) -> None:
    (tmp_path / "A").symlink_to(labelled)
    code, _, err = _eval(str(tmp_path))
    assert code == 2
    assert "camera folders A" in err


def test_calibrating_on_everything_is_refused(labelled: Path) -> None:
    code, _, err = _eval(str(labelled), "--calibrate", "16")
    assert code == 2
    assert "leaves nothing to score" in err


def test_missing_model_file_is_an_error(labelled: Path, tmp_path: Path) -> None:
    code, _, err = _eval(str(labelled), "--model", str(tmp_path / "absent.onnx"))
    assert code == 2
    assert "model file not found" in err


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = (
        "import sys, qrpark.cli; "
        "print([m for m in ('numpy', 'cv2', 'onnxruntime', 'torch') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
