"""The occupancy CNN: about 70 k parameters, 64×64 BGR input, a probability and its features."""

from __future__ import annotations

import torch
from torch import nn

FEATURES = 64


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class OccupancyNet(nn.Module):
    """Tiny CNN. Input: N×3×64×64 float BGR in [0, 1]. Output: logits N and features N×64.

    ``width`` scales the inner channels (16-32-32-64 at 1.0); the feature layer stays at 64.

    Each image is standardised by its own mean and spread inside the graph, so that exposure
    and contrast of a camera matter less and the product feeds plain pixels.
    """

    def __init__(self, width: float = 1.0) -> None:
        super().__init__()
        c1, c2, c4 = (max(8, round(c * width)) for c in (16, 32, 64))
        self.body = nn.Sequential(
            _block(3, c1, 2),  # 32
            _block(c1, c2, 2),  # 16
            _block(c2, c2, 1),
            _block(c2, c4, 2),  # 8
            _block(c4, FEATURES, 2),  # 4
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.drop = nn.Dropout(0.2)
        self.head = nn.Linear(FEATURES, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True)
        x = (x - mean) / (std + 0.02)
        feats = self.body(x)
        return self.head(self.drop(feats)).squeeze(1), feats


class Exported(nn.Module):
    """What goes into the ONNX file: ``prob`` (N) and ``features`` (N×64) from ``image``."""

    def __init__(self, net: OccupancyNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logit, feats = self.net(image)
        return torch.sigmoid(logit), feats
