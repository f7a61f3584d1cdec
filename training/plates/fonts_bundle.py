"""Pack the font files the plate generators draw with, for a machine that cannot install them.

    python -m training.plates.fonts_bundle .device/fonts.tar.xz

A lent GPU machine reaches no package registry, so `apt-get install fonts-nanum …` cannot run
there. This writes every face any generator version (and the held-out check) names into one
xz-compressed tar, under the absolute paths the generator looks them up by; unpacked into ``/``
the generator finds them where it finds them here. (The same seed draws the same plates; their
pixels match where Pillow's FreeType typesets alike, which versions need not.)
"""

from __future__ import annotations

import argparse
import tarfile
from pathlib import Path

from training.plates import generate


def bundled_faces() -> list[Path]:
    """Every font file a generator version or the held-out check draws with, each once."""
    sets = [generate.typefaces(v, strict=True) for v in generate.GENERATOR_VERSIONS]
    sets.append(generate.typefaces(held_out=True, strict=True))
    return sorted({Path(path) for faces in sets for path, _ in (*faces.hangul, *faces.digits)})


def write_bundle(out: Path, faces: list[Path]) -> int:
    """Write ``faces`` into the tar.xz ``out`` under their absolute paths (less the leading
    slash, as tar stores them); the bundle's size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with tarfile.open(partial, "w:xz", preset=6) as tar:
        for face in faces:
            tar.add(face, arcname=str(face).lstrip("/"), recursive=False)
    partial.replace(out)
    return out.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path, help="the .tar.xz to write")
    args = ap.parse_args()
    faces = bundled_faces()
    size = write_bundle(args.out, faces)
    print(f"{args.out}: {len(faces)} font files, {size / 2**20:.1f} MiB (xz preset 6)")


if __name__ == "__main__":
    main()
