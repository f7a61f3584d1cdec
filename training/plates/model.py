"""The recogniser: a small CRNN-style network read out with CTC (no recurrence, convs only)."""

from __future__ import annotations

import torch
from torch import nn


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


class PlateCRNN(nn.Module):
    """(N, 1, 32, 128) grey plate -> (N, 32, classes) log-probabilities, one column per step."""

    def __init__(self, n_classes: int, width: int = 32) -> None:
        super().__init__()
        c1, c2, c3, c4 = width // 2, width, width * 3 // 2, width * 2
        self.features = nn.Sequential(
            *_block(1, c1),
            nn.MaxPool2d(2),  # 16 x 64
            *_block(c1, c2),
            nn.MaxPool2d(2),  # 8 x 32
            *_block(c2, c3),
            *_block(c3, c3),
            nn.MaxPool2d((2, 1)),  # 4 x 32
            *_block(c3, c4),
            *_block(c4, c4),
            nn.MaxPool2d((2, 1)),  # 2 x 32
            nn.Conv2d(c4, c4 * 2, (2, 1), bias=False),
            nn.BatchNorm2d(c4 * 2),
            nn.ReLU(True),  # 1 x 32
        )
        hidden = c4 * 2
        self.context = nn.Sequential(
            nn.Conv1d(hidden, hidden, 3, padding=1),
            nn.ReLU(True),
            nn.Conv1d(hidden, hidden, 3, padding=1),
            nn.ReLU(True),
            nn.Dropout(0.1),
            nn.Conv1d(hidden, n_classes, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x).squeeze(2)  # N, C, T
        logits = self.context(f)  # N, classes, T
        return logits.permute(0, 2, 1).log_softmax(-1)
