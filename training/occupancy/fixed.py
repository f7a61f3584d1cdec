"""Synthetic fixed cameras watched through a day: the same spaces, seen again and again.

    python -m training.occupancy.fixed [--model PATH | --classical] [--sweep] [--json OUT]

:mod:`training.occupancy.shifted` draws every patch of a virtual camera from a new place, so it
cannot tell whether a calibration gains from what a real fixed camera offers: the spaces it
calibrated on come back, in other light and with other cars. Here each virtual camera (the
styles of :data:`~training.occupancy.shifted.CAMERAS`) watches :data:`SPACES` spaces at
:data:`MOMENTS` moments. A space keeps its place (ground, paint, stains, trees, the camera's
view and crop: ``render_patch``'s place generator, seeded per space); the camera keeps its
light of the day and its rendering (contrast, colour cast, blur, resolution, noise level, JPEG
quality: one generator per camera); a parked car keeps its looks until it leaves (``lot``);
the sun, the brightness and the passers-by change from moment to moment. Occupancy follows a
two-state chain per space of a three-row lot (cars arrive and leave; about 40 % busy at the
first moment, about 70 % later), so early moments are emptier, as a car park in the morning is.

Patches are ordered moment first, then space, as ``YYYYMMDD_HHMM_<space>`` file names sort, and
scored as ``qrpark occupancy eval DIR --calibrate 25`` scores such a folder: the first 25 busy
and 25 free patches calibrate and are left out.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from training.occupancy.render import render_patch
from training.occupancy.shifted import (
    CALIBRATE,
    CAMERAS,
    Fitter,
    evaluate,
    fitter,
    report,
    suite_parser,
)

SEED = 515_151  # apart from training (7, 7 + 1_000_003), the shifted suite and the tests
SPACES = 24
MOMENTS = 30
FIRST_BUSY = 0.4  # share of spaces taken at the first moment
ARRIVE = 0.25  # per moment, a free space is taken with this probability ...
LEAVE = 0.1  # ... and a taken one freed with this: about 71 % busy in the long run


@dataclass(frozen=True, slots=True)
class FixedCamera:
    """One virtual camera's patches in file-name order, with labels and space numbers."""

    name: str
    patches: list[np.ndarray]
    busy: np.ndarray
    space: np.ndarray


def occupancy_chain(rng: np.random.Generator, spaces: int, moments: int) -> np.ndarray:
    """Busy flags, moments × spaces: a two-state chain per space."""
    busy = np.empty((moments, spaces), dtype=bool)
    busy[0] = rng.random(spaces) < FIRST_BUSY
    for t in range(1, moments):
        flip = rng.random(spaces)
        busy[t] = np.where(busy[t - 1], flip >= LEAVE, flip < ARRIVE)
    return busy


def parked_cars(
    rng: np.random.Generator, spaces: int, moments: int, seed: Sequence[int]
) -> list[list[list[int | None]]]:
    """Who stands where: moments × 3 rows × (``spaces`` + 3) columns of car seeds or ``None``.

    Each space of the three rows follows :func:`occupancy_chain`; a car keeps its seed (its
    looks) from arrival to departure. The camera's spaces are row 1, columns 2 to
    ``spaces`` + 1, so that each has the lot's other spaces around it.
    """
    width = spaces + 3
    chains = occupancy_chain(rng, 3 * width, moments).reshape(moments, 3, width)
    lot: list[list[list[int | None]]] = []
    arrival = np.zeros((3, width), dtype=np.int64)
    for t in range(moments):
        if t:
            arrival = np.where(chains[t] & ~chains[t - 1], t, arrival)
        lot.append(
            [
                [
                    int(
                        np.random.SeedSequence([*seed, r, c, int(arrival[r, c])]).generate_state(1)[
                            0
                        ]
                    )
                    if chains[t, r, c]
                    else None
                    for c in range(width)
                ]
                for r in range(3)
            ]
        )
    return lot


def _render_camera(args: tuple[int, str, int, int, int, int]) -> FixedCamera:
    index, name, spaces, moments, seed, size = args
    style = CAMERAS[name]
    lot = parked_cars(np.random.default_rng([seed, index]), spaces, moments, (seed, index))
    busy = np.array([[lot[t][1][s + 2] is not None for s in range(spaces)] for t in range(moments)])
    patches = []
    for t in range(moments):
        for s in range(spaces):
            place = np.random.default_rng([seed, index, s])
            now = np.random.default_rng([seed, index, s, t + 1])
            kept = np.random.default_rng([seed, index, spaces, 0])  # the same for every patch
            around = [row[s : s + 4] for row in lot[t]]
            patches.append(
                render_patch(
                    place, bool(busy[t, s]), size, style, moment=now, camera=kept, lot=around
                )
            )
    space = np.tile(np.arange(spaces), moments)
    return FixedCamera(name, patches, busy.reshape(-1), space)


def render_cameras(
    spaces: int = SPACES,
    moments: int = MOMENTS,
    seed: int = SEED,
    names: Sequence[str] | None = None,
    size: int = 64,
    workers: int = 1,
) -> list[FixedCamera]:
    """Render every virtual camera (of ``names``; default all) over ``moments`` moments."""
    jobs = [
        (i, name, spaces, moments, seed, size)
        for i, name in enumerate(CAMERAS)
        if names is None or name in names
    ]
    if workers <= 1:
        return [_render_camera(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_render_camera, jobs))


def main(argv: list[str] | None = None) -> int:
    from qrpark.occupancy.classifier import load_scorer

    parser = suite_parser(__doc__, "memory widths and weights too")
    parser.add_argument("--spaces", type=int, default=SPACES)
    parser.add_argument("--moments", type=int, default=MOMENTS)
    parser.add_argument("--workers", type=int, default=2, help="processes rendering cameras")
    args = parser.parse_args(argv)
    if args.spaces * args.moments < 4 * CALIBRATE:
        parser.error(f"need at least {4 * CALIBRATE} patches per camera (spaces × moments)")

    scorer = load_scorer(args.model, classical=args.classical)
    fits: dict[str, Fitter | None] = {
        "uncalibrated": None,
        "direction": fitter("direction"),
        "map": fitter("map"),
        "memory": fitter("memory"),
    }
    if args.sweep:
        for width in (0.2, 0.3, 0.4, 0.5, 0.7):
            for weight in (0.5, 1.0, 2.0):
                fits[f"memory {width:g}/{weight:g}"] = fitter(
                    "memory", memory_width=width, memory_weight=weight
                )
    cameras = render_cameras(args.spaces, args.moments, workers=args.workers)
    rows = evaluate(scorer, cameras, fits)
    heading = f"scorer {scorer.name}; {args.spaces} spaces × {args.moments} moments per camera"
    report(heading, scorer.name, rows, list(fits), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
