"""Training runs on a GPU when a machine has one: the batches it stretches there match the CPU's,
a deadline sets the step count without changing the run, and the fonts travel in a bundle."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest


def _crops(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 32, 128), dtype=np.uint8)
    images[: n // 4] //= 8  # dark, low-contrast crops take the stretch's floor of 16 grey levels
    lengths = rng.integers(0, 9, n).astype(np.int16)
    labels = np.zeros((n, 10), np.int16)
    for i, k in enumerate(lengths):
        labels[i, :k] = rng.integers(1, 60, k)
    return {"images": images, "labels": labels, "lengths": lengths}


def test_crops_stretched_where_they_lie_match_the_cpu_stretch() -> None:
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.train import Batches

    data = _crops(64)
    cpu = Batches(data, torch.device("cpu"))
    device_path = Batches(data, torch.device("cpu"), on_device=True)
    idx = np.array([0, 3, 5, 17, 40, 63])
    for shift in (-3, 0, 2):
        a = cpu.inputs(idx, shift)
        b = device_path.inputs(idx, shift)
        assert a.shape == b.shape == (6, 1, 32, 128)
        assert torch.allclose(a, b, atol=1e-5)


def test_ctc_targets_are_each_rows_labels_joined_in_order() -> None:
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.train import Batches

    data = _crops(20)
    idx = np.arange(3, 15)
    flat, lengths = Batches(data, torch.device("cpu")).targets(idx)
    expected = [int(t) for i in idx for t in data["labels"][i, : data["lengths"][i]]]
    assert flat.tolist() == expected
    assert lengths.tolist() == data["lengths"][idx].tolist()
    assert flat.dtype == lengths.dtype == torch.int64


def test_a_deadline_sets_the_step_count_and_leaves_the_run_as_it_was() -> None:
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.model import PlateCRNN
    from training.plates.train import Batches, steps_until

    from qrpark.plates.domain import TOKENS

    torch.set_num_threads(1)
    torch.manual_seed(5)
    model = PlateCRNN(len(TOKENS), 16)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    batches = Batches(_crops(64), torch.device("cpu"))
    state = torch.random.get_rng_state()
    steps = steps_until(model, batches, 8, time.time() + 3600, seed=5, probe=3)
    assert steps > 0
    assert steps % 100 == 0
    # Neither the network nor PyTorch's random state (dropout draws from it) was touched.
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    with pytest.raises(SystemExit, match="too little"):
        steps_until(model, batches, 8, time.time() + 60, seed=5, probe=3)


def test_asking_for_a_gpu_on_a_machine_without_one_is_refused() -> None:
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.train import pick_device

    assert pick_device("cpu").type == "cpu"
    if torch.cuda.is_available():
        assert pick_device("auto").type == "cuda"
    else:
        assert pick_device("auto").type == "cpu"
        with pytest.raises(SystemExit, match="no GPU"):
            pick_device("cuda")


@pytest.mark.usefixtures("every_face")
def test_the_font_bundle_names_every_face_and_unpacks_where_the_generator_looks(
    tmp_path: Path,
) -> None:
    from training.plates import fonts_bundle, generate

    faces = fonts_bundle.bundled_faces()
    every = [generate.typefaces(v) for v in generate.GENERATOR_VERSIONS]
    for faces_of in (*every, generate.typefaces(held_out=True)):
        assert {Path(p) for p, _ in (*faces_of.hangul, *faces_of.digits)} <= set(faces)
    small = [f for f in faces if f.stat().st_size < 200_000][:2]
    assert small, "the Liberation faces are small enough to pack in a test"
    bundle = tmp_path / "fonts.tar.xz"
    fonts_bundle.write_bundle(bundle, small)
    root = tmp_path / "root"
    with tarfile.open(bundle) as tar:
        tar.extractall(root, filter="data")
    for face in small:
        assert (root / str(face).lstrip("/")).read_bytes() == face.read_bytes()
    assert not bundle.with_name("fonts.tar.xz.part").exists()


_STUB_PYTHON = """#!/usr/bin/env bash
# Stands in for the device's python3: unpacking succeeds, training saves weights under its run
# name, prints and exits as told.
if [ "$1" = "-c" ]; then exit 0; fi
while [ "$#" -gt 0 ] && [ "$1" != "--run-name" ]; do shift; done
mkdir -p training/runs/plates
echo weights > "training/runs/plates/model-$2.pt"
for i in $(seq 1 3000); do echo "step $i"; done
echo "training's last line"
exit "$STUB_EXIT"
"""


@pytest.mark.parametrize("code", [0, 3])
def test_the_device_script_returns_trainings_status_and_its_whole_log(
    tmp_path: Path, code: int
) -> None:
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    script = Path(__file__).resolve().parents[2] / "training" / "device" / "plates.sh"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "python3"
    stub.write_text(_STUB_PYTHON)
    stub.chmod(0o755)
    out = tmp_path / "out"
    out.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "OUT": str(out),
        "STUB_EXIT": str(code),
    }
    done = subprocess.run(
        ["bash", str(script)],
        check=False,
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code
    log = (out / "plates-device.log").read_text().splitlines()
    assert log[0] == "step 1"
    assert "training's last line" in log
    assert log[-1].startswith(f"plates.sh: exit {code} after ")
    assert len(log) == 3002
    assert (out / "model-device.pt").read_text() == "weights\n"
