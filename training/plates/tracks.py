"""Score track voting on synthetic tracks: one plate seen in several frames, each read alone.

    python -m training.plates.tracks --seed 4242 --tracks 600 --frames 5 [--faces held-out]

Each track is one plate rendered once (``generate.track``) and seen in ``--frames`` frames,
each with its own view and degradation. Every frame is read as ``qrpark plates read --crop``
reads a crop; every valid read votes. Printed as JSON, per way of combining the frames, the
share of tracks whose result is the plate exactly: the product's vote (``domain.vote``), the
same vote with evidence weights (tried and not kept), the single most confident frame, and the
mean single frame. Tracks are split 4 of the seed, which no training, validation, calibration
or check reads. Real photos are never used.
"""

from __future__ import annotations

import argparse
import json
import math
from functools import partial
from pathlib import Path

import numpy as np
from training.plates import generate
from training.plates.calibrate import card_generator_version
from training.plates.check import faces_for
from training.plates.dataset import map_chunks

from qrpark.plates.domain import Read, vote
from qrpark.plates.reader import KR_MODEL, KoreanRecognizer

#: The split of the seed the tracks are drawn from (0 trains, 1 validates, 2 calibrates, 3
#: checks).
SPLIT = 4
WAYS = ("string_vote", "evidence_vote", "most_confident_frame", "single_frame")
#: Confidences are capped here before the evidence weight ``−ln(1 − c)``.
_CAP = 1.0 - 1e-6


def evidence_vote(reads: list[Read]) -> str | None:
    """The string vote with each read weighing ``−ln(1 − confidence)``: tried on 2026-11-25 and
    not kept (docs/plates.md, *Track voting*); kept here so its figures can be measured again."""
    result = vote([Read(r.text, -math.log1p(-min(r.confidence, _CAP))) for r in reads])
    return None if result is None else result.text


def _score_chunk(
    model: str, faces: generate.Typefaces, frames: int, job: tuple[int, int, int, int]
) -> np.ndarray:
    """Per track of the chunk, 1 where each way of :data:`WAYS` gives the plate exactly."""
    seed, split, chunk, count = job
    recogniser = KoreanRecognizer(model_path=Path(model))
    rng = np.random.default_rng([seed, split, chunk])
    out = np.zeros((count, len(WAYS)), np.float64)
    for i in range(count):
        samples = generate.track(rng, faces, frames)
        truth = samples[0].text
        reads = []
        for s in samples:
            p = recogniser.plate(s.image)
            if p.confidence > 0:
                reads.append(Read(p.text, p.confidence, p.char_confidences))
        whole = vote(reads)
        top = max(reads, key=lambda r: (r.confidence, r.text), default=None)
        out[i] = (
            whole is not None and whole.text == truth,
            evidence_vote(reads) == truth,
            top is not None and top.text == truth,
            sum(r.text == truth for r in reads) / frames,
        )
    return out


def score(
    model: Path, seed: int, tracks: int, frames: int, faces: generate.Typefaces, workers: int
) -> dict[str, object]:
    parts = map_chunks(
        partial(_score_chunk, str(model), faces, frames), seed, SPLIT, tracks, workers, "tracks"
    )
    hits = np.concatenate(parts)
    whole, evidence = hits[:, 0].astype(bool), hits[:, 1].astype(bool)
    return {
        "model": str(model),
        "tracks": tracks,
        "frames": frames,
        **{way: round(float(hits[:, k].mean()), 4) for k, way in enumerate(WAYS)},
        "evidence_vote_only": int((evidence & ~whole).sum()),
        "string_vote_only": int((whole & ~evidence).sum()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=KR_MODEL)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--tracks", type=int, default=600)
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--faces",
        default=None,
        choices=[*map(str, generate.GENERATOR_VERSIONS), "held-out"],
        help="typefaces to draw with (default: the model's own generator version's)",
    )
    args = ap.parse_args()
    faces_name = args.faces or card_generator_version(args.model)
    faces = faces_for(str(faces_name))
    report = score(args.model, args.seed, args.tracks, args.frames, faces, args.workers)
    report["faces"] = faces_name
    print(json.dumps(report))


if __name__ == "__main__":
    main()
