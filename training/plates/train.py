"""Train the Korean plate recogniser on synthetic data, export it to ONNX and calibrate it.

    python -m training.plates.train --seed 20261124

Everything comes from the seed: the rendered data, the initial weights and the batch order. The
reject threshold is calibrated on synthetic crops only, read as the product reads them
(``training.plates.calibrate``), never on real photos.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
from training.plates import generate
from training.plates.calibrate import calibrate_card
from training.plates.dataset import load_or_build, step_progress
from training.plates.export import check_export
from training.plates.model import PlateCRNN
from training.plates.warmstart import load_onnx

from qrpark.plates.decode import constrained
from qrpark.plates.domain import TOKENS
from qrpark.plates.preprocess import (
    ARRANGE_VERSION,
    ARRANGE_VERSIONS,
    INPUT_H,
    INPUT_W,
    SIDE_TRIMS,
)

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "training" / "runs" / "plates"
#: The split of the seed that ``--two-line-extra`` crops are drawn from: 0 trains, 1 validates,
#: 2 calibrates, 3 is the synthetic check's and 4 the track check's.
TWO_LINE_SPLIT = 5
MODEL_DIR = ROOT / "src" / "qrpark" / "plates" / "models"


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 arranged crops -> the float input the product computes (percentile stretch)."""
    g = images.astype(np.float32)
    lo = np.percentile(g, 2.0, axis=(1, 2), keepdims=True)
    hi = np.percentile(g, 98.0, axis=(1, 2), keepdims=True)
    x = np.clip((g - lo) / np.maximum(hi - lo, 16.0), 0.0, 1.0) * 2.0 - 1.0
    return torch.from_numpy(x[:, None].astype(np.float32))


