"""Two recognisers of one graph average into a third: every float weight the weighted mean, the
graph unchanged, a card that names its parents; models that differ are refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


def _exported(tmp_path: Path, name: str, seed: int, width: int = 16, **card: object) -> Path:
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    pytest.importorskip("onnx", reason="needs the train extra (make train-plates)")
    from training.plates.model import PlateCRNN
    from training.plates.train import export

    from qrpark.plates.domain import TOKENS

    torch.manual_seed(seed)
    model = PlateCRNN(len(TOKENS), width)
    model.train()
    model(torch.rand(4, 1, 32, 128))  # running statistics that differ between the models
    path = tmp_path / f"{name}.onnx"
    export(model, path)
    meta = {
        "tokens": list(TOKENS),
        "input": [1, 32, 128],
        "width": width,
        "arrange_version": 2,
        "side_trims": [0.0, 0.03],
        "generator_version": 6,
        "reject_threshold": 0.9,
        "command": f"train {name}",
        **card,
    }
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    return path


def _weights(path: Path) -> dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper

    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def test_the_average_holds_the_weighted_mean_of_every_weight_and_computes_like_a_network(
    tmp_path: Path,
) -> None:
    a = _exported(tmp_path, "a", 1, choice="layout_mean")
    b = _exported(tmp_path, "b", 2, generator_version=7, confidence="text_posterior")
    import onnx
    import onnxruntime as ort
    from training.plates.average import average_card, average_weights

    merged = average_weights([a, b], [0.25, 0.75])
    out = tmp_path / "avg.onnx"
    onnx.save(merged, str(out))
    wa, wb, wm = _weights(a), _weights(b), _weights(out)
    assert wm.keys() == wa.keys()
    floats = [k for k in wm if np.issubdtype(wm[k].dtype, np.floating)]
    assert floats
    for name in wm:
        assert wm[name].dtype == wa[name].dtype
        if name in floats:
            mean = 0.25 * wa[name].astype(np.float64) + 0.75 * wb[name].astype(np.float64)
            np.testing.assert_allclose(wm[name], mean, rtol=1e-6, atol=1e-9)
        else:
            np.testing.assert_array_equal(wm[name], wa[name])
    assert any(not np.allclose(wa[k], wb[k]) for k in floats)  # the parents really differ

    x = np.random.default_rng(3).random((2, 1, 32, 128), dtype=np.float32)
    outs = [
        ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]
        for p in (a, b, out)
    ]
    assert outs[2].shape == outs[0].shape
    assert not np.allclose(outs[2], outs[0])
    assert not np.allclose(outs[2], outs[1])

    card = average_card([a, b], [0.25, 0.75], out, seed=9)
    assert card["generator_version"] == 7  # calibrated on the newer parent's faces
    assert card["seed"] == 9
    assert [p["weight"] for p in card["average"]] == [0.25, 0.75]
    assert [p["command"] for p in card["average"]] == ["train a", "train b"]
    assert card["side_trims"] == [0.0, 0.03]
    assert card["width"] == 16
    # How the product reads with the network comes from the first parent, the shipped model.
    assert card["choice"] == "layout_mean"
    assert "confidence" not in card


def test_a_model_averaged_with_itself_is_itself(tmp_path: Path) -> None:
    a = _exported(tmp_path, "a", 1)
    from training.plates.average import average_weights

    merged = average_weights([a, a], [0.5, 0.5])
    from onnx import numpy_helper

    mine = {i.name: numpy_helper.to_array(i) for i in merged.graph.initializer}
    for name, array in _weights(a).items():
        np.testing.assert_array_equal(mine[name], array)


def test_models_that_differ_in_form_or_reading_and_bad_weights_are_refused(
    tmp_path: Path,
) -> None:
    a = _exported(tmp_path, "a", 1)
    wide = _exported(tmp_path, "wide", 2, width=24)
    other_views = _exported(tmp_path, "views", 3, side_trims=[0.0])
    from training.plates.average import average_card, average_weights

    with pytest.raises(ValueError, match=r"same graph|same weights|, not float32"):
        average_weights([a, wide], [0.5, 0.5])
    with pytest.raises(ValueError, match="sum to 1"):
        average_weights([a, other_views], [0.5, 0.6])
    with pytest.raises(ValueError, match="positive"):
        average_weights([a, other_views], [1.0, 0.0])
    with pytest.raises(ValueError, match="2 models but 1 weights"):
        average_weights([a, other_views], [1.0])
    with pytest.raises(ValueError, match="at least two"):
        average_weights([a], [1.0])
    with pytest.raises(ValueError, match="side_trims differs"):
        average_card([a, other_views], [0.5, 0.5], a, seed=1)
