"""What one worker costs: start-up time and resident memory, measured on whole processes.

Figures (issue 17's goals beside each), medians of ``--runs`` runs on fresh processes:

* ``concierge ask`` on the demo neighbourhood: wall seconds for the whole process (goal <= 1.0 s), and
  its CPU seconds (roughly what the wall time is on an idle core);
* ``concierge serve``: seconds from spawning the process to its first 200 from ``/healthz``
  (goal <= 1.5 s with the demo, <= 4 s at 10,000 shops);
* RSS of an idle ``serve`` worker after it answered 1,000 questions through ``/api/v1/search``
  (goal <= 120 MB with the demo, <= 150 MB at 10,000 shops, growth per 10,000 further shops <= 40 MB);
* ``concierge run`` with each runtime: seconds from spawning to the first answer sent to the Bot API
  emulator (goal <= 2.5 s).

The load average is printed before and after: on a shared machine, start-up times measure the queue
for a core as much as the worker. Everything runs as a separate process, exactly as an operator
starts it, against SQLite files built once per size (the demo through the real importer, larger
cities with the API benchmark's generator).

    .venv/bin/python -m benchmarks.bench_footprint [--runs 5] [--sizes 10000,20000] [--skip-run]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from benchmarks.bench_api import build_database
from benchmarks.bench_api import requests as api_requests
from benchmarks.bench_runtimes import TOKEN, Control, emulator_process

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "catalog" / "data" / "demo_neighbourhood.json"
ENV = {**os.environ, "CONCIERGE_BOT_TOKEN": "", "PYTHONDONTWRITEBYTECODE": "1"}
QUESTIONS = 1000


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "handlers.cli", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def prepare(folder: Path, sizes: list[int]) -> dict[str, str]:
    """One SQLite file per catalogue: ``demo`` and each generated size."""
    urls = {"demo": f"sqlite+aiosqlite:///{folder}/demo.db"}
    subprocess.run(cli("import", str(DEMO), "--db", urls["demo"]), env=ENV, check=True, capture_output=True)
    for size in sizes:
        urls[str(size)] = f"sqlite+aiosqlite:///{folder}/city{size}.db"
        asyncio.run(build_database(urls[str(size)], size))
    return urls


def time_ask(url: str) -> tuple[float, float]:
    """Wall seconds of a whole ``concierge ask`` process, and its CPU seconds (user and system): on a
    shared machine the wall time also counts waiting for a core, the CPU time does not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        cli("ask", "waar kan ik brood kopen?", "--db", url), env=ENV, check=True, capture_output=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


async def serve_once(url: str, questions: int) -> tuple[float, float]:
    """Seconds to the first healthy answer, and idle RSS (MB) after ``questions`` searches."""
    port = free_port()
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *cli("serve", "--db", url, "--port", str(port)),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"serve exited with {process.returncode}")
                try:
                    async with http.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.01)
            ready = time.perf_counter() - start
            for question, lang, lat, lon in api_requests(questions):
                query = urlencode({"q": question, "lang": lang, "near": f"{lat},{lon}"})
                async with http.get(f"{base}/api/v1/search?{query}") as response:
                    await response.read()
        await asyncio.sleep(2)  # idle: let batched writes and collections settle
        return ready, rss_mb(process.pid)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


async def run_once(url: str, runtime: str) -> float:
    """Seconds from spawning ``concierge run`` to its first answer arriving at the emulator.

    Each run gets its own copy of the database: a fresh emulator numbers its updates from 1 again, and
    the bot rightly drops an update id it has already answered (docs/delivery.md)."""
    source = Path(url.removeprefix("sqlite+aiosqlite:///"))
    copy = source.with_name(f"run-{runtime}-{time.monotonic_ns()}.db")
    shutil.copyfile(source, copy)
    url = f"sqlite+aiosqlite:///{copy}"
    async with emulator_process() as api, aiohttp.ClientSession() as http:
        control = Control(http, api)
        await control.inject([{"kind": "message", "user": 1, "text": "brood", "language_code": "nl"}])
        env = {**ENV, "CONCIERGE_BOT_TOKEN": TOKEN, "CONCIERGE_TELEGRAM_API_URL": api}
        start = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *cli("run", "--runtime", runtime, "--db", url),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not (await control.stats())["latencies"]:
                if process.returncode is not None:
                    raise RuntimeError(f"run exited with {process.returncode}")
                await asyncio.sleep(0.01)
            return time.perf_counter() - start
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)


def median_row(label: str, values: list[float], unit: str, goal: str) -> str:
    shown = ", ".join(f"{v:.2f}" for v in values)
    return f"{label:<38} median {statistics.median(values):8.2f} {unit:<3} goal {goal:<8} runs: {shown}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10000,20000", help="generated city sizes besides the demo")
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--skip-run", action="store_true", help="leave out the Telegram runtimes")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="concierge-footprint-") as tmp:
        urls = prepare(Path(tmp), sizes)
        time_ask(urls["demo"])  # warm-up: compiled translations and lexicon caches
        asks = [time_ask(urls["demo"]) for _ in range(args.runs)]
        rows = [
            f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores",
            median_row("ask (demo), whole process", [wall for wall, _ in asks], "s", "<= 1.0"),
            median_row("ask (demo), CPU time of the process", [cpu for _, cpu in asks], "s", ""),
        ]
        rss_by_size: dict[str, float] = {}
        for name, url in urls.items():
            figures = [asyncio.run(serve_once(url, args.questions)) for _ in range(args.runs)]
            goal_ready = "<= 1.5" if name == "demo" else ("<= 4" if name == "10000" else "")
            goal_rss = "<= 120" if name == "demo" else ("<= 150" if name == "10000" else "")
            rows.append(
                median_row(f"serve ({name}) to first /healthz 200", [f[0] for f in figures], "s", goal_ready)
            )
            rss = [f[1] for f in figures]
            rss_by_size[name] = statistics.median(rss)
            rows.append(median_row(f"serve ({name}) idle RSS after {args.questions} q", rss, "MB", goal_rss))
        if "10000" in rss_by_size and "20000" in rss_by_size:
            growth = rss_by_size["20000"] - rss_by_size["10000"]
            rows.append(f"{'RSS growth per 10,000 further shops':<38} {growth:8.2f} MB  goal <= 40")
        if not args.skip_run:
            for runtime in ("aiogram", "ptb"):
                seconds = [asyncio.run(run_once(urls["demo"], runtime)) for _ in range(args.runs)]
                rows.append(median_row(f"run --runtime {runtime} to first answer", seconds, "s", "<= 2.5"))
    rows.append(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
