"""The last step of both plate trainings: check an exported ONNX file against its network."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from qrpark.plates.detector import onnx_session


def check_export(model: torch.nn.Module, path: Path, sample: torch.Tensor) -> None:
    """Raise unless onnxruntime, run as the product runs it (one thread), computes on ``sample``
    what ``model`` computes (to 1e-3); then print the file's size."""
    ref = model(sample).detach().numpy()
    got = onnx_session(path, 1).run(None, {"image": sample.numpy()})[0]
    if not np.allclose(ref, got, atol=1e-3):
        raise RuntimeError("ONNX export disagrees with PyTorch")
    print(f"exported {path} ({os.path.getsize(path) / 1e6:.2f} MB)")