def evaluate(model: PlateCRNN, data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(correct?, confidence) per validation sample, decoded like the product does."""
    model.eval()
    correct, conf = [], []
    with torch.no_grad():
        for i in range(0, len(data["images"]), 256):
            lp = model(to_input(data["images"][i : i + 256])).numpy()
            for j, row in enumerate(lp):
                k = i + j
                n = int(data["lengths"][k])
                truth = "".join(TOKENS[t] for t in data["labels"][k, :n])
                d = constrained(row)
                correct.append(d.text == truth if n else not d.valid or d.confidence < 0.5)
                conf.append(d.confidence if d.valid else 0.0)
    model.train()
    return np.array(correct), np.array(conf)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--train-size", type=int, default=100_000)
    ap.add_argument("--val-size", type=int, default=4_000)
    ap.add_argument("--steps", type=int, default=5_500)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--width", type=int, default=48)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--workers", type=int, default=2, help="processes rendering the data and calibrating"
    )
    ap.add_argument(
        "--calibration-size",
        type=int,
        default=12_000,
        help="synthetic crops read as the product reads them to set the reject threshold",
    )
    ap.add_argument("--out", type=Path, default=MODEL_DIR / "kr_plate_crnn.onnx")
    ap.add_argument(
        "--generator-version",
        type=int,
        choices=generate.GENERATOR_VERSIONS,
        default=generate.GENERATOR_VERSION,
        help="render the data as this version of the generator did (for controlled comparisons)",
    )
    ap.add_argument(
        "--replay-version",
        type=int,
        choices=generate.GENERATOR_VERSIONS,
        help="add crops of this older generator version to the training data, so that a stage "
        "continued on a new version keeps seeing the plates its start was trained on",
    )
    ap.add_argument(
        "--replay-size", type=int, default=0, help="how many replayed crops (same seed, split 0)"
    )
    ap.add_argument(
        "--two-line-extra",
        type=int,
        default=0,
        help="add this many crops of two-line kinds only (the run's generator version, split "
        f"{TWO_LINE_SPLIT} of the seed), to show the weakest kinds more often",
    )
    ap.add_argument(
        "--arrange-version",
        type=int,
        choices=ARRANGE_VERSIONS,
        default=ARRANGE_VERSION,
        help="how inputs are arranged (qrpark.plates.preprocess.arrange); the card records it",
    )
    ap.add_argument(
        "--run-name",
        help="names this run's PyTorch files in training/runs/plates (default: the seed), so "
        "that two runs with one seed keep theirs apart",
    )
    ap.add_argument(
        "--init",
        type=Path,
        help="start from these weights instead of random ones: a shipped .onnx recogniser or a "
        "previous run's model-RUN.pt",
    )
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    t0 = time.time()
    # The cache holds arranged inputs: both the renderer's and the arrangement's version name it.
    version = args.generator_version
    generate.typefaces(version, strict=True)  # every face present, before any work
    arranged = args.arrange_version
    data_tag = f"v{version}a{arranged}"
    run_name = args.run_name or str(args.seed)
    train = load_or_build(
        RUNS / f"train-{data_tag}-{args.seed}-{args.train_size}.npz",
        args.seed,
        0,
        args.train_size,
        args.workers,
        version,
        arrange_version=arranged,
    )
    replay_card = (
        {"generator_version": args.replay_version, "size": args.replay_size}
        if args.replay_version is not None and args.replay_size > 0
        else None
    )
    if replay_card is not None:
        generate.typefaces(args.replay_version, strict=True)
        replay = load_or_build(
            RUNS / f"train-v{args.replay_version}a{arranged}-{args.seed}-{args.replay_size}.npz",
            args.seed,
            0,
            args.replay_size,
            args.workers,
            args.replay_version,
            arrange_version=arranged,
        )
        train = merge_sets(train, replay)
    two_line_card = None
    if args.two_line_extra > 0:
        extra = load_or_build(
            RUNS / f"train2l-{data_tag}-{args.seed}-{args.two_line_extra}.npz",
            args.seed,
            TWO_LINE_SPLIT,
            args.two_line_extra,
            args.workers,
            version,
            kinds=generate.TWO_LINE_KINDS,
            arrange_version=arranged,
        )
        train = merge_sets(train, extra)
        two_line_card = {"size": args.two_line_extra, "split": TWO_LINE_SPLIT}
    val = load_or_build(
        RUNS / f"val-{data_tag}-{args.seed}-{args.val_size}.npz",
        args.seed,
        1,
        args.val_size,
        args.workers,
        version,
        arrange_version=arranged,
    )
    print(
        f"data ready in {time.time() - t0:.0f}s: "
        f"{len(train['images'])} train, {len(val['images'])} val"
    )

    model = PlateCRNN(len(TOKENS), args.width)
    init_sha = None
    if args.init is not None:
        init_sha = hashlib.sha256(args.init.read_bytes()).hexdigest()
        if args.init.suffix == ".onnx":
            load_onnx(model, args.init, to_input(train["images"][:512]))
        else:
            model.load_state_dict(torch.load(args.init, weights_only=True))
        print(f"starting from {args.init} (sha256 {init_sha[:12]})")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.1
    )
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    n = len(train["images"])
    order = rng.permutation(n)
    pos = 0
    t_train = time.time()
    with step_progress("train") as progress:
        task = progress.add_task("train", total=args.steps, loss=float("nan"))
        ema = None
        for step in range(args.steps):
            if pos + args.batch > n:
                order, pos = rng.permutation(n), 0
            idx = np.sort(order[pos : pos + args.batch])
            pos += args.batch
            imgs = train["images"][idx]
            # Cheap on-the-fly variety: random horizontal shift of a few pixels, random invert-free
            # brightness is already in the rendering.
            shift = int(rng.integers(-3, 4))
            imgs = np.roll(imgs, shift, axis=2)
            x = to_input(imgs)
            lengths = torch.from_numpy(train["lengths"][idx].astype(np.int64))
            targets = torch.from_numpy(train["labels"][idx].astype(np.int64))
            flat = torch.cat([targets[i, : lengths[i]] for i in range(len(idx))])
            lp = model(x).permute(1, 0, 2)
            loss = ctc(lp, flat, torch.full((len(idx),), lp.shape[0], dtype=torch.long), lengths)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
            progress.update(task, advance=1, loss=ema)
            if (step + 1) % 200 == 0 and not progress.console.is_terminal:
                # The bar only draws on a terminal; a log gets a line now and then.
                rate = (step + 1) / (time.time() - t_train)
                print(f"step {step + 1}/{args.steps} loss {ema:.3f} {rate:.2f} steps/s", flush=True)
            if (step + 1) % 1000 == 0 or step + 1 == args.steps:
                correct, _ = evaluate(model, {k: v[:1000] for k, v in val.items()})
                RUNS.mkdir(parents=True, exist_ok=True)
                torch.save(model.state_dict(), RUNS / f"checkpoint-{run_name}.pt")
                progress.console.print(f"step {step + 1}: synthetic val exact {correct.mean():.3f}")

    correct, _ = evaluate(model, val)
    print(f"synthetic val exact {correct.mean():.4f}")

    RUNS.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), RUNS / f"model-{run_name}.pt")
    export(model, args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    meta = {
        "tokens": list(TOKENS),
        "input": [1, INPUT_H, INPUT_W],
        "seed": args.seed,
        "steps": args.steps,
        "train_size": args.train_size,
        "generator_version": version,
        "replay": replay_card,
        "two_line_extra": two_line_card,
        "arrange_version": arranged,
        "side_trims": list(SIDE_TRIMS),
        "max_lr": args.lr,
        "init_sha256": init_sha,
        "width": args.width,
        # Provisional: the product-path calibration below replaces it (the recogniser that
        # calibration reads with needs a card).
        "reject_threshold": 0.99,
        "synthetic_val_exact": round(float(correct.mean()), 4),
        "onnx_sha256": digest,
        "command": "python -m training.plates.train " + shlex.join(sys.argv[1:]),
        "train_seconds": round(time.time() - t0),
    }
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    figures = calibrate_card(args.out, args.seed, args.calibration_size, args.workers)
    print(json.dumps({**meta, **figures}, ensure_ascii=False))


def merge_sets(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Two rendered training sets as one: images and lengths stacked, label rows padded to the
    longer set's width with blanks (0), which CTC never reads past a label's length."""
    width = max(a["labels"].shape[1], b["labels"].shape[1])

    def padded(labels: np.ndarray) -> np.ndarray:
        return np.pad(labels, ((0, 0), (0, width - labels.shape[1])))

    return {
        "images": np.concatenate([a["images"], b["images"]]),
        "labels": np.concatenate([padded(a["labels"]), padded(b["labels"])]),
        "lengths": np.concatenate([a["lengths"], b["lengths"]]),
    }


def export(model: PlateCRNN, path: Path) -> None:
    model.eval()
    dummy = torch.zeros(1, 1, INPUT_H, INPUT_W)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (dummy,),
        str(path),
        input_names=["image"],
        output_names=["log_probs"],
        dynamic_axes={"image": {0: "batch"}, "log_probs": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    check_export(model, path, torch.randn(3, 1, INPUT_H, INPUT_W))


if __name__ == "__main__":
    main()
