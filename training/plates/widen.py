"""Grow a trained recogniser into a wider one that computes exactly what it computed.

Every convolution of the wider :class:`~training.plates.model.PlateCRNN` holds the narrower one's
weights in its first channels. A new output channel keeps its fresh random incoming weights, so
it computes something of its own from the start; every weight from a new input channel into an
old output channel is zero, so nothing new reaches the old channels (or the class scores) until
training grows those weights. Batch norms copy their first channels' parameters and running
statistics; a norm normalises each channel on its own, so the new channels leave the old ones'
statistics alone. In eval mode the two networks give the same output; in train mode too, since
the old channels see the same batches.
"""

from __future__ import annotations

import torch
from torch import nn


def _layers(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, nn.Conv1d | nn.Conv2d | nn.BatchNorm2d)]


def widen(narrow: nn.Module, wide: nn.Module) -> None:
    """Copy ``narrow`` into ``wide``, a network of the same layers with at least as many
    channels in each, so that ``wide`` computes what ``narrow`` does."""
    small, large = _layers(narrow), _layers(wide)
    if [type(m) for m in small] != [type(m) for m in large]:
        raise ValueError("the two networks do not have the same layers")
    with torch.no_grad():
        for a, b in zip(small, large, strict=True):
            if isinstance(a, nn.BatchNorm2d):
                assert isinstance(b, nn.BatchNorm2d)
                n = a.num_features
                if b.num_features < n:
                    raise ValueError(f"a norm narrows from {n} to {b.num_features} channels")
                for name in ("weight", "bias", "running_mean", "running_var"):
                    getattr(b, name)[:n] = getattr(a, name)
                b.num_batches_tracked.copy_(a.num_batches_tracked)
                continue
            assert isinstance(a, nn.Conv1d | nn.Conv2d)
            assert isinstance(b, nn.Conv1d | nn.Conv2d)
            out, inp = a.weight.shape[:2]
            if b.weight.shape[0] < out or b.weight.shape[1] < inp:
                raise ValueError(f"{tuple(a.weight.shape)} does not fit in {tuple(b.weight.shape)}")
            if a.weight.shape[2:] != b.weight.shape[2:]:
                raise ValueError(
                    f"kernels differ: {tuple(a.weight.shape)}, {tuple(b.weight.shape)}"
                )
            b.weight[:out, :inp] = a.weight
            b.weight[:out, inp:] = 0.0
            if a.bias is not None:
                assert b.bias is not None
                b.bias[:out] = a.bias
