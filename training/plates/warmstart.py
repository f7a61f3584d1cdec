"""Start a training run from a shipped ONNX recogniser instead of random weights.

The export folds each batch norm into the convolution before it, so the ONNX file holds one weight
and one bias per convolution and nothing of the norms. To train on, each norm is given back
parameters that make it an identity on the data it will see: its running statistics are measured
on a batch of training inputs (the folded convolution's per-channel mean and spread), and the
affine part undoes the normalisation. The network then computes what the ONNX file computes, in
eval mode exactly and in train mode up to the batch's own statistics.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn


def load_onnx(model: nn.Module, path: Path, batch: torch.Tensor) -> None:
    """Copy the weights of ``path`` (an export of the same architecture) into ``model``."""
    graph = onnx.load(str(path)).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    modules = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Conv1d)]
    if len(convs) != len(modules):
        raise ValueError(f"{path} has {len(convs)} convolutions, the model {len(modules)}")
    norms: dict[nn.Module, nn.BatchNorm2d] = {}
    previous: nn.Module | None = None
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d) and previous is not None:
            norms[previous] = m
        if isinstance(m, nn.Conv2d | nn.Conv1d | nn.BatchNorm2d):
            previous = m
    folded_bias: dict[nn.Module, torch.Tensor] = {}
    with torch.no_grad():
        for node, module in zip(convs, modules, strict=True):
            w = torch.from_numpy(np.array(weights[node.input[1]]))
            if tuple(w.shape) != tuple(module.weight.shape):
                raise ValueError(f"{node.input[1]}: {tuple(w.shape)} != {module.weight.shape}")
            module.weight.copy_(w)
            b = torch.from_numpy(np.array(weights[node.input[2]]))
            if module in norms:
                folded_bias[module] = b
            elif module.bias is not None:
                module.bias.copy_(b)
        # Measure each norm's input on the batch, layer by layer (earlier norms already set).
        model.eval()
        for conv, norm in norms.items():
            out = _output_of(model, conv, batch)
            mean = out.mean(dim=(0, 2, 3))
            var = out.var(dim=(0, 2, 3), unbiased=False).clamp_min(1e-4)
            norm.running_mean.copy_(mean)
            norm.running_var.copy_(var - norm.eps)
            norm.weight.copy_(var.sqrt())
            norm.bias.copy_(mean + folded_bias[conv])
    model.train()


def onnx_width(path: Path) -> int:
    """The ``width`` of the :class:`~training.plates.model.PlateCRNN` exported to ``path``: its
    first convolution has ``width // 2`` output channels."""
    graph = onnx.load(str(path)).graph
    weights = {i.name: i for i in graph.initializer}
    first = next(n for n in graph.node if n.op_type == "Conv")
    return 2 * int(weights[first.input[1]].dims[0])


def _output_of(model: nn.Module, layer: nn.Module, batch: torch.Tensor) -> torch.Tensor:
    """What ``layer`` outputs while ``model`` runs on ``batch``."""
    seen: list[torch.Tensor] = []
    hook = layer.register_forward_hook(lambda _m, _i, out: seen.append(out))
    try:
        model(batch)
    finally:
        hook.remove()
    return seen[0]
