"""Compare the recogniser's code at a git revision with the working tree's: same model, same crops.

    python -m training.plates.speed_code --against HEAD --faces 9 --seed 20261299 --n 300 \\
        --rounds 5

Work on the reader's speed (preprocessing, decoding) should change how fast it reads, not what it
reads. Here the revision's ``qrpark.plates`` is loaded beside the working tree's, as a copy under
another package name (``qrpark_rev``, its imports rewritten to match), both read the working
tree's model, and every crop is read by each in turn as ``training.plates.speed`` reads models,
so a busy machine's drift falls on both alike. Every read of the one is compared with the
other's: its text, tokens, per-character confidences, path score, validity, layout and
confidence. Crops are fresh synthetic ones of the seed; real photos are never used.

Prints one JSON object: both codes' plates per second per round and over all rounds, the working
tree's time against the revision's in per cent (``slower_than_first_percent``; negative when
faster), and ``differing_reads``: how many of the reads differ (0 when the change is speed
alone).
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from training.plates.args import add_faces
from training.plates.check import faces_for
from training.plates.speed import compare, crops, report

from qrpark.plates.reader import KR_MODEL, KoreanRecognizer

#: The package the revision's copy is loaded as.
REV_PACKAGE = "qrpark_rev"
#: Where the recogniser's code lives in the repository.
PLATES_DIR = "src/qrpark/plates"
_IMPORTS = re.compile(r"\bqrpark\.plates\b")


def rewrite_imports(source: str) -> str:
    """``source`` with every ``qrpark.plates`` module path pointed at the revision's copy."""
    return _IMPORTS.sub(f"{REV_PACKAGE}.plates", source)


def _git(*args: str, repo: Path) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ValueError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def load_revision(revision: str, into: Path, repo: Path) -> ModuleType:
    """The revision's ``qrpark.plates.reader``, written under ``into`` and imported as
    ``qrpark_rev.plates.reader``. Raises ValueError for a revision git does not know."""
    names = _git("ls-tree", "--name-only", f"{revision}:{PLATES_DIR}", repo=repo).split()
    package = into / REV_PACKAGE / "plates"
    package.mkdir(parents=True)
    (into / REV_PACKAGE / "__init__.py").write_text("", encoding="utf-8")
    for name in names:
        if name.endswith(".py"):
            source = _git("show", f"{revision}:{PLATES_DIR}/{name}", repo=repo)
            (package / name).write_text(rewrite_imports(source), encoding="utf-8")
    if str(into) not in sys.path:
        sys.path.insert(0, str(into))
    for loaded in [m for m in sys.modules if m == REV_PACKAGE or m.startswith(f"{REV_PACKAGE}.")]:
        del sys.modules[loaded]
    importlib.invalidate_caches()
    return importlib.import_module(f"{REV_PACKAGE}.plates.reader")


def read_key(read: Any) -> tuple[Any, ...]:
    """What a crop read says, comparable between two copies of the code (whose classes differ)."""
    d = read.decoded
    return (d.text, d.tokens, d.char_confidences, d.log_prob, d.valid, str(read.layout),
            read.confidence)  # fmt: skip


@dataclass
class Recording:
    """A recogniser whose reads are kept, in order, to compare with another's."""

    recogniser: Any
    reads: list[tuple[Any, ...]] = field(default_factory=list)

    def read_crop(self, crop: Any) -> None:
        self.reads.append(read_key(self.recogniser.read_crop(crop)))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--against", default="HEAD", help="the git revision to compare with")
    ap.add_argument("--model", type=Path, default=KR_MODEL, help="the model both codes read")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    add_faces(ap)
    args = ap.parse_args(argv)
    if args.n < 1 or args.rounds < 1:
        ap.error("--n and --rounds must be at least 1")
    repo = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory(prefix="qrpark-rev-") as tmp:
        try:
            revision = load_revision(args.against, Path(tmp), repo)
        except ValueError as exc:
            ap.error(str(exc))
        before = Recording(revision.KoreanRecognizer(model_path=args.model))
        after = Recording(KoreanRecognizer(model_path=args.model))
        images = crops(args.seed, args.n, faces_for(args.faces))
        spent = compare([before, after], images, args.rounds)  # type: ignore[list-item]
    labels = [Path(f"{args.against}:{PLATES_DIR}"), Path("working tree")]
    differing = sum(a != b for a, b in zip(before.reads, after.reads, strict=True))
    result = {
        "faces": args.faces,
        "seed": args.seed,
        "model": str(args.model),
        **report(labels, spent, args.n),
        "reads": len(after.reads),
        "differing_reads": differing,
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    main()
