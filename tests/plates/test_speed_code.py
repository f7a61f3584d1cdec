"""Comparing the recogniser's code at a revision with the working tree's
(``training.plates.speed_code``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from training.plates import speed_code

REPO = Path(__file__).resolve().parents[2]


def _in_git() -> bool:
    if shutil.which("git") is None:
        return False
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "HEAD"], cwd=REPO, capture_output=True, check=False
    )
    return done.returncode == 0


needs_git = pytest.mark.skipif(not _in_git(), reason="needs a git checkout with a commit")


def test_imports_of_the_plates_package_point_at_the_copy() -> None:
    source = (
        "from qrpark.plates.decode import greedy\n"
        "import qrpark.plates.domain as domain\n"
        "from qrpark.platesque import x\n"
        "from qrpark.fees import y\n"
    )
    assert speed_code.rewrite_imports(source) == (
        "from qrpark_rev.plates.decode import greedy\n"
        "import qrpark_rev.plates.domain as domain\n"
        "from qrpark.platesque import x\n"
        "from qrpark.fees import y\n"
    )


@needs_git
def test_the_revisions_reader_loads_beside_the_working_trees(tmp_path: Path) -> None:
    reader = speed_code.load_revision("HEAD", tmp_path, REPO)
    assert reader.__name__ == "qrpark_rev.plates.reader"
    assert Path(reader.__file__).is_relative_to(tmp_path)
    assert reader.KoreanRecognizer.__module__ == "qrpark_rev.plates.reader"
    assert sys.modules["qrpark_rev.plates.decode"].__file__.startswith(str(tmp_path))
    crop = np.full((40, 160, 3), 235, np.uint8)
    read = reader.KoreanRecognizer(model_path=speed_code.KR_MODEL).read_crop(crop)
    assert len(speed_code.read_key(read)) == 7


@needs_git
def test_a_revision_git_does_not_know_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="git ls-tree"):
        speed_code.load_revision("no-such-revision-0x", tmp_path, REPO)


@needs_git
def test_the_comparison_reports_both_codes_and_the_reads_that_differ(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = speed_code.main(["--against", "HEAD", "--faces", "9", "--seed", "5", "--n", "6",
                              "--rounds", "1"])  # fmt: skip
    first, second = result["models"]
    assert first["model"].startswith("HEAD:")
    assert second["model"] == "working tree"
    assert "slower_than_first_percent" in second
    # Six crops in the round and the untimed warm-up's five, read by both.
    assert result["reads"] == 11
    assert 0 <= result["differing_reads"] <= result["reads"]
    assert '"differing_reads"' in capsys.readouterr().out


def test_a_recording_keeps_each_read_in_order() -> None:
    class Fixed:
        def __init__(self) -> None:
            self.n = 0

        def read_crop(self, crop: np.ndarray) -> object:
            from qrpark.plates.decode import Decoded
            from qrpark.plates.preprocess import Layout
            from qrpark.plates.reader import CropRead

            self.n += 1
            decoded = Decoded(str(self.n), (str(self.n),), (0.5,), -1.0, True)
            return CropRead(decoded, Layout.ONE_LINE, 0.5)

    recording = speed_code.Recording(Fixed())
    for _ in range(2):
        recording.read_crop(np.zeros((4, 4, 3), np.uint8))
    assert [r[0] for r in recording.reads] == ["1", "2"]
    assert recording.reads[0][5] == "one_line"
