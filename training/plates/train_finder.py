"""Train the learned plate finder on synthetic frames and export it to ONNX.

    python -m training.plates.train_finder --seed 20261201

Everything comes from the seed: the rendered frames (``training.plates.scenes``), the initial
weights, the batch order and the crops. No photograph is used; the real car photos in the shared
data are for evaluation only (``python -m bench plates``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch
from training.plates import generate, scenes
from training.plates.dataset import cached_render, step_progress
from training.plates.export import check_export
from training.plates.finder_model import PlateFinderNet

from qrpark.plates.detector import FINDER_MODEL, STRIDE, WORK_SIDE, regions
from qrpark.plates.finder import box_iou, find_plates

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "training" / "runs" / "finder"
FRAME = 320  # rendered training frames are FRAME × FRAME
CROP = 256  # and trained on as random CROP × CROP windows
VAL_SIZE = (512, 288)  # validation frames have a 1280×720 camera's shape at the work size
MAX_QUADS = 3
IOU = 0.5
#: The plate generator version the shipped finder's frames draw their Korean plates with; newer
#: generator versions change the plates (version 4's stroke digits), and so the frames a seed draws.
PLATE_GENERATOR = 3
#: (frame, threshold) -> candidate boxes (x, y, w, h)
Predict = Callable[[np.ndarray, float], list[tuple[int, int, int, int]]]


def render_chunk(
    size: tuple[int, int], version: int, plates: int, args: tuple[int, int, int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames (scene ``version``, Korean plates of generator version ``plates``), per-cell
    targets and quads (padded with NaN) of one chunk."""
    seed, split, chunk, count = args
    rng = np.random.default_rng([seed, split, chunk])
    fonts = generate.typefaces(plates, strict=True)
    scenes.latin_fonts(strict=True)
    w, h = size
    images = np.zeros((count, h, w, 3), np.uint8)
    targets = np.zeros((count, h // STRIDE, w // STRIDE), np.float16)
    quads = np.full((count, MAX_QUADS, 4, 2), np.nan, np.float32)
    for i in range(count):
        f = scenes.frame(rng, fonts, size, MAX_QUADS, version)
        images[i] = f.image
        targets[i] = scenes.target(f.quads, size, STRIDE)
        for k, q in enumerate(f.quads):
            quads[i, k] = q
    return images, targets, quads


def load_or_build(
    path: Path,
    seed: int,
    split: int,
    n: int,
    size: tuple[int, int],
    workers: int,
    version: int,
    plates: int,
) -> dict[str, np.ndarray]:
    """Frames, targets and quads of ``split`` at ``size``: scene ``version``, plates of generator
    version ``plates``."""
    return cached_render(
        path,
        partial(render_chunk, size, version, plates),
        ("images", "targets", "quads"),
        seed,
        split,
        n,
        workers,
        f"rendering frames, split {split}",
        compressed=False,
    )


def _box(quad: np.ndarray) -> tuple[int, int, int, int]:
    x0, y0 = np.floor(quad.min(axis=0))
    x1, y1 = np.ceil(quad.max(axis=0))
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def evaluate(predict: Predict, data: dict[str, np.ndarray], threshold: float) -> dict[str, float]:
    """Recall (a candidate box with IoU ≥ 0.5 per plate) and false regions per frame."""
    found = total = false = 0
    for img, quads in zip(data["images"], data["quads"], strict=True):
        truth = [_box(q) for q in quads if not np.isnan(q).any()]
        boxes = predict(img, threshold)
        total += len(truth)
        found += sum(any(box_iou(b, t) >= IOU for b in boxes) for t in truth)
        false += sum(not any(box_iou(b, t) >= IOU for t in truth) for b in boxes)
    n = len(data["images"])
    return {"recall": found / max(total, 1), "false_per_frame": false / n, "plates": total}


def net_boxes(model: PlateFinderNet) -> Predict:
    def predict(img: np.ndarray, threshold: float) -> list[tuple[int, int, int, int]]:
        x = torch.from_numpy(img.astype(np.float32).transpose(2, 0, 1)[None] / 255.0)
        with torch.no_grad():
            prob = model(x)[0, 0].numpy()
        return [_box(q) for q, _ in regions(prob, threshold)[:6]]

    return predict


def classical_boxes(img: np.ndarray, threshold: float) -> list[tuple[int, int, int, int]]:
    return [c.box for c in find_plates(img, 6)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--train-size", type=int, default=8_000)
    ap.add_argument("--val-size", type=int, default=400)
    ap.add_argument("--steps", type=int, default=6_000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="processes rendering the frames")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument(
        "--scene-version",
        type=int,
        choices=scenes.SCENE_VERSIONS,
        default=scenes.SCENE_VERSION,
        help="draw the frames as this version of the scene renderer did",
    )
    ap.add_argument(
        "--generator-version",
        type=int,
        choices=generate.GENERATOR_VERSIONS,
        default=PLATE_GENERATOR,
        help="draw the frames' Korean plates as this version of the plate generator did",
    )
    ap.add_argument("--out", type=Path, default=FINDER_MODEL)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    generate.typefaces(args.generator_version, strict=True)  # every face present, before any work
    scenes.latin_fonts(strict=True)
    tag = f"s{args.scene_version}g{args.generator_version}-{args.seed}"
    train = load_or_build(
        RUNS / f"train-{tag}-{args.train_size}.npz",
        args.seed,
        0,
        args.train_size,
        (FRAME, FRAME),
        args.workers,
        args.scene_version,
        args.generator_version,
    )
    val = load_or_build(
        RUNS / f"val-{tag}-{args.val_size}.npz",
        args.seed,
        1,
        args.val_size,
        VAL_SIZE,
        args.workers,
        args.scene_version,
        args.generator_version,
    )
    print(f"data ready in {time.time() - t0:.0f}s", flush=True)

    model = PlateFinderNet(args.width)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.1
    )
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(4.0))
    n = len(train["images"])
    cells = CROP // STRIDE
    t_train = time.time()
    with step_progress("train finder") as progress:
        task = progress.add_task("train", total=args.steps, loss=float("nan"))
        ema = None
        for step in range(args.steps):
            idx = rng.integers(0, n, args.batch)
            # A random CROP window per frame, aligned to the cell grid.
            oy = rng.integers(0, (FRAME - CROP) // STRIDE + 1, args.batch)
            ox = rng.integers(0, (FRAME - CROP) // STRIDE + 1, args.batch)
            imgs = np.stack(
                [
                    train["images"][
                        i, y * STRIDE : y * STRIDE + CROP, x * STRIDE : x * STRIDE + CROP
                    ]
                    for i, y, x in zip(idx, oy, ox, strict=True)
                ]
            )
            tgts = np.stack(
                [
                    train["targets"][i, y : y + cells, x : x + cells]
                    for i, y, x in zip(idx, oy, ox, strict=True)
                ]
            )
            x_t = torch.from_numpy(imgs.astype(np.float32).transpose(0, 3, 1, 2) / 255.0)
            y_t = torch.from_numpy(tgts.astype(np.float32)[:, None])
            logits = model.logits(x_t)
            prob = torch.sigmoid(logits)
            inter = (prob * y_t).sum()
            dice = 1 - (2 * inter + 1) / (prob.sum() + y_t.sum() + 1)
            loss = bce(logits, y_t) + dice
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
            progress.update(task, advance=1, loss=ema)
            if (step + 1) % 200 == 0 and not progress.console.is_terminal:
                rate = (step + 1) / (time.time() - t_train)
                print(f"step {step + 1}/{args.steps} loss {ema:.3f} {rate:.2f} steps/s", flush=True)
            if (step + 1) % 2000 == 0 or step + 1 == args.steps:
                model.eval()
                fig = evaluate(net_boxes(model), {k: v[:200] for k, v in val.items()}, 0.5)
                model.train()
                RUNS.mkdir(parents=True, exist_ok=True)
                torch.save(model.state_dict(), RUNS / f"checkpoint-{args.seed}.pt")
                progress.console.print(f"step {step + 1}: synthetic val {fig}")

    model.eval()
    learned = evaluate(net_boxes(model), val, args.threshold)
    classical = evaluate(classical_boxes, val, args.threshold)
    print(f"synthetic val: learned {learned}, classical {classical}", flush=True)
    torch.save(model.state_dict(), RUNS / f"model-{args.seed}.pt")
    export(model, args.out)
    meta = {
        "input": "BGR in [0, 1], longer side work_side, padded to a multiple of 16",
        "work_side": WORK_SIDE,
        "stride": STRIDE,
        "threshold": args.threshold,
        "seed": args.seed,
        "steps": args.steps,
        "train_size": args.train_size,
        "width": args.width,
        "scene_version": args.scene_version,
        "generator_version": args.generator_version,
        "parameters": sum(p.numel() for p in model.parameters()),
        "synthetic_val": {
            "frames": args.val_size,
            "learned": {k: round(v, 4) for k, v in learned.items()},
            "classical": {k: round(v, 4) for k, v in classical.items()},
        },
        "onnx_sha256": hashlib.sha256(args.out.read_bytes()).hexdigest(),
        "command": "python -m training.plates.train_finder " + shlex.join(sys.argv[1:]),
        "train_seconds": round(time.time() - t0),
    }
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta))


def export(model: PlateFinderNet, path: Path) -> None:
    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (torch.zeros(1, 3, 288, 512),),
        str(path),
        input_names=["image"],
        output_names=["prob"],
        dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}, "prob": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    check_export(model, path, torch.rand(2, 3, 512, 384))


if __name__ == "__main__":
    main()
