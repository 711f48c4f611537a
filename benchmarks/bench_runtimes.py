"""Updates per second and latency of search questions through each Telegram runtime.

The Bot API emulator runs in a separate process (``python -m tests.support.botapi_emulator``); the bot runs
here, long polling it, with a fresh SQLite copy of the demo neighbourhood per runtime. Latency is
measured by the emulator, on one clock: from the moment getUpdates hands an update to the bot to the
moment the bot's answer (sendMessage) for that chat arrives, i.e. the time the bot adds.

Two phases per runtime:

* flood: all questions are queued at once (from many residents: the core answers one resident at
  most ``CONCIERGE_QUESTION_LIMIT`` questions a minute, so a few residents asking thousands would
  measure its flood protection); throughput = answered / (last answer - first delivery),
  and latency includes waiting behind the other queued questions;
* paced: questions arrive at a steady rate (default 100/s, spread over the users), the latency a
  resident sees on a busy day. The emulator paces them itself, so sending them costs the bot's
  process nothing.

Run from the repository root: ``.venv/bin/python -m benchmarks.bench_runtimes`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import itertools
import logging
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from concierge.app import App, open_app
from concierge.heap import freeze_heap
from concierge.settings import Settings
from handlers.cli.run import open_runtime
from handlers.telegram_render import CORE_SLOTS

TOKEN = "123:ABC"
TARGET_RATE = 300.0
TARGET_P99_MS = 50.0
QUESTION_TEMPLATES = ("waar kan ik {} kopen?", "{}", "where can I buy {}?", "{} in de buurt")


@dataclass
class Phase:
    answered: int
    expected: int
    seconds: float
    latencies_ms: list[float]
    errors: dict[str, int]

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, p: float) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]


@contextlib.asynccontextmanager
async def emulator_process() -> AsyncIterator[str]:
    """The emulator in its own process; yields its base URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.botapi_emulator",
        "--port",
        "0",
        "--token",
        TOKEN,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        url = line.decode().strip().rsplit(" ", 1)[-1]
        if not url.startswith("http://"):
            raise RuntimeError(f"the emulator did not start: {line!r}")
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 10)
        if process.returncode is None:
            process.kill()
            await process.wait()


def questions_from(app: App, count: int) -> list[str]:
    """Questions about products the neighbourhood really sells, in a few phrasings."""
    products = sorted({p.name for b in app.search.businesses() for p in b.products})
    if not products:
        raise SystemExit("the demo neighbourhood has no products to ask about")
    pairs = zip(itertools.cycle(products), itertools.cycle(QUESTION_TEMPLATES), strict=False)
    return [template.format(product) for product, template in itertools.islice(pairs, count)]


class Control:
    """The emulator's test side over HTTP."""

    def __init__(self, http: aiohttp.ClientSession, url: str):
        self.http = http
        self.url = url

    async def inject(self, items: list[dict[str, Any]]) -> None:
        async with self.http.post(f"{self.url}/_emulator/inject", json=items) as response:
            response.raise_for_status()

    async def inject_paced(self, items: list[dict[str, Any]], rate: float) -> None:
        """The emulator injects them ``rate`` a second itself, costing the bot's process nothing."""
        body = {"items": items, "rate": rate}
        async with self.http.post(f"{self.url}/_emulator/inject_paced", json=body) as response:
            response.raise_for_status()

    async def stats(self) -> dict[str, Any]:
        async with self.http.get(f"{self.url}/_emulator/stats") as response:
            response.raise_for_status()
            result: dict[str, Any] = await response.json()
            return result

    async def reset(self) -> None:
        async with self.http.post(f"{self.url}/_emulator/reset") as response:
            response.raise_for_status()

    async def wait_answered(self, expected: int, within: float, stall: float = 10.0) -> dict[str, Any]:
        """Stats once ``expected`` answers arrived, or nothing new came for ``stall`` seconds."""
        deadline = time.monotonic() + within
        seen, progress = -1, time.monotonic()
        while True:
            stats = await self.stats()
            answered = len(stats["latencies"])
            now = time.monotonic()
            if answered != seen:
                seen, progress = answered, now
            if answered >= expected or now > deadline or now - progress > stall:
                return stats
            await asyncio.sleep(0.2)


