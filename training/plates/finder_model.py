"""The learned plate finder: a small encoder-decoder that maps a frame to a plate map."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(True),
    )


def _mix(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class PlateFinderNet(nn.Module):
    """(N, 3, H, W) BGR in [0, 1], H and W multiples of 16 -> (N, 1, H/4, W/4) plate probability.

    Encoder to 1/16 with two dilated layers for context (a car around a plate), decoder back to
    1/4 with skips from 1/8 and 1/4.
    """

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        c1, c2, c3, c4 = width, width * 3 // 2, width * 2, width * 4
        self.stem = nn.Sequential(_conv(3, c1, 2), _conv(c1, c2, 2))  # 1/4
        self.down8 = nn.Sequential(_conv(c2, c3, 2), _conv(c3, c3))  # 1/8
        self.down16 = nn.Sequential(
            _conv(c3, c4, 2), _conv(c4, c4, dilation=2), _conv(c4, c4, dilation=4)
        )  # 1/16
        self.up8 = nn.Sequential(_mix(c4 + c3, c3), _conv(c3, c3))
        self.up4 = nn.Sequential(_mix(c3 + c2, c2), _conv(c2, c2))
        self.head = nn.Conv2d(c2, 1, 1)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        f4 = self.stem(x - 0.5)
        f8 = self.down8(f4)
        f16 = self.down16(f8)
        u8 = self.up8(torch.cat([F.interpolate(f16, scale_factor=2.0, mode="nearest"), f8], 1))
        u4 = self.up4(torch.cat([F.interpolate(u8, scale_factor=2.0, mode="nearest"), f4], 1))
        return self.head(u4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(x))
