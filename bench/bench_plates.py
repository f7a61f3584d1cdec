"""Plate reading: speed on one core, accuracy on real crops against baselines, Latin scenes.

Real images are read from ``<repo>/../shared/data`` (or ``$QRPARK_SHARED_DATA``) for evaluation
only; sections whose data is missing say so and are skipped.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qrpark.plates.domain import levenshtein, normalise, wilson_interval
from qrpark.plates.finder import box_iou
from qrpark.plates.reader import (
    DEFAULT_FINDER,
    FinderKind,
    KoreanRecognizer,
    LatinRecognizer,
    Mode,
    PlateReader,
    load_image,
)

REPO = Path(__file__).resolve().parent.parent
IOU = 0.5


def shared_data() -> Path:
    return Path(os.environ.get("QRPARK_SHARED_DATA", REPO.parent / "shared" / "data"))


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:.1f}" if seconds > 0 else "n/a"


def _speed() -> list[str]:
    from training.plates import generate

    fonts = generate.available_fonts()
    rng = np.random.default_rng(99)
    crops = [generate.sample(rng, fonts).image for _ in range(300)]
    kr = KoreanRecognizer(threads=1)
    # The baseline: the same model read in one view, the crop as it is (the card's threshold is
    # for its own views; only the time is compared).
    one_view = KoreanRecognizer(threads=1)
    one_view.side_trims = (0.0,)
    rec: list[float] = []
    for recogniser in (kr, one_view):
        for c in crops[:10]:
            recogniser.read_crop(c)
        t = time.perf_counter()
        for c in crops:
            recogniser.read_crop(c)
        rec.append(time.perf_counter() - t)

    scenes = [generate.scene(np.random.default_rng(s), fonts)[0] for s in range(30)]
    rows = []
    readers = {k: PlateReader(Mode.KR, threads=1, finder=k) for k in FinderKind}
    for kind, reader in readers.items():
        reader.read(scenes[0])
        t = time.perf_counter()
        for s in scenes:
            reader.candidates(s)
        finder = time.perf_counter() - t
        t = time.perf_counter()
        for s in scenes:
            reader.read(s)
        full = time.perf_counter() - t
        rows += [
            f"| finder `{kind.value}` only, 30 synthetic 1280×720 frames | "
            f"{_rate(30, finder)} frames/s |",
            f"| finder `{kind.value}` + recogniser, same frames | {_rate(30, full)} frames/s |",
        ]
    reader = readers[DEFAULT_FINDER]
    real_rows = []
    latin_dir = shared_data() / "plates-latin" / "us"
    if latin_dir.exists():
        frames = [load_image(p) for p in sorted(latin_dir.glob("*.jpg"))]
        frames = [f for f in frames if f.shape[:2] == (720, 1280)][:30]
        t = time.perf_counter()
        for f in frames:
            reader.read(f)
        real = time.perf_counter() - t
        real_rows = [
            f"| finder `{DEFAULT_FINDER.value}` + Korean recogniser, {len(frames)} real 1280×720 "
            "car photos "
            "(plates-latin/us, no Korean plate in them: every candidate is read) | "
            f"{_rate(len(frames), real)} frames/s |"
        ]
    return [
        "### Speed (one core: onnxruntime intra_op_num_threads=1)",
        "",
        "| what | rate |",
        "|---|---|",
        f"| recogniser, 300 synthetic degraded crops (preprocess + model + decode), in the card's "
        f"{len(kr.side_trims)} views (side trims {', '.join(map(str, kr.side_trims))}) | "
        f"{_rate(300, rec[0])} plates/s |",
        f"| baseline: the same recogniser in one view (the crop as it is), same crops | "
        f"{_rate(300, rec[1])} plates/s |",
        *rows,
        *real_rows,
        "",
    ]


def _tesseract(path: Path) -> str:
    out = subprocess.run(
        ["tesseract", str(path), "stdout", "-l", "kor", "--psm", "7"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return normalise(out.stdout)


def _score(
    rows: list[tuple[Path, str]], read: Callable[[Path], tuple[str, bool]]
) -> dict[str, float]:
    exact = wrong = rejected = edits = chars = 0
    per_plate: dict[str, list[bool]] = {}
    t = time.perf_counter()
    for path, truth in rows:
        got, accepted = read(path)
        edits += levenshtein(got, truth)
        chars += len(truth)
        ok = accepted and got == truth
        exact += ok
        wrong += accepted and got != truth
        rejected += not accepted
        per_plate.setdefault(truth, []).append(ok)
    seconds = time.perf_counter() - t
    n = len(rows)
    return {
        "n": n,
        "exact": exact,
        "wrong": wrong,
        "rejected": rejected,
        "cer": edits / max(chars, 1),
        "plates": len(per_plate),
        "plates_exact": sum(all(v) for v in per_plate.values()),
        "seconds": seconds,
    }


def _kr_crops(base: Path) -> list[str]:
    labels = base / "plates-kr" / "labels.csv"
    if not labels.exists():
        return ["### Korean crops", "", f"Skipped: {labels} not found.", ""]
    with labels.open(encoding="utf-8") as fh:
        rows = [(labels.parent / r["file"], normalise(r["plate_text"])) for r in csv.DictReader(fh)]
    kr = KoreanRecognizer(threads=1)

    def ours(path: Path) -> tuple[str, bool]:
        p = kr.plate(load_image(path))
        return p.text, p.accepted

    def ours_no_reject(path: Path) -> tuple[str, bool]:
        return kr.plate(load_image(path)).text, True

    latin = LatinRecognizer(threads=1)

    def rapid(path: Path) -> tuple[str, bool]:
        out = latin._engine(load_image(path), use_det=False, use_cls=False, use_rec=True)
        return (normalise(str(out.txts[0])) if out.txts else ""), True

    results = {
        "qrpark KR model (at reject threshold)": _score(rows, ours),
        "qrpark KR model (no reject)": _score(rows, ours_no_reject),
        "RapidOCR PP-OCRv6 rec (bundled, no Hangul)": _score(rows, rapid),
    }
    notes = []
    if shutil.which("tesseract"):
        langs = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
        ).stdout.split()
        if "kor" in langs:
            results["Tesseract 5 kor, --psm 7"] = _score(rows, lambda p: (_tesseract(p), True))
        else:
            notes.append("Tesseract baseline skipped: `tesseract-ocr-kor` is not installed.")
    else:
        notes.append(
            "Tesseract baseline skipped: `tesseract` is not installed (Debian "
            "`tesseract-ocr tesseract-ocr-kor`)."
        )
    lines = [
        f"### Korean crops: `plates-kr/labels.csv` ({len(rows)} real crops, evaluation only)",
        "",
        "| reader | exact | accuracy (Wilson 95 %) | per distinct plate | wrong | rejected | CER "
        "| plates/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lo, hi = wilson_interval(int(r["exact"]), int(r["n"]))
        lines.append(
            f"| {name} | {int(r['exact'])}/{int(r['n'])} | {r['exact'] / r['n']:.1%} "
            f"({lo:.1%}–{hi:.1%}) | {int(r['plates_exact'])}/{int(r['plates'])} | "
            f"{int(r['wrong'])} | {int(r['rejected'])} | {r['cer']:.3f} | "
            f"{_rate(int(r['n']), r['seconds'])} |"
        )
    lines += [
        "",
        f"Reject threshold {kr.threshold:.3f} (calibrated on synthetic crops only, read as the "
        "product reads them). `wrong` = accepted but not exact.",
        *notes,
        "",
    ]
    return lines


def _voc_boxes(path: Path) -> list[tuple[int, int, int, int]]:
    root = ET.parse(path).getroot()
    boxes = []
    for obj in root.iter("object"):
        bb = obj.find("bndbox")
        if bb is None:
            continue
        x0, y0, x1, y1 = (int(float(bb.findtext(k) or 0)) for k in ("xmin", "ymin", "xmax", "ymax"))
        boxes.append((x0, y0, x1 - x0, y1 - y0))
    return boxes


def _kr_scenes(base: Path) -> list[str]:
    labels = base / "plates-kr" / "scenes.csv"
    if not labels.exists():
        return ["### Korean scenes", "", f"Skipped: {labels} not found.", ""]
    readers = {k: PlateReader(Mode.KR, threads=1, finder=k) for k in FinderKind}
    with labels.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    head = " | ".join(f"`{k.value}`" for k in FinderKind)
    lines = [
        "### Korean scenes: `plates-kr/scenes.csv` (finder + recogniser on full frames)",
        "",
        f"Per finder: the plates read and accepted (left to right) / the labelled plate boxes "
        f"found by a candidate (IoU ≥ {IOU}).",
        "",
        f"| image | expected | {head} |",
        "|---|---|" + "---|" * len(readers),
    ]
    for row in rows:
        path = labels.parent / row["file"]
        image = load_image(path)
        xml = path.with_suffix(".xml")
        boxes = _voc_boxes(xml) if xml.exists() else []
        cells = []
        for reader in readers.values():
            result = reader.read(image)
            got = "|".join(
                p.text
                for p in sorted(result.plates, key=lambda p: p.box[0] if p.box else 0)
                if p.accepted
            )
            cands = result.candidate_boxes
            found = sum(any(box_iou(c, b) >= IOU for c in cands) for b in boxes)
            cells.append(f"{got or '—'} / {found}/{len(boxes)}")
        lines.append(f"| {path.name} | {row['plate_text']} | {' | '.join(cells)} |")
    return [*lines, ""]


def _latin_one(rows: list[dict[str, str]], base: Path, finder: FinderKind) -> dict[str, Any]:
    reader = PlateReader(Mode.LATIN, threads=1, finder=finder)
    stats = {"n": 0, "cand": 0, "det": 0, "exact": 0, "exact_any": 0, "cands": 0}
    by_region: dict[str, list[int]] = {}
    busy = 0.0
    for row in rows:
        image = load_image(base / row["file"])
        truth_box = (int(row["x"]), int(row["y"]), int(row["w"]), int(row["h"]))
        truth = normalise(row["plate_text"])
        result = reader.read(image)
        busy += result.seconds
        cands = result.candidate_boxes
        best = result.best
        accepted = [p for p in result.plates if p.accepted]
        exact = bool(best and best.accepted and best.text == truth)
        stats["n"] += 1
        stats["cands"] += len(cands)
        stats["cand"] += any(box_iou(c, truth_box) >= IOU for c in cands)
        stats["det"] += bool(best and best.box and box_iou(best.box, truth_box) >= IOU)
        stats["exact"] += exact
        stats["exact_any"] += any(p.text == truth for p in accepted)
        region = row["file"].split("/")[0]
        by_region.setdefault(region, [0, 0])
        by_region[region][0] += 1
        by_region[region][1] += exact
    return {**stats, "regions": by_region, "seconds": busy}


def _latin(base: Path) -> list[str]:
    labels = base / "plates-latin" / "labels.csv"
    if not labels.exists():
        return ["### Latin scenes", "", f"Skipped: {labels} not found.", ""]
    with labels.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    kinds = list(FinderKind)
    res = {k: _latin_one(rows, labels.parent, k) for k in kinds}
    n = len(rows)

    def cell(k: FinderKind, key: str) -> str:
        return f"{res[k][key]}/{n} ({res[k][key] / n:.1%})"

    def exact_cell(k: FinderKind) -> str:
        lo, hi = wilson_interval(res[k]["exact"], n)
        regions = ", ".join(f"{r} {v[1]}/{v[0]}" for r, v in sorted(res[k]["regions"].items()))
        return f"{cell(k, 'exact')}, Wilson 95 % {lo:.1%}–{hi:.1%}; {regions}"

    head = " | ".join(f"`{k.value}`{' (default)' if k is DEFAULT_FINDER else ''}" for k in kinds)
    return [
        f"### Latin scenes: `plates-latin` ({n} real car photos, `--mode latin`)",
        "",
        f"| measure | {head} |",
        "|---|" + "---|" * len(kinds),
        f"| finder recall: a candidate box with IoU ≥ {IOU} against the labelled box | "
        + " | ".join(cell(k, "cand") for k in kinds)
        + " |",
        f"| detection recall: the returned best plate's box has IoU ≥ {IOU} | "
        + " | ".join(cell(k, "det") for k in kinds)
        + " |",
        "| exact match of the best accepted read | "
        + " | ".join(exact_cell(k) for k in kinds)
        + " |",
        "| exact match among all accepted reads | "
        + " | ".join(cell(k, "exact_any") for k in kinds)
        + " |",
        "| candidates per photo | "
        + " | ".join(f"{res[k]['cands'] / n:.2f}" for k in kinds)
        + " |",
        "| frames/s (one core, RapidOCR rec on finder crops, full det+rec as fallback) | "
        + " | ".join(_rate(n, res[k]["seconds"]) for k in kinds)
        + " |",
        "",
    ]


def run() -> str:
    base = shared_data()
    lines = ["## Plates", ""]
    lines += _speed()
    if not base.exists():
        lines += [f"Real-image sections skipped: {base} not found (set QRPARK_SHARED_DATA)."]
        return "\n".join(lines)
    lines += _kr_crops(base)
    lines += _kr_scenes(base)
    lines += _latin(base)
    return "\n".join(lines)