def messages(questions: list[str], users: int, first_user: int) -> list[dict[str, Any]]:
    return [
        {"kind": "message", "user": first_user + i % users, "text": q, "language_code": "nl"}
        for i, q in enumerate(questions)
    ]


def phase_from(stats: dict[str, Any], expected: int) -> Phase:
    latencies = [seconds * 1000 for seconds in stats["latencies"]]
    first, last = stats["first_delivery"], stats["last_reply"]
    seconds = (last - first) if first is not None and last is not None else 0.0
    return Phase(len(latencies), expected, seconds, latencies, stats["errors"])


async def measure(
    name: str, database: Path, url: str, args: argparse.Namespace, control: Control
) -> tuple[Phase, Phase]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{database}",
        bot_token=SecretStr(TOKEN),
        telegram_api_url=url,
    )
    app = await open_app(settings, migrate=False)
    runtime = open_runtime(app, name)
    stop = asyncio.Event()
    polling: asyncio.Task[None] | None = None
    try:
        await runtime.start()
        polling = asyncio.create_task(runtime.poll(stop))
        questions = questions_from(app, args.questions)
        warmup = questions[: args.warmup]

        await control.reset()
        await control.inject(messages(warmup, args.users, 10_000))
        await control.wait_answered(len(warmup), within=120)

        await control.reset()
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        await control.inject(messages(questions, args.users, 20_000))
        flood = phase_from(await control.wait_answered(len(questions), within=600), len(questions))
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{args.profile}.{name}")

        await control.reset()
        paced = questions[: args.paced]
        await control.inject_paced(messages(paced, args.users, 30_000), args.rate)
        within = len(paced) / args.rate + 120
        steady = phase_from(await control.wait_answered(len(paced), within=within), len(paced))
        return flood, steady
    finally:
        stop.set()
        if polling is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(polling, 30)
        await runtime.close()
        await app.close()


async def measure_core(database: Path, args: argparse.Namespace) -> Phase:
    """The conversation core alone, same questions, same concurrency, no Telegram: the ceiling."""
    from concierge.events import Event
    from concierge.routing import Conversation

    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{database}")  # type: ignore[call-arg]
    app = await open_app(settings, migrate=False)
    try:
        conversation = Conversation(app)
        questions = questions_from(app, args.questions)
        gate = asyncio.Semaphore(args.core_concurrency)
        latencies: list[float] = []

        async def one(i: int, question: str) -> None:
            user = 40_000 + i % args.users
            event = Event("text", user_id=user, chat_id=user, text=question, language_code="nl")
            async with gate:
                began = time.perf_counter()
                await conversation.handle(event)
                latencies.append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(one(i, q) for i, q in enumerate(questions[: args.warmup])))
        freeze_heap()
        latencies.clear()
        began = time.perf_counter()
        await asyncio.gather(*(one(i, q) for i, q in enumerate(questions)))
        seconds = time.perf_counter() - began
        await conversation.drain()
        return Phase(len(latencies), len(questions), seconds, latencies, {})
    finally:
        await app.close()


