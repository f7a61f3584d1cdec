"""Entries per second through the HTTP API, on SQLite and on PostgreSQL, with p50/p99 latency,
next to PostgreSQL's own rate for one-row insert transactions (pgbench) in the same run.

One entry is what a native app does: ``POST /api/v1/entries`` (sign, phone, plate), the card
step at the sandbox gateway (a test token, not timed), then ``POST /api/v1/entries/{id}/complete``.
The server is ``qrpark serve`` in its own process (one worker); the load comes from this process
over loopback with 8 entries in flight.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from rich.progress import Progress

from qrpark.demo import LOT_CODE, seed
from qrpark.kit.clock import SystemClock
from qrpark.kit.db import Database, upgrade
from qrpark.kit.signing import KeyRing
from qrpark.payments.sandbox import SandboxGateway
from qrpark.signs.domain import parse_sign_url, sign_url

ENTRIES = 400
WARMUP = 24
IN_FLIGHT = 8
PG_ADMIN = os.environ.get("QRPARK_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
KEYS = "b1:benchmark-signing-key-0001"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)


async def _prepare(url: str) -> list[str]:
    db = Database.from_url(url)
    async with db.transaction() as s:
        _, _, areas = await seed(s, SystemClock())
    await db.dispose()
    return [a.code for a in areas]


async def _load(
    base: str, sandbox: SandboxGateway, areas: list[str], progress: Progress, task: object
) -> list[float]:
    keys = KeyRing({"b1": KEYS.split(":", 1)[1]})
    signs = [parse_sign_url(sign_url(base, LOT_CODE, code, keys)) for code in areas]
    latencies: list[float] = []
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(i: int, client: httpx.AsyncClient) -> None:
        ref = signs[i % len(signs)]
        body = {
            "sign": {"lot": ref.lot_code, "area": ref.area_code, "k": ref.kid, "s": ref.signature},
            "phone": f"010-{2000 + i // 10000:04d}-{i % 10000:04d}",
            "plate": f"{10 + i % 90}가{i:04d}",
            "consent": True,
        }
        async with gate:
            t0 = time.perf_counter()
            started = await client.post("/api/v1/entries", json=body)
            t1 = time.perf_counter()
            started.raise_for_status()
            data = started.json()
            sandbox.complete_with_token(data["card_url"].rsplit("/", 1)[1], "tok_visa")
            t2 = time.perf_counter()
            done = await client.post(f"/api/v1/entries/{data['entry_id']}/complete", json={})
            t3 = time.perf_counter()
            done.raise_for_status()
            if i >= WARMUP:
                latencies.append((t1 - t0) + (t3 - t2))
            progress.advance(task)  # type: ignore[arg-type]

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await asyncio.gather(*[one(i, client) for i in range(WARMUP)])
        start = time.perf_counter()
        await asyncio.gather(*[one(i, client) for i in range(WARMUP, WARMUP + ENTRIES)])
        wall = time.perf_counter() - start
    latencies.append(wall)  # the last element carries the wall time of the timed part
    return latencies


def _measure(backend: str, progress: Progress) -> tuple[float, float, float]:
    work = Path(tempfile.mkdtemp(prefix=f"qrpark-bench-{backend}-"))
    name = f"qrpark_bench_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
    else:
        _psql(f'CREATE DATABASE "{name}"')
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        upgrade(url)
        areas = asyncio.run(_prepare(url))
        env = {
            **os.environ,
            "QRPARK_DATABASE_URL": url,
            "QRPARK_DATA_DIR": str(work),
            "QRPARK_PUBLIC_BASE_URL": base,
            "QRPARK_SIGNING_KEYS": KEYS,
            "QRPARK_ENVIRONMENT": "test",
            "QRPARK_ENTRY_LIMIT_PER_IP": "1000000",
            "QRPARK_ENTRY_LIMIT_PER_AREA": "1000000",
            "QRPARK_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "qrpark", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        sandbox = SandboxGateway(
            work / "sandbox-gateway.sqlite3",
            base_url=base,
            webhook_secret="sandbox-webhook-secret-for-development",
        )
        task = progress.add_task(f"entries on {backend}", total=WARMUP + ENTRIES)
        samples = asyncio.run(_load(base, sandbox, areas, progress, task))
        wall = samples.pop()
        ms = sorted(x * 1000 for x in samples)
        return ENTRIES / wall, statistics.median(ms), ms[int(len(ms) * 0.99) - 1]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if backend == "postgresql":
            _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


def _pgbench_inserts() -> float:
    """One-row INSERT transactions per second, 8 clients, 10 s, by PostgreSQL's own pgbench."""
    name = f"qrpark_pgbench_{uuid.uuid4().hex[:8]}"
    _psql(f'CREATE DATABASE "{name}"')
    dsn = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        subprocess.run(
            [
                "psql",
                dsn,
                "-q",
                "-c",
                "CREATE TABLE t (id bigserial PRIMARY KEY, plate text, at timestamptz)",
            ],
            check=True,
            capture_output=True,
        )
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
            script.write("INSERT INTO t (plate, at) VALUES ('12가3456', now());\n")
        out = subprocess.run(
            ["pgbench", "-n", "-c", str(IN_FLIGHT), "-j", "2", "-T", "10", "-f", script.name, dsn],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        os.unlink(script.name)
        for line in out.splitlines():
            if line.startswith("tps"):
                return float(line.split("=")[1].split()[0])
        raise RuntimeError(f"no tps in pgbench output: {out}")
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run() -> str:
    rows = []
    with Progress() as progress:
        for backend in ("sqlite", "postgresql"):
            rate, p50, p99 = _measure(backend, progress)
            rows.append(f"| {backend} | {rate:,.1f} | {p50:,.1f} | {p99:,.1f} |")
    baseline = _pgbench_inserts()
    return "\n".join(
        [
            "## Entries through the HTTP API",
            "",
            f"{ENTRIES} timed entries after {WARMUP} warm-up ones, {IN_FLIGHT} in flight, one `qrpark serve` worker "
            "process; latency is the two API calls of one entry (the card step at the sandbox is not timed).",
            "",
            "| database | entries/s | p50 ms | p99 ms |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            f"Baseline, same run: PostgreSQL alone commits **{baseline:,.0f}** one-row INSERT transactions/s "
            f"(pgbench, {IN_FLIGHT} clients, 10 s). Each entry is two HTTP requests and about a dozen statements in "
            "several transactions (entry draft, card registration, stay, event, outbox message).",
        ]
    )
