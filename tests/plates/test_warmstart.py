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


def test_a_widened_network_computes_what_the_narrow_one_did_and_its_new_channels_can_learn() -> (
    None
):
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.model import PlateCRNN
    from training.plates.widen import widen

    from qrpark.plates.domain import TOKENS

    torch.manual_seed(5)
    narrow, wide = PlateCRNN(len(TOKENS), 16), PlateCRNN(len(TOKENS), 24)
    x = torch.rand(6, 1, 32, 128)
    narrow.train()
    narrow(x)  # running statistics that are not the defaults
    widen(narrow, wide)
    for model in (narrow, wide):
        model.eval()
    with torch.no_grad():
        assert torch.allclose(narrow(x), wide(x), atol=1e-5)
    # In train mode the norms use the batch's statistics, channel by channel: still the same
    # (dropout off, since its mask depends on the layer's width).
    for model in (narrow, wide):
        model.train()
        for m in model.modules():
            if isinstance(m, torch.nn.Dropout):
                m.eval()
    assert torch.allclose(narrow(x), wide(x), atol=1e-5)

    # The weights from new channels into old ones start at zero but get a gradient.
    head, old = wide.context[-1], narrow.context[-1].weight.shape[1]
    wide(x).logsumexp(-1).mean().backward()
    assert not head.weight[:, old:].detach().any()
    assert head.weight.grad is not None
    assert head.weight.grad[:, old:].abs().sum() > 0
    # The new channels' incoming weights kept their own random start.
    assert wide.features[0].weight[8:].detach().abs().sum() > 0


def test_a_narrower_network_does_not_fit_a_wider_ones_place() -> None:
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.model import PlateCRNN
    from training.plates.widen import widen

    torch.manual_seed(5)
    with pytest.raises(ValueError, match="does not fit"):
        widen(PlateCRNN(20, 24), PlateCRNN(20, 16))


def test_the_width_of_an_exported_recogniser_is_read_from_its_first_layer() -> None:
    pytest.importorskip("onnx", reason="needs the train extra (make train-plates)")
    import json

    from training.plates.warmstart import onnx_width

    assert onnx_width(MODEL) == json.loads(MODEL.with_suffix(".json").read_text())["width"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--side-trims", "0", "0.5"], "--side-trims: each share must be between 0 and"),
        (["--width", "16", "--init", str(MODEL)], "wider than --width 16"),
        # A stream must have a pace the run can keep (training/plates/train.py, --stream-every).
        (["--stream-every", "auto"], "needs --train-until"),
        (["--stream-every", "0"], "at least 1 step"),
        (["--stream-every", "often"], "not a number of steps"),
    ],
)
def test_training_refuses_arguments_it_cannot_honour_before_it_renders_anything(
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    pytest.importorskip("onnx", reason="needs the train extra (make train-plates)")
    from training.plates import train

    def no_rendering(*_a: object, **_k: object) -> None:
        raise AssertionError("rendered data before refusing the arguments")

    monkeypatch.setattr(train, "load_or_build", no_rendering)
    monkeypatch.setattr("sys.argv", ["train", *args])
    with pytest.raises(SystemExit) as exit_:
        train.main()
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
