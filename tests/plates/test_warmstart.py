"""Training can start from the shipped ONNX recogniser (folded batch norms restored) and mix
crops of an older generator version into its data."""

from __future__ import annotations

import numpy as np
import pytest

from tests.plates.conftest import MODEL


@pytest.mark.usefixtures("every_face")
def test_the_network_rebuilt_from_onnx_computes_what_the_onnx_file_computes() -> None:
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    pytest.importorskip("onnx", reason="needs the train extra (make train-plates)")
    import onnxruntime as ort
    from training.plates.dataset import render_chunk
    from training.plates.generate import GENERATOR_VERSION
    from training.plates.model import PlateCRNN
    from training.plates.train import to_input
    from training.plates.warmstart import load_onnx

    from qrpark.plates.domain import TOKENS

    torch.set_num_threads(1)
    images, _, _ = render_chunk(GENERATOR_VERSION, (11, 0, 0, 160))
    x = to_input(images)
    model = PlateCRNN(len(TOKENS), 48)
    load_onnx(model, MODEL, x[:128])
    model.eval()
    with torch.no_grad():
        ours = model(x[128:]).numpy()
    theirs = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"]).run(
        None, {"image": x[128:].numpy()}
    )[0]
    assert np.abs(ours - theirs).max() < 1e-3


def test_replayed_crops_join_the_training_set_with_their_labels_intact() -> None:
    pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.train import merge_sets

    new = {
        "images": np.zeros((3, 32, 128), np.uint8),
        "labels": np.array([[1, 2, 0], [3, 0, 0], [4, 5, 6]], np.int32),
        "lengths": np.array([2, 1, 3]),
    }
    old = {
        "images": np.ones((2, 32, 128), np.uint8),
        "labels": np.array([[7, 8, 9, 10], [11, 0, 0, 0]], np.int32),
        "lengths": np.array([4, 1]),
    }
    merged = merge_sets(new, old)
    assert merged["images"].shape == (5, 32, 128)
    assert merged["images"][3:].all()
    assert not merged["images"][:3].any()
    assert merged["labels"].shape == (5, 4)
    for row, (labels, length) in enumerate(
        [([1, 2], 2), ([3], 1), ([4, 5, 6], 3), ([7, 8, 9, 10], 4), ([11], 1)]
    ):
        assert merged["labels"][row, :length].tolist() == labels
        assert merged["lengths"][row] == length
        assert not merged["labels"][row, length:].any()