def report(results: dict[str, tuple[Phase, Phase]], core: Phase | None, args: argparse.Namespace) -> str:
    names = list(results)
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, values: list[str]) -> None:
        rows.append((label, values))

    row("answered (flood)", [f"{f.answered}/{f.expected}" for f, _ in results.values()])
    row("updates/s (flood)", [f"{f.rate:.0f}" for f, _ in results.values()])
    row("p50 ms (flood, incl. queueing)", [f"{f.percentile(50):.1f}" for f, _ in results.values()])
    row("p99 ms (flood, incl. queueing)", [f"{f.percentile(99):.1f}" for f, _ in results.values()])
    row(f"answered (paced {args.rate:g}/s)", [f"{p.answered}/{p.expected}" for _, p in results.values()])
    row(f"p50 ms (paced {args.rate:g}/s)", [f"{p.percentile(50):.1f}" for _, p in results.values()])
    row(f"p99 ms (paced {args.rate:g}/s)", [f"{p.percentile(99):.1f}" for _, p in results.values()])
    row("Bot API errors", [str(sum(f.errors.values()) + sum(p.errors.values())) for f, p in results.values()])
    row(
        f"target ≥{TARGET_RATE:.0f}/s, p99 ≤{TARGET_P99_MS:.0f} ms",
        [
            "met" if f.rate >= TARGET_RATE and p.percentile(99) <= TARGET_P99_MS else "NOT met"
            for f, p in results.values()
        ],
    )
    if core is not None:
        names.append("core only")
        extra = [
            f"{core.answered}/{core.expected}",
            f"{core.rate:.0f}",
            f"{core.percentile(50):.1f}",
            f"{core.percentile(99):.1f}",
        ]
        for i, (_, values) in enumerate(rows):
            values.append(extra[i] if i < len(extra) else "-")
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"{'':<{width}}" + "".join(f"{n:>12}" for n in names)]
    lines += [f"{label:<{width}}" + "".join(f"{v:>12}" for v in values) for label, values in rows]
    errors = {k: v for f, p in results.values() for k, v in {**f.errors, **p.errors}.items()}
    if errors:
        lines.append("errors: " + "; ".join(f"{k} ×{v}" for k, v in errors.items()))
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "demo.db"
        app = await open_app(
            Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{template}"),  # type: ignore[call-arg]
            demo=True,
        )
        await app.close()
        results: dict[str, tuple[Phase, Phase]] = {}
        async with (
            emulator_process() as url,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http,
        ):
            control = Control(http, url)
            for name in args.runtimes.split(","):
                database = Path(folder) / f"{name}.db"
                shutil.copy(template, database)
                print(f"measuring {name} ...", file=sys.stderr, flush=True)
                results[name] = await measure(name, database, url, args, control)
        core = None
        if args.core_concurrency > 0:
            database = Path(folder) / "core.db"
            shutil.copy(template, database)
            print("measuring the core alone ...", file=sys.stderr, flush=True)
            core = await measure_core(database, args)
    print(
        f"{args.questions} search questions from {args.users} users; paced phase: {args.paced} at "
        f"{args.rate:g}/s. Emulator in a separate process, bot in this one, SQLite."
    )
    print(report(results, core, args))
    if core is not None:
        print(
            f"core only: Conversation.handle on the same questions, {args.core_concurrency} at a time, "
            "timed around each call (the heap frozen as the runtimes do on start); the difference to a "
            "runtime is what Telegram handling adds."
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=2000, help="questions in the flood phase")
    parser.add_argument(
        "--users",
        type=int,
        default=1000,
        help="distinct residents asking (the core answers at most 12 questions a minute per resident)",
    )
    parser.add_argument("--paced", type=int, default=500, help="questions in the paced phase")
    parser.add_argument("--rate", type=float, default=100.0, help="questions per second in the paced phase")
    parser.add_argument("--warmup", type=int, default=100, help="questions answered before measuring")
    parser.add_argument("--runtimes", default="aiogram,ptb", help="comma-separated: aiogram,ptb")
    parser.add_argument(
        "--core-concurrency",
        type=int,
        default=CORE_SLOTS,
        help="questions in the core at once for the core-only column, as in the runtimes (0: skip)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="write cProfile stats of each flood to FILE.<runtime>"
    )
    args = parser.parse_args(argv)
    if not all(name in {"aiogram", "ptb"} for name in args.runtimes.split(",")):
        parser.error("--runtimes takes aiogram and/or ptb")
    if min(args.questions, args.users, args.paced, args.warmup) < 1 or args.rate <= 0:
        parser.error("sizes and the rate must be positive")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
