"""Run benchmarks and write each one's figures into its own section of docs/BENCHMARKS.md.

Every module ``bench/bench_<name>.py`` defines ``run() -> str`` returning a Markdown section
(figures, the baseline measured in the same run, and anything skipped with its reason). A run of
some benchmarks rewrites only their sections; the rest of the file is kept.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
HEADER = """# Benchmarks

Produced by `make bench` (`python -m bench`); each section below is rewritten by its own
benchmark and says when, on what machine and with which command it ran, with the baseline it was
measured against in the same run. Wall-clock figures are never asserted in tests.
"""


#: /proc/cpuinfo flags of the vector instruction sets, widest first, and how the machine line
#: names them.
VECTOR_SETS = (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"))
CPUINFO = Path("/proc/cpuinfo")


def _machine(cpuinfo: Path = CPUINFO) -> str:
    """The CPU by name, with what the speed of the model runs turns on: the widest vector
    instructions it has and its clock (two hosts reporting the same CPU name have read plates
    with the same model at speeds more than twice apart)."""
    cpu = platform.processor() or platform.machine()
    extras: list[str] = []
    try:
        info = cpuinfo.read_text().splitlines()
    except OSError:
        info = []
    fields: dict[str, str] = {}
    for line in info:
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    if "model name" in fields:
        cpu = fields["model name"]
    flags = set(fields.get("flags", "").split())
    vector = next(
        (name for flag, name in VECTOR_SETS if flag in flags), None if not flags else "no AVX"
    )
    if vector:
        extras.append(vector)
    with contextlib.suppress(KeyError, ValueError):  # no clock given, or not a number
        extras.append(f"{float(fields['cpu MHz']) / 1000:.1f} GHz")
    if extras:
        cpu = f"{cpu} ({', '.join(extras)})"
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def _revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def available() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(p.stem.removeprefix("bench_") for p in here.glob("bench_*.py"))


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section of ``name`` in docs/BENCHMARKS.md."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    stamp = (
        f"_Command: `python -m bench {name}` · machine: {_machine()} · "
        f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · revision: {_revision()}_"
    )
    block = f"<!-- bench:{name} -->\n{body.strip()}\n\n{stamp}\n<!-- /bench:{name} -->"
    pattern = re.compile(
        rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.DOTALL
    )
    text = (
        pattern.sub(lambda _m: block, text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{block}\n"
    )
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {available()}")
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    for name in names:
        print(f"== bench {name}", flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        body = module.run()
        write_section(name, body)
        print(body, flush=True)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
