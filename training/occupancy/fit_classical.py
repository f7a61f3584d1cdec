"""Fit the classical fallback's head on synthetic patches and print it as Python constants.

    python -m training.occupancy.fit_classical --seed 11 --n 6000

Paste the printed block into ``src/qrpark/occupancy/classical.py``. Uses no photograph.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from rich.progress import track
from training.occupancy.render import render_patch

from qrpark.occupancy.calibration import fit_logistic
from qrpark.occupancy.classical import classical_features


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--n", type=int, default=6000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    labels = (np.arange(args.n) % 2).astype(np.float64)
    rng.shuffle(labels)
    feats = np.stack(
        [
            classical_features(render_patch(rng, bool(y), 64))
            for y in track(labels, description="render")
        ]
    )
    half = args.n * 4 // 5
    mean, scale = feats[:half].mean(axis=0), feats[:half].std(axis=0) + 1e-6
    x = (feats - mean) / scale
    design = np.hstack([x, np.ones((args.n, 1))])
    penalty = np.ones(design.shape[1])
    penalty[-1] = 0.0
    theta = fit_logistic(
        design[:half], labels[:half], penalty=penalty, prior=np.zeros(design.shape[1]), l2=1.0
    )
    held = ((design[half:] @ theta > 0) == (labels[half:] > 0.5)).mean()
    print(f"# held-out synthetic accuracy {held:.4f} on {args.n - half} patches")
    print(f"DEFAULT_MEAN = {tuple(round(float(v), 6) for v in mean)}")
    print(f"DEFAULT_SCALE = {tuple(round(float(v), 6) for v in scale)}")
    print(f"DEFAULT_WEIGHTS = {tuple(round(float(v), 6) for v in theta[:-1])}")
    print(f"DEFAULT_BIAS = {round(float(theta[-1]), 6)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
