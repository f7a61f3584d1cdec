"""Train the Korean plate recogniser on synthetic data, export it to ONNX and calibrate it.

    python -m training.plates.train --seed 20261124

Everything comes from the seed: the rendered data, the initial weights and the batch order. The
reject threshold is calibrated on synthetic crops only, read as the product reads them
(``training.plates.calibrate``), never on real photos.
"""

from __future__ import annotations

import argparse
import atexit
import copy
import hashlib
import json
import math
import shlex
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from training.plates import generate
from training.plates.args import named_value, option_arg
from training.plates.calibrate import calibrate_card
from training.plates.dataset import (
    CHUNK,
    STREAM_SPLIT,
    Chunk,
    Stream,
    interleave,
    load_or_build,
    render_chunk,
    step_progress,
)
from training.plates.export import check_export
from training.plates.model import PlateCRNN
from training.plates.warmstart import load_onnx, onnx_width
from training.plates.widen import widen

from qrpark.plates.decode import constrained
from qrpark.plates.domain import TOKENS
from qrpark.plates.preprocess import (
    ARRANGE_VERSION,
    ARRANGE_VERSIONS,
    INPUT_H,
    INPUT_W,
    MAX_SIDE_TRIM,
    SIDE_TRIMS,
    valid_side_trims,
)

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "training" / "runs" / "plates"
#: The split of the seed that ``--two-line-extra`` crops are drawn from: 0 trains, 1 validates,
#: 2 calibrates, 3 is the synthetic check's and 4 the track check's.
TWO_LINE_SPLIT = 5
#: ``--kind-extra`` crops of a kind are drawn from split ``KIND_EXTRA_SPLIT`` plus the kind's place
#: in ``generate.KINDS`` (6 is the stream's), so that two kinds' extras are drawn apart and none
#: repeats a crop of another set.
KIND_EXTRA_SPLIT = 7
#: ``--replay-also`` crops of generator version V are drawn from split ``REPLAY_ALSO_SPLIT + V``,
#: past every kind's extra split, so that they repeat no text of the training crops (split 0,
#: which ``--replay-version`` re-renders with the older faces) or of another version's replay.
REPLAY_ALSO_SPLIT = 100
#: ``--option-extra`` crops with option O set are drawn from split ``OPTION_EXTRA_SPLIT`` plus O's
#: place in ``generate.OPTIONS``, past every replayed version's split.
OPTION_EXTRA_SPLIT = 200
MODEL_DIR = ROOT / "src" / "qrpark" / "plates" / "models"


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 arranged crops -> the float input the product computes (percentile stretch)."""
    g = images.astype(np.float32)
    lo = np.percentile(g, 2.0, axis=(1, 2), keepdims=True)
    hi = np.percentile(g, 98.0, axis=(1, 2), keepdims=True)
    x = np.clip((g - lo) / np.maximum(hi - lo, 16.0), 0.0, 1.0) * 2.0 - 1.0
    return torch.from_numpy(x[:, None].astype(np.float32))


def to_input_on(images: torch.Tensor) -> torch.Tensor:
    """:func:`to_input` computed where ``images`` (N, H, W uint8) lie, e.g. on a GPU, so that a
    fast device is not kept waiting for the CPU's percentiles. Same interpolation as numpy's
    default, so the two agree to float rounding."""
    g = images.float()
    flat = g.flatten(1)
    lo = torch.quantile(flat, 0.02, dim=1).view(-1, 1, 1)
    hi = torch.quantile(flat, 0.98, dim=1).view(-1, 1, 1)
    x = ((g - lo) / torch.clamp(hi - lo, min=16.0)).clamp(0.0, 1.0) * 2.0 - 1.0
    return x[:, None]


def pick_device(name: str) -> torch.device:
    """``auto``: the GPU when PyTorch sees one, else the CPU; ``cuda`` refuses a machine
    without one rather than quietly training for hours on the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: PyTorch sees no GPU on this machine")
    return torch.device(name)


