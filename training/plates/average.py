"""Average the weights of recognisers that share one graph, and calibrate the result.

    python -m training.plates.average --model A.onnx --model B.onnx --weight 0.5 --weight 0.5 \\
        --seed 20261148 --out training/runs/plates/average.onnx

A model continued from another (a fine-tuning) often gains on the data it was continued on and
loses a little elsewhere; the average of the two in weight space tends to keep much of the gain
and win back the loss, when the two share their start. The files hold exported weights (each
batch norm folded into its convolution), so it is those that are averaged: the result is a
network of the same form with every float weight the weighted mean of the models'. Both graphs
must match node for node and weight for weight in name, shape and type; integer tensors (shapes)
must be equal.

The card is the first model's, with the average's parents and weights in ``average``, the
highest generator version among the parents' (its calibration faces), and a reject threshold
calibrated as the training run calibrates one (``training.plates.calibrate``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from training.plates.calibrate import calibrate_card

#: Card fields that describe how the network reads a crop: every parent must agree on them.
READING = ("tokens", "input", "width", "arrange_version", "side_trims")
#: Card fields that say how the product reads with the network rather than how the network
#: reads a crop: the average takes the first parent's (the shipped model it is made from).
READ_WITH = ("confidence", "choice")
#: How far the weights may sum from one.
TOLERANCE = 1e-9


def _graph_shape(model: onnx.ModelProto) -> list[bytes]:
    """The graph without its weights: nodes, inputs and outputs, as bytes to compare."""
    graph = model.graph
    parts = [n.SerializeToString() for n in graph.node]
    parts += [v.SerializeToString() for v in (*graph.input, *graph.output)]
    return parts


def average_weights(paths: list[Path], weights: list[float]) -> onnx.ModelProto:
    """A copy of the first model whose float weights are the ``weights``-weighted mean of all."""
    if len(paths) < 2:
        raise ValueError("averaging needs at least two models")
    if len(weights) != len(paths):
        raise ValueError(f"{len(paths)} models but {len(weights)} weights")
    if any(w <= 0 for w in weights) or abs(sum(weights) - 1.0) > TOLERANCE:
        raise ValueError(f"weights must be positive and sum to 1, not {weights}")
    models = [onnx.load(str(p)) for p in paths]
    first = models[0]
    tensors = [{i.name: numpy_helper.to_array(i) for i in m.graph.initializer} for m in models]
    form = _graph_shape(first)
    for path, model, named in zip(paths[1:], models[1:], tensors[1:], strict=True):
        if _graph_shape(model) != form:
            raise ValueError(f"{path} is not the same graph as {paths[0]}")
        if named.keys() != tensors[0].keys():
            raise ValueError(f"{path} does not hold the same weights as {paths[0]}")
        for name, array in named.items():
            ours = tensors[0][name]
            if array.shape != ours.shape or array.dtype != ours.dtype:
                raise ValueError(
                    f"{path}: {name} is {array.dtype}{array.shape}, not {ours.dtype}{ours.shape}"
                )
    merged = onnx.ModelProto()
    merged.CopyFrom(first)
    del merged.graph.initializer[:]
    for init in first.graph.initializer:
        arrays = [named[init.name] for named in tensors]
        if np.issubdtype(arrays[0].dtype, np.floating):
            mean = sum(w * a.astype(np.float64) for w, a in zip(weights, arrays, strict=True))
            value = np.asarray(mean).astype(arrays[0].dtype)
        else:
            if any(not np.array_equal(a, arrays[0]) for a in arrays[1:]):
                raise ValueError(f"{init.name} holds integers that differ between the models")
            value = arrays[0]
        merged.graph.initializer.append(numpy_helper.from_array(value, init.name))
    onnx.checker.check_model(merged)
    return merged


def average_card(paths: list[Path], weights: list[float], out: Path, seed: int) -> dict:
    """The card of the average of ``paths`` written to ``out`` (threshold not yet calibrated)."""
    cards = [json.loads(p.with_suffix(".json").read_text(encoding="utf-8")) for p in paths]
    for path, card in zip(paths[1:], cards[1:], strict=True):
        for key in READING:
            if card.get(key) != cards[0].get(key):
                raise ValueError(f"{path}'s card reads crops differently: {key} differs")
    card = {key: cards[0][key] for key in (*READING, *READ_WITH) if key in cards[0]}
    card["generator_version"] = max(int(c.get("generator_version", 2)) for c in cards)
    card["seed"] = seed
    card["average"] = [
        {
            "onnx_sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            "weight": w,
            "generator_version": c.get("generator_version"),
            "command": c.get("command"),
        }
        for p, w, c in zip(paths, weights, cards, strict=True)
    ]
    card["reject_threshold"] = 0.99  # provisional: calibration replaces it
    card["onnx_sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    card["command"] = "python -m training.plates.average " + shlex.join(sys.argv[1:])
    return card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, action="append", required=True)
    ap.add_argument(
        "--weight",
        type=float,
        action="append",
        help="one per --model, in the same order (default: equal weights)",
    )
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, required=True, help="seed of the calibration crops")
    ap.add_argument("--calibration-size", type=int, default=12_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    weights = args.weight or [1.0 / len(args.model)] * len(args.model)
    try:
        merged = average_weights(args.model, weights)
    except ValueError as err:
        ap.error(str(err))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(merged, str(args.out))
    try:
        card = average_card(args.model, weights, args.out, args.seed)
    except ValueError as err:
        args.out.unlink()
        ap.error(str(err))
    args.out.with_suffix(".json").write_text(
        json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    figures = calibrate_card(args.out, args.seed, args.calibration_size, args.workers)
    print(json.dumps({"onnx_sha256": card["onnx_sha256"], **figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()
