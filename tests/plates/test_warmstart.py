"""Training can start from the shipped ONNX recogniser (folded batch norms restored)."""

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