def flat_targets(labels: np.ndarray, lengths: np.ndarray) -> torch.Tensor:
    """Each row's first ``length`` labels, rows joined in order: CTC's concatenated targets."""
    keep = np.arange(labels.shape[1])[None, :] < lengths[:, None]
    return torch.from_numpy(labels[keep].astype(np.int64))


def evaluate(model: PlateCRNN, data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(correct?, confidence) per validation sample, decoded like the product does."""
    model.eval()
    device = next(model.parameters()).device
    correct, conf = [], []
    with torch.no_grad():
        for i in range(0, len(data["images"]), 256):
            lp = model(to_input(data["images"][i : i + 256]).to(device)).cpu().numpy()
            for j, row in enumerate(lp):
                k = i + j
                n = int(data["lengths"][k])
                truth = "".join(TOKENS[t] for t in data["labels"][k, :n])
                d = constrained(row)
                correct.append(d.text == truth if n else not d.valid or d.confidence < 0.5)
                conf.append(d.confidence if d.valid else 0.0)
    model.train()
    return np.array(correct), np.array(conf)


Buffer = TypeVar("Buffer", np.ndarray, torch.Tensor)


def _room(buf: Buffer, used: int, need: int) -> Buffer:
    """``buf`` with room for ``need`` rows, its first ``used`` kept: itself when it has the room,
    else a copy twice as long (so that adding many chunks copies each row a few times at most)."""
    if len(buf) >= need:
        return buf
    rows = max(need, 2 * len(buf))
    grown: Buffer
    if isinstance(buf, torch.Tensor):
        grown = torch.empty((rows, *buf.shape[1:]), dtype=buf.dtype, device=buf.device)
    else:
        grown = np.empty((rows, *buf.shape[1:]), buf.dtype)
    grown[:used] = buf[:used]
    return grown


class Batches:
    """A training set's batches as network inputs. On the CPU they are stretched with numpy as
    they are drawn; on a GPU the crops are copied over once and stretched there (the CPU's
    percentiles would otherwise set the pace). A stream's fresh chunks join with
    :meth:`extend`; ``size`` counts the crops held."""

    def __init__(
        self, data: dict[str, np.ndarray], device: torch.device, on_device: bool | None = None
    ) -> None:
        """``on_device`` (default: on any device but the CPU) keeps the crops as a tensor on
        ``device`` and stretches them there; the CPU can take that path too, as tests do."""
        self.device = device
        if on_device is None:
            on_device = device.type != "cpu"
        self.size = len(data["images"])
        self.labels = data["labels"]
        self.lengths = data["lengths"]
        self.host_images: np.ndarray | None = None if on_device else data["images"]
        self.images = torch.from_numpy(data["images"]).to(device) if on_device else None

    def extend(self, more: dict[str, np.ndarray]) -> None:
        """Hold the crops of ``more`` too, after the ones held (their labels padded with blanks
        to the held labels' width, which CTC never reads past a label's length)."""
        width = self.labels.shape[1]
        if more["labels"].shape[1] > width:
            raise ValueError(f"labels of {more['labels'].shape[1]} columns, more than {width}")
        start, end = self.size, self.size + len(more["images"])
        self.labels = _room(self.labels, start, end)
        self.labels[start:end] = 0
        self.labels[start:end, : more["labels"].shape[1]] = more["labels"]
        self.lengths = _room(self.lengths, start, end)
        self.lengths[start:end] = more["lengths"]
        if self.images is None:
            assert self.host_images is not None
            self.host_images = _room(self.host_images, start, end)
            self.host_images[start:end] = more["images"]
        else:
            self.images = _room(self.images, start, end)
            self.images[start:end] = torch.from_numpy(more["images"]).to(self.device)
        self.size = end

    def inputs(self, idx: np.ndarray, shift: int) -> torch.Tensor:
        """The crops ``idx``, rolled ``shift`` pixels sideways (rolling moves no percentile)."""
        if self.images is None:
            assert self.host_images is not None
            return to_input(np.roll(self.host_images[idx], shift, axis=2))
        picked = self.images[torch.from_numpy(idx).to(self.device)]
        return torch.roll(to_input_on(picked), shift, dims=3)

    def targets(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """CTC's concatenated targets and the label lengths of the crops ``idx``."""
        lengths = self.lengths[idx].astype(np.int64)
        flat = flat_targets(self.labels[idx], lengths)
        return flat.to(self.device), torch.from_numpy(lengths).to(self.device)


def ctc_step(
    model: PlateCRNN,
    opt: torch.optim.Optimizer,
    ctc: torch.nn.CTCLoss,
    batches: Batches,
    idx: np.ndarray,
    shift: int,
) -> float:
    """One optimiser step on the crops ``idx``; the batch's CTC loss."""
    flat, lengths = batches.targets(idx)
    lp = model(batches.inputs(idx, shift)).permute(1, 0, 2)
    frames = torch.full((len(idx),), lp.shape[0], dtype=torch.long, device=lp.device)
    loss = ctc(lp, flat, frames, lengths)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    return float(loss.item())


#: The most validation checks a run makes on the way (``check_every`` in :func:`main`).
MAX_CHECKS = 10


def step_seconds(
    model: PlateCRNN, batches: Batches, batch: int, seed: int, probe: int = 40
) -> float:
    """Seconds one training step takes, timed on throwaway copies of the network and optimiser
    with the random state forked, so that the run itself is not changed by the timing."""
    trial = copy.deepcopy(model)
    opt = torch.optim.AdamW(trial.parameters(), lr=1e-4)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    rng = np.random.default_rng([seed, 99])
    n = batches.size
    devices = [batches.device] if batches.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        for i in range(probe + 5):
            if i == 5:  # the first steps pay for allocation and kernel choice
                if devices:
                    torch.cuda.synchronize()
                start = time.time()
            idx = np.sort(rng.choice(n, size=min(batch, n), replace=False))
            ctc_step(trial, opt, ctc, batches, idx, 0)
        if devices:
            torch.cuda.synchronize()
    return (time.time() - start) / probe


def steps_until(
    model: PlateCRNN,
    batches: Batches,
    batch: int,
    deadline: float,
    seed: int,
    probe: int = 40,
    check_seconds: float = 0.0,
    per_step: float | None = None,
) -> int:
    """How many training steps end by ``deadline`` (Unix time), at ``per_step`` seconds each
    (timed by :func:`step_seconds` when not given), so that the run itself trains exactly as
    ``--steps`` with the returned count would. Besides the checks on the way (at most
    ``MAX_CHECKS`` and one at the end, ``check_seconds`` each), a reserve of a tenth of the
    time left, at least two minutes, is kept for the final validation, export and calibration."""
    if per_step is None:
        per_step = step_seconds(model, batches, batch, seed, probe)
    left = deadline - time.time()
    usable = left - max(120.0, left / 10) - (MAX_CHECKS + 1) * check_seconds
    if usable < per_step * 100:
        raise SystemExit(
            f"--train-until leaves {left:.0f} s: too little for 100 steps ({per_step:.3f} s each) "
            "and the reserve for export and calibration"
        )
    return int(usable / per_step) // 100 * 100


#: Slack on a stream's pace: chunks are taken a quarter less often than the workers rendered
#: them when timed, since training and rendering then share the machine.
STREAM_SLACK = 1.25


def stream_every(chunk_seconds: float, per_step: float) -> int:
    """Steps between two chunks of a stream whose workers render a chunk every
    ``chunk_seconds`` (all of them together), for a run at ``per_step`` seconds a step."""
    return max(1, math.ceil(STREAM_SLACK * chunk_seconds / per_step))


def stream_every_arg(value: str) -> int | str:
    """``--stream-every``: a whole number of steps, at least 1, or ``auto``."""
    if value == "auto":
        return value
    try:
        steps = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of steps or 'auto': {value!r}") from None
    if steps < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 step, not {steps}")
    return steps


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a count") from None
    if n < 1:
        raise ValueError("the count must be at least 1")
    return n


def kind_extra_arg(value: str) -> tuple[str, int]:
    """``--kind-extra``: ``KIND=COUNT``, a kind of ``generate.KINDS`` and at least one crop."""
    return named_value(value, generate.KINDS, _count, "KIND=COUNT")


def option_extra_arg(value: str) -> tuple[str, int]:
    """``--option-extra``: ``OPTION=COUNT``, one of ``generate.OPTIONS`` and at least one
    crop."""
    return named_value(value, generate.OPTIONS, _count, "OPTION=COUNT")


def option_extra_split(option: str) -> int:
    """The split of the seed that ``--option-extra`` crops with ``option`` set are drawn
    from."""
    return OPTION_EXTRA_SPLIT + generate.OPTIONS.index(option)


def options_tag(options: tuple[tuple[str, float], ...]) -> str:
    """The part of a cached set's file name that tells which options its crops were drawn with
    (empty when none: the name a set without options always had)."""
    return "".join(f"-{name}{chance:g}" for name, chance in options)


def replay_also_arg(value: str) -> tuple[int, int]:
    """``--replay-also``: ``VERSION=COUNT``, a generator version still rendered and at least one
    crop."""
    version, count = named_value(
        value, map(str, generate.GENERATOR_VERSIONS), _count, "VERSION=COUNT"
    )
    return int(version), count


def replay_also_split(version: int) -> int:
    """The split of the seed that ``--replay-also`` crops of generator ``version`` are drawn
    from."""
    return REPLAY_ALSO_SPLIT + version


def kind_extra_split(kind: str) -> int:
    """The split of the seed that ``--kind-extra`` crops of ``kind`` are drawn from."""
    return KIND_EXTRA_SPLIT + list(generate.KINDS).index(kind)


def cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The network's weights on the CPU, so that a GPU run's files load anywhere."""
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--train-size", type=int, default=100_000)
    ap.add_argument("--val-size", type=int, default=4_000)
    ap.add_argument("--steps", type=int, default=5_500)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument(
        "--width",
        type=int,
        default=48,
        help="channels of the second conv layer (the others scale with it); an --init file of "
        "a narrower network is widened to it (training/plates/widen.py)",
    )
    ap.add_argument(
        "--side-trims",
        type=float,
        nargs="+",
        default=list(SIDE_TRIMS),
        metavar="SHARE",
        help="the views the card names and the reject threshold is calibrated for: the share of "
        "the crop's width cut from each side per view (0: the crop as it is)",
    )
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where the network trains (auto: the GPU when there is one); data, export and "
        "calibration stay on the CPU",
    )
    ap.add_argument(
        "--train-until",
        type=float,
        metavar="UNIX_TIME",
        help="instead of --steps: time a few throwaway steps, then train as many as end by "
        "this time (a lent GPU machine's fixed budget); the card records the count, and "
        "--steps with it trains the same schedule again",
    )
    ap.add_argument(
        "--stream-every",
        type=stream_every_arg,
        metavar="STEPS|auto",
        help="while training, render fresh chunks of the same mix (split "
        f"{STREAM_SPLIT} of the seed) in --workers processes and add one to the training crops "
        "every STEPS steps (auto, with --train-until: as often as the workers keep up); the "
        "card records the count, and --steps with --stream-every N trains the same run again",
    )
    ap.add_argument(
        "--workers", type=int, default=2, help="processes rendering the data and calibrating"
    )
    ap.add_argument(
        "--calibration-size",
        type=int,
        default=12_000,
        help="synthetic crops read as the product reads them to set the reject threshold",
    )
    ap.add_argument("--out", type=Path, default=MODEL_DIR / "kr_plate_crnn.onnx")
    ap.add_argument(
        "--generator-version",
        type=int,
        choices=generate.GENERATOR_VERSIONS,
        default=generate.GENERATOR_VERSION,
        help="render the data as this version of the generator did (for controlled comparisons)",
    )
    ap.add_argument(
        "--replay-version",
        type=int,
        choices=generate.GENERATOR_VERSIONS,
        help="add crops of this older generator version to the training data, so that a stage "
        "continued on a new version keeps seeing the plates its start was trained on",
    )
    ap.add_argument(
        "--replay-size", type=int, default=0, help="how many replayed crops (same seed, split 0)"
    )
    ap.add_argument(
        "--replay-also",
        type=replay_also_arg,
        action="append",
        default=[],
        metavar="VERSION=COUNT",
        help="add COUNT crops of this older generator version besides --replay-version's, drawn "
        f"from split {REPLAY_ALSO_SPLIT} plus the version of the seed (texts of their own), so "
        "that several older generators' faces stay in the mix; repeat for several versions",
    )
    ap.add_argument(
        "--two-line-extra",
        type=int,
        default=0,
        help="add this many crops of two-line kinds only (the run's generator version, split "
        f"{TWO_LINE_SPLIT} of the seed), to show the weakest kinds more often",
    )
    ap.add_argument(
        "--two-line-option",
        type=option_arg,
        action="append",
        default=[],
        metavar="NAME=CHANCE",
        help="set one of the faces' options for the --two-line-extra crops only, e.g. "
        "painted_rim=1 (repeat for several)",
    )
    ap.add_argument(
        "--kind-extra",
        type=kind_extra_arg,
        action="append",
        default=[],
        metavar="KIND=COUNT",
        help="add COUNT crops of this kind only (the run's generator version, split "
        f"{KIND_EXTRA_SPLIT} plus the kind's place in the generator's kinds), to show one weak "
        "kind more often; repeat for several kinds",
    )
    ap.add_argument(
        "--option-extra",
        type=option_extra_arg,
        action="append",
        default=[],
        metavar="OPTION=COUNT",
        help="add COUNT crops of the run's generator version with this option of its faces set "
        f"on every crop (split {OPTION_EXTRA_SPLIT} plus the option's place in the faces' "
        "options), to show one new sort of plate more often than its chance does; repeat for "
        "several options",
    )
    ap.add_argument(
        "--arrange-version",
        type=int,
        choices=ARRANGE_VERSIONS,
        default=ARRANGE_VERSION,
        help="how inputs are arranged (qrpark.plates.preprocess.arrange); the card records it",
    )
    ap.add_argument(
        "--run-name",
        help="names this run's PyTorch files in training/runs/plates (default: the seed), so "
        "that two runs with one seed keep theirs apart",
    )
    ap.add_argument(
        "--init",
        type=Path,
        help="start from these weights instead of random ones: a shipped .onnx recogniser or a "
        "previous run's model-RUN.pt",
    )
    args = ap.parse_args()
    # Refused before any rendering, not after hours of training.
    if not valid_side_trims(args.side_trims):
        ap.error(f"--side-trims: each share must be between 0 and {MAX_SIDE_TRIM}")
    for flag, given, what in (
        ("--kind-extra", args.kind_extra, "kind"),
        ("--option-extra", args.option_extra, "option"),
        ("--two-line-option", args.two_line_option, "option"),
        ("--replay-also", args.replay_also, "version"),
    ):
        names = [name for name, _ in given]
        if len(set(names)) < len(names):
            ap.error(f"{flag}: each {what} at most once")
    if args.two_line_option and args.two_line_extra <= 0:
        ap.error("--two-line-option sets options of the --two-line-extra crops: give that too")
    if args.generator_version in (v for v, _ in args.replay_also):
        ap.error(f"--replay-also: {args.generator_version} is the run's own generator version")
    if args.stream_every == "auto" and args.train_until is None:
        ap.error(
            "--stream-every auto needs --train-until (it paces the stream by the deadline's "
            "timed steps)"
        )
    init_width = None
    if args.init is not None and args.init.suffix == ".onnx":
        init_width = onnx_width(args.init)
        if init_width > args.width:
            ap.error(f"--init {args.init} is width {init_width}, wider than --width {args.width}")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    device = pick_device(args.device)

    t0 = time.time()
    # The cache holds arranged inputs: both the renderer's and the arrangement's version name it.
    version = args.generator_version
    generate.typefaces(version, strict=True)  # every face present, before any work
    arranged = args.arrange_version
    data_tag = f"v{version}a{arranged}"
    run_name = args.run_name or str(args.seed)
    # Each training set's renderer and size, in load order: a stream renders the same mix.
    mix: list[tuple[Callable[[tuple[int, int, int, int]], Chunk], int]] = []

    def training_set(
        path: Path,
        split: int,
        size: int,
        gen: int,
        kinds: tuple[str, ...] | None = None,
        options: tuple[tuple[str, float], ...] = (),
    ) -> dict[str, np.ndarray]:
        mix.append(
            (
                partial(render_chunk, gen, kinds=kinds, arrange_version=arranged, options=options),
                size,
            )
        )
        return load_or_build(
            path,
            args.seed,
            split,
            size,
            args.workers,
            gen,
            kinds=kinds,
            arrange_version=arranged,
            options=options,
            compressed=False,
        )

    train = training_set(
        RUNS / f"train-{data_tag}-{args.seed}-{args.train_size}.npz", 0, args.train_size, version
    )
    replay_card = (
        {"generator_version": args.replay_version, "size": args.replay_size}
        if args.replay_version is not None and args.replay_size > 0
        else None
    )
    if replay_card is not None:
        generate.typefaces(args.replay_version, strict=True)
        replay = training_set(
            RUNS / f"train-v{args.replay_version}a{arranged}-{args.seed}-{args.replay_size}.npz",
            0,
            args.replay_size,
            args.replay_version,
        )
        train = merge_sets(train, replay)
    replay_also_card = {}
    for old, size in args.replay_also:
        generate.typefaces(old, strict=True)
        split = replay_also_split(old)
        replay = training_set(
            RUNS / f"train-also-v{old}a{arranged}-{args.seed}-{size}.npz", split, size, old
        )
        train = merge_sets(train, replay)
        replay_also_card[str(old)] = {"size": size, "split": split}
    two_line_card = None
    if args.two_line_extra > 0:
        two_line_options = tuple(args.two_line_option)
        extra = training_set(
            RUNS / f"train2l-{data_tag}-{args.seed}-{args.two_line_extra}"
            f"{options_tag(two_line_options)}.npz",
            TWO_LINE_SPLIT,
            args.two_line_extra,
            version,
            generate.TWO_LINE_KINDS,
            options=two_line_options,
        )
        train = merge_sets(train, extra)
        two_line_card = {"size": args.two_line_extra, "split": TWO_LINE_SPLIT}
        if two_line_options:
            two_line_card["options"] = dict(two_line_options)
    kind_card = {}
    for kind, size in args.kind_extra:
        split = kind_extra_split(kind)
        extra = training_set(
            RUNS / f"train-{kind}-{data_tag}-{args.seed}-{size}.npz", split, size, version, (kind,)
        )
        train = merge_sets(train, extra)
        kind_card[kind] = {"size": size, "split": split}
    option_card = {}
    for option, size in args.option_extra:
        split = option_extra_split(option)
        extra = training_set(
            RUNS / f"train-{option}-{data_tag}-{args.seed}-{size}.npz",
            split,
            size,
            version,
            options=((option, 1.0),),
        )
        train = merge_sets(train, extra)
        option_card[option] = {"size": size, "split": split}
    val = load_or_build(
        RUNS / f"val-{data_tag}-{args.seed}-{args.val_size}.npz",
        args.seed,
        1,
        args.val_size,
        args.workers,
        version,
        arrange_version=arranged,
    )
    print(
        f"data ready in {time.time() - t0:.0f}s: "
        f"{len(train['images'])} train, {len(val['images'])} val; training on {device}",
        flush=True,
    )
    stream = None
    chunk_seconds = 0.0
    if args.stream_every is not None:
        # Forked before the network touches the GPU; the workers render with numpy and OpenCV.
        started = time.time()
        # The run's own mix, in the shares its first sets have.
        sources, shares = zip(*mix, strict=True)
        stream = Stream(sources, interleave(shares), args.seed, args.workers)
        # Closed after training; also on the way out of a run that fails, before
        # multiprocessing's own exit handler would terminate the workers mid-chunk.
        atexit.register(stream.close)
        stream.wait_for(max(1, args.workers))
        chunk_seconds = (time.time() - started) / max(1, args.workers)
        print(f"stream: a chunk every {chunk_seconds:.2f} s from {args.workers} workers")

    model = PlateCRNN(len(TOKENS), args.width)
    init_sha = None
    if args.init is not None:
        init_sha = hashlib.sha256(args.init.read_bytes()).hexdigest()
        if init_width is not None:
            # A narrower start is built after ``model``, so a same-width start draws the random
            # numbers it always did.
            start = model if init_width == args.width else PlateCRNN(len(TOKENS), init_width)
            load_onnx(start, args.init, to_input(train["images"][:512]))
            if start is not model:
                widen(start, model)
                print(f"widened from width {init_width} to {args.width}")
        else:
            model.load_state_dict(torch.load(args.init, weights_only=True, map_location="cpu"))
        print(f"starting from {args.init} (sha256 {init_sha[:12]})")
    model.to(device)
    batches = Batches(train, device)
    steps = args.steps
    # Steps between two stream chunks (0: no stream); ``auto`` is settled by the deadline below.
    every = args.stream_every if isinstance(args.stream_every, int) else 0
    if args.train_until is not None:
        started = time.time()
        evaluate(model, {k: v[:1000] for k, v in val.items()})  # what each check costs
        check_seconds = time.time() - started
        per_step = step_seconds(model, batches, args.batch, args.seed)
        steps = steps_until(
            model,
            batches,
            args.batch,
            args.train_until,
            args.seed,
            check_seconds=check_seconds,
            per_step=per_step,
        )
        print(f"{steps} steps fit before the deadline", flush=True)
        if args.stream_every == "auto":
            every = stream_every(chunk_seconds, per_step)
    if stream is not None:
        print(f"stream: a chunk of {CHUNK} crops joins every {every} steps", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=steps, pct_start=0.1
    )
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    order = rng.permutation(batches.size)
    pos = 0
    # A check of 1 000 validation crops every 1 000 steps, at most MAX_CHECKS on a long run (and
    # one at the end); checks draw no random numbers, so their count changes nothing trained.
    check_every = 1000 * max(1, -(-steps // (MAX_CHECKS * 1000)))
    t_train = time.time()
    with step_progress("train") as progress:
        task = progress.add_task("train", total=steps, loss=float("nan"))
        ema = None
        for step in range(steps):
            if stream is not None and step > 0 and every and step % every == 0:
                # A fresh chunk joins; it is drawn from once the next pass over the crops starts.
                batches.extend(stream.take())
            if pos + args.batch > len(order):
                order, pos = rng.permutation(batches.size), 0
            idx = np.sort(order[pos : pos + args.batch])
            pos += args.batch
            # Cheap on-the-fly variety: random horizontal shift of a few pixels, random invert-free
            # brightness is already in the rendering.
            shift = int(rng.integers(-3, 4))
            loss = ctc_step(model, opt, ctc, batches, idx, shift)
            sched.step()
            ema = loss if ema is None else 0.98 * ema + 0.02 * loss
            progress.update(task, advance=1, loss=ema)
            if (step + 1) % 200 == 0 and not progress.console.is_terminal:
                # The bar only draws on a terminal; a log gets a line now and then.
                rate = (step + 1) / (time.time() - t_train)
                print(f"step {step + 1}/{steps} loss {ema:.3f} {rate:.2f} steps/s", flush=True)
            if (step + 1) % check_every == 0 or step + 1 == steps:
                correct, _ = evaluate(model, {k: v[:1000] for k, v in val.items()})
                RUNS.mkdir(parents=True, exist_ok=True)
                torch.save(cpu_state(model), RUNS / f"checkpoint-{run_name}.pt")
                progress.console.print(f"step {step + 1}: synthetic val exact {correct.mean():.3f}")

    stream_card = None
    if stream is not None:
        stream.close()  # its workers' cores go to validation and calibration
        stream_card = {"every": every, "split": STREAM_SPLIT, "chunks": stream.taken}
        print(f"stream: {stream.taken} chunks joined, {batches.size} crops in all")
    correct, _ = evaluate(model, val)
    print(f"synthetic val exact {correct.mean():.4f}")

    RUNS.mkdir(parents=True, exist_ok=True)
    torch.save(cpu_state(model), RUNS / f"model-{run_name}.pt")
    model.cpu()
    export(model, args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    meta = {
        "tokens": list(TOKENS),
        "input": [1, INPUT_H, INPUT_W],
        "seed": args.seed,
        "steps": steps,
        "device": device.type,
        "train_size": args.train_size,
        "generator_version": version,
        "replay": replay_card,
        "replay_also": replay_also_card or None,
        "two_line_extra": two_line_card,
        "kind_extra": kind_card or None,
        "option_extra": option_card or None,
        "stream": stream_card,
        "arrange_version": arranged,
        "side_trims": args.side_trims,
        "max_lr": args.lr,
        "init_sha256": init_sha,
        "width": args.width,
        # Provisional: the product-path calibration below replaces it (the recogniser that
        # calibration reads with needs a card).
        "reject_threshold": 0.99,
        "synthetic_val_exact": round(float(correct.mean()), 4),
        "onnx_sha256": digest,
        "command": "python -m training.plates.train " + shlex.join(sys.argv[1:]),
        "train_seconds": round(time.time() - t0),
    }
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    figures = calibrate_card(args.out, args.seed, args.calibration_size, args.workers)
    print(json.dumps({**meta, **figures}, ensure_ascii=False))


def merge_sets(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Two rendered training sets as one: images and lengths stacked, label rows padded to the
    longer set's width with blanks (0), which CTC never reads past a label's length."""
    width = max(a["labels"].shape[1], b["labels"].shape[1])

    def padded(labels: np.ndarray) -> np.ndarray:
        return np.pad(labels, ((0, 0), (0, width - labels.shape[1])))

    return {
        "images": np.concatenate([a["images"], b["images"]]),
        "labels": np.concatenate([padded(a["labels"]), padded(b["labels"])]),
        "lengths": np.concatenate([a["lengths"], b["lengths"]]),
    }


def export(model: PlateCRNN, path: Path) -> None:
    model.eval()
    dummy = torch.zeros(1, 1, INPUT_H, INPUT_W)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (dummy,),
        str(path),
        input_names=["image"],
        output_names=["log_probs"],
        dynamic_axes={"image": {0: "batch"}, "log_probs": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    check_export(model, path, torch.randn(3, 1, INPUT_H, INPUT_W))


if __name__ == "__main__":
    main()
