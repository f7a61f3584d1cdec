"""Train the occupancy CNN on synthetic patches only and export it to ONNX.

    python -m training.occupancy.train --seed 7 --out src/qrpark/occupancy/models/occupancy.onnx

Renders ``--n-train`` patches with :mod:`training.occupancy.render` (no photograph is used),
trains :class:`training.occupancy.model.OccupancyNet` on one CPU thread, checks it on a held-out
synthetic set rendered from a different seed, exports ``prob`` and ``features`` outputs to ONNX,
and writes a model card (``occupancy.json``) next to it with the sha256, seed and command.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from torch.nn import functional as F
from training.occupancy.model import Exported, OccupancyNet
from training.occupancy.render import render_patch

SIZE = 64


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )


def _say(progress: Progress, line: str) -> None:
    """Print ``line`` above the bar on a terminal; in a log, at once (the bar draws nothing
    there, and a buffered line would only show when the run ends)."""
    if progress.console.is_terminal:
        progress.console.print(line)
    else:
        print(line, flush=True)


def render_set(seed: int, n: int, progress: Progress, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Render ``n`` patches (half busy) from ``seed``: images N×3×64×64 uint8 and labels N."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 2).astype(np.float32)
    rng.shuffle(labels)
    images = np.empty((n, SIZE, SIZE, 3), np.uint8)
    task = progress.add_task(label, total=n, info="")
    for i in range(n):
        images[i] = render_patch(rng, bool(labels[i]), SIZE)
        progress.advance(task)
        if not progress.console.is_terminal and (i + 1) % max(1, n // 10) == 0:
            print(f"{label}: {i + 1}/{n}", flush=True)  # a log's progress: the bar draws nothing
    return images.transpose(0, 3, 1, 2).copy(), labels


def _photometric(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Per-patch brightness, contrast, gamma, colour gains, greyscale and noise (on top of the
    renderer's own light and weather, so that the same scene is seen under several cameras)."""
    n = x.shape[0]

    def draw(lo: float, hi: float, *shape: int) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, *shape, generator=gen)

    x = x.clamp(1e-3, 1) ** draw(0.6, 1.6, 1, 1, 1)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * draw(0.5, 1.5, 1, 1, 1) + mean * draw(0.6, 1.4, 1, 1, 1)
    x = x * draw(0.8, 1.2, 3, 1, 1)
    grey = (torch.rand(n, 1, 1, 1, generator=gen) < 0.15).float()
    x = grey * x.mean(dim=1, keepdim=True) + (1 - grey) * x
    x = x + torch.randn(x.shape, generator=gen) * draw(0.0, 0.05, 1, 1, 1)
    return x.clamp(0, 1)


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Flips, quarter turns, an off-centre zoom and a light blur (per batch), then per-patch
    photometric changes."""
    if torch.rand(1, generator=gen).item() < 0.5:
        x = x.flip(3)
    if torch.rand(1, generator=gen).item() < 0.3:
        x = x.flip(2)
    if torch.rand(1, generator=gen).item() < 0.3:
        x = x.rot90(1, dims=(2, 3))
    if torch.rand(1, generator=gen).item() < 0.6:
        top, left, bottom, right = (int(v) for v in torch.randint(0, 10, (4,), generator=gen))
        x = F.interpolate(
            x[:, :, top : SIZE - bottom, left : SIZE - right], size=(SIZE, SIZE), mode="bilinear"
        )
    if torch.rand(1, generator=gen).item() < 0.2:
        x = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    return _photometric(x, gen)


def evaluate(net: OccupancyNet, images: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of ``net`` at threshold 0.5."""
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 512):
            x = torch.from_numpy(images[i : i + 512]).float() / 255
            logit, _ = net(x)
            correct += int(((logit > 0).float() == torch.from_numpy(labels[i : i + 512])).sum())
    return correct / len(images)


def export(net: OccupancyNet, out: Path) -> None:
    """Write ``net`` as ONNX with input ``image`` (N×3×64×64) and outputs ``prob``, ``features``."""
    import warnings

    net.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            Exported(net),
            (torch.rand(1, 3, SIZE, SIZE),),
            str(out),
            input_names=["image"],
            output_names=["prob", "features"],
            dynamic_axes={"image": {0: "n"}, "prob": {0: "n"}, "features": {0: "n"}},
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )
    import onnx

    model = onnx.load(str(out))
    onnx.checker.check_model(model)
    model.producer_name = "qrpark training/occupancy"
    model.doc_string = "Parking-space occupancy from synthetic patches; see occupancy.json."
    onnx.save(model, str(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n-train", type=int, default=40000)
    parser.add_argument("--n-val", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--width", type=float, default=1.5, help="inner channel multiplier")
    parser.add_argument(
        "--out", type=Path, default=Path("src/qrpark/occupancy/models/occupancy.onnx")
    )
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    started = time.monotonic()
    with _progress() as progress:
        train_x, train_y = render_set(args.seed, args.n_train, progress, "render train")
        # a different seed stream: held-out patches never seen in training
        val_x, val_y = render_set(args.seed + 1_000_003, args.n_val, progress, "render val")
        net = OccupancyNet(args.width)
        opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
        steps_per_epoch = math.ceil(args.n_train / args.batch)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.15
        )
        task = progress.add_task("train", total=args.epochs * steps_per_epoch, info="")
        val_acc = 0.0
        for epoch in range(args.epochs):
            net.train()
            order = torch.randperm(args.n_train, generator=gen)
            total, seen = 0.0, 0
            for s in range(steps_per_epoch):
                idx = order[s * args.batch : (s + 1) * args.batch]
                x = _augment(torch.from_numpy(train_x[idx.numpy()]).float() / 255, gen)
                y = torch.from_numpy(train_y[idx.numpy()])
                logit, _ = net(x)
                loss = F.binary_cross_entropy_with_logits(logit, y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
                seen += len(idx)
                progress.update(task, advance=1, info=f"epoch {epoch + 1} loss {total / seen:.3f}")
            val_acc = evaluate(net, val_x, val_y)
            _say(
                progress,
                f"epoch {epoch + 1}: loss {total / seen:.4f}  synthetic val acc {val_acc:.4f}",
            )
    export(net, args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    card = {
        "file": args.out.name,
        "sha256": digest,
        "bytes": args.out.stat().st_size,
        "seed": args.seed,
        "command": "python -m training.occupancy.train " + shlex.join(sys.argv[1:] or []),
        "make": "make train-occupancy",
        "training_data": "synthetic only (training/occupancy/render.py); no photograph used",
        "n_train": args.n_train,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "width": args.width,
        "synthetic_val_accuracy": round(val_acc, 4),
        "n_val": args.n_val,
        "input": {"name": "image", "shape": ["n", 3, SIZE, SIZE], "format": "BGR float 0..1"},
        "outputs": {"prob": "P(busy), shape n", "features": "penultimate features, n×64"},
        "parameters": sum(p.numel() for p in net.parameters()),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "train_seconds": round(time.monotonic() - started, 1),
    }
    card_path = args.out.with_suffix(".json")
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(card, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
