"""The machine line under each benchmark names what its speed turns on."""

from __future__ import annotations

from pathlib import Path

from bench.__main__ import _machine

CPU = """processor\t: 0
model name\t: AMD EPYC
cpu MHz\t\t: 1996.248
flags\t\t: fpu sse4_2 avx avx2 fma
processor\t: 1
model name\t: AMD EPYC
cpu MHz\t\t: 3100.000
flags\t\t: fpu sse4_2 avx avx2 fma avx512f
"""


def test_the_machine_line_names_the_widest_vector_set_and_the_clock(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(CPU)
    assert _machine(info).startswith("AMD EPYC (AVX2, 2.0 GHz), ")  # the first processor's
    info.write_text(CPU.split("processor\t: 1")[1].replace("AVX", ""))
    assert _machine(info).startswith("AMD EPYC (AVX-512, 3.1 GHz), ")
    info.write_text("model name\t: Old\ncpu MHz\t\t: unknown\nflags\t\t: fpu sse4_2\n")
    assert _machine(info).startswith("Old (no AVX), ")


def test_a_machine_without_cpuinfo_still_gets_a_line(tmp_path: Path) -> None:
    line = _machine(tmp_path / "missing")
    assert " cores, Python " in line
    assert "GHz" not in line
