"""Updates per second and p99 latency with 1, 2 and 4 ``concierge serve`` workers behind the webhook, on
PostgreSQL and Redis, and the time from an owner's edit on one worker to it showing on another.

Every part is its own process: the Bot API emulator (``python -m tests.support.botapi_emulator``), a
round-robin proxy (``python -m benchmarks.bench_workers proxy``, standing in for Caddy), the workers,
and this script as the load generator. Latency is measured by the emulator on one clock: from the
moment it posts an update to the webhook to the moment the answer (sendMessage) for that chat arrives.

* flood: all questions queued at once; throughput = answered / (last answer - first delivery);
* paced: questions at a steady rate, the latency a resident sees on a busy day;
* edit to visible: an owner adds or removes a product by chat on worker A ("+ kombucha"); this script
  polls worker B's search API until the change shows. With Redis (announced on a channel) and
  without (each worker polls a watermark of the catalogue four times a second).

Needs PostgreSQL and Redis (``CONCIERGE_TEST_POSTGRES_URL``/``CONCIERGE_TEST_REDIS_URL`` or
``--postgres``/``--redis``). Run from the repository root:
``.venv/bin/python -m benchmarks.bench_workers`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

from benchmarks.bench_runtimes import (
    TOKEN,
    Control,
    Phase,
    emulator_process,
    messages,
    phase_from,
    questions_from,
)
from catalog.models import BusinessRole, Owner
from concierge.app import open_app
from concierge.settings import Settings
from tests.support.postgres_support import create_database, drop_database
from tests.support.worker_support import SECRET, Proxy, Worker, message_update, post_update, worker_env

OWNER = 9_900_001
EDIT_PRODUCT = "kombucha"


async def prepare(database_url: str) -> tuple[list[str], str]:
    """The demo neighbourhood with an owner for its bakery; returns questions and the bakery's id."""
    app = await open_app(Settings(_env_file=None, database_url=database_url), demo=True)  # type: ignore[call-arg]
    try:
        bakery = next(b for b in app.search.businesses() if "shop=bakery" in b.categories)
        async with app.sessions.begin() as session:
            session.add(Owner(user_id=OWNER, language="en"))
            await session.flush()
            session.add(BusinessRole(business_id=bakery.id, user_id=OWNER, role="owner"))
        return questions_from(app, 100_000), bakery.id
    finally:
        await app.close()


@contextlib.asynccontextmanager
async def proxy_process(upstreams: list[str]) -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.bench_workers", "proxy", *upstreams, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        if not line.startswith("http://"):
            raise RuntimeError(f"the proxy did not start: {line!r}")
        yield line
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


@contextlib.asynccontextmanager
async def cluster(
    count: int, emulator_url: str, database_url: str, redis_url: str | None, workdir: Path
) -> AsyncIterator[list[Worker]]:
    emulator = SimpleNamespace(token=TOKEN, url=emulator_url)
    env = worker_env(emulator, database_url, redis_url, f"bench{uuid.uuid4().hex[:8]}:")  # type: ignore[arg-type]
    env["CONCIERGE_QUESTION_LIMIT"] = "1000000"
    env["CONCIERGE_LOG_FORMAT"] = "text"
    workers = [Worker(f"w{count}-{i}", env, workdir) for i in range(count)]
    try:
        for worker in workers:
            worker.start()
        await asyncio.gather(*(worker.ready() for worker in workers))
        yield workers
    finally:
        for worker in workers:
            worker.kill(15)
        for worker in workers:
            with contextlib.suppress(Exception):
                await worker.exit_code(within=30)
            worker.stop()


async def set_webhook(http: aiohttp.ClientSession, emulator_url: str, url: str) -> None:
    payload = {"url": f"{url}/telegram/webhook", "secret_token": SECRET}
    async with http.post(f"{emulator_url}/bot{TOKEN}/setWebhook", json=payload) as response:
        response.raise_for_status()


async def measure_load(
    control: Control, questions: list[str], args: argparse.Namespace, offset: int
) -> tuple[Phase, Phase]:
    warmup = questions[: args.warmup]
    await control.reset()
    await control.inject(messages(warmup, args.users, offset))
    await control.wait_answered(len(warmup), within=120)

    flood_questions = questions[args.warmup : args.warmup + args.questions]
    await control.reset()
    await control.inject(messages(flood_questions, args.users, offset + 100_000))
    flood = phase_from(await control.wait_answered(len(flood_questions), within=600), len(flood_questions))

    paced = questions[: args.paced]
    await control.reset()
    interval = 1 / args.rate
    start = time.monotonic()
    for i, item in enumerate(messages(paced, args.users, offset + 200_000)):
        await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
        await control.inject([item])
    steady = phase_from(await control.wait_answered(len(paced), within=120), len(paced))
    return flood, steady


async def search_ids(http: aiohttp.ClientSession, worker: Worker, question: str) -> set[str]:
    async with http.get(f"{worker.url}/api/v1/search", params={"q": question, "limit": "5"}) as response:
        body: dict[str, Any] = await response.json()
    return {result["id"] for result in body.get("results", [])}


async def measure_edits(workers: list[Worker], bakery: str, rounds: int) -> list[float]:
    """Seconds from the owner's edit (webhook POST to worker A answered) to worker B showing it."""
    editor, reader = workers[0], workers[1]
    seconds = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        for i in range(rounds):
            adding = i % 2 == 0
            text = f"{'+' if adding else '-'} {EDIT_PRODUCT}"
            await post_update(editor, message_update(5_000_000 + i, OWNER, text))
            saved = time.monotonic()
            async with asyncio.timeout(10):
                while (bakery in await search_ids(http, reader, EDIT_PRODUCT)) != adding:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
            seconds.append(time.monotonic() - saved)
            await asyncio.sleep(0.3)
    return seconds


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def main(args: argparse.Namespace) -> None:
    postgres = args.postgres or os.environ.get("CONCIERGE_TEST_POSTGRES_URL")
    redis = args.redis or os.environ.get("CONCIERGE_TEST_REDIS_URL")
    if not postgres or not redis:
        raise SystemExit(
            "needs PostgreSQL and Redis: --postgres/--redis or CONCIERGE_TEST_POSTGRES_URL/_REDIS_URL"
        )
    results: dict[int, tuple[Phase, Phase]] = {}
    edits: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        async with (
            emulator_process() as emulator_url,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http,
        ):
            control = Control(http, emulator_url)
            for count in args.workers:
                database, name = await create_database(postgres)
                try:
                    questions, bakery = await prepare(database)
                    print(f"measuring {count} worker(s) ...", file=sys.stderr, flush=True)
                    async with cluster(count, emulator_url, database, redis, Path(folder)) as workers:
                        async with proxy_process([w.url for w in workers]) as proxy_url:
                            await set_webhook(http, emulator_url, proxy_url)
                            results[count] = await measure_load(control, questions, args, count * 1_000_000)
                        if count >= 2 and "redis" not in edits:
                            edits["redis"] = await measure_edits(workers, bakery, args.edits)
                finally:
                    await drop_database(postgres, name)
            database, name = await create_database(postgres)
            try:
                _, bakery = await prepare(database)
                print("measuring edits without Redis ...", file=sys.stderr, flush=True)
                async with cluster(2, emulator_url, database, None, Path(folder)) as workers:
                    edits["database only"] = await measure_edits(workers, bakery, args.edits)
            finally:
                await drop_database(postgres, name)
    print(
        f"{args.questions} search questions (flood) from {args.users} users; paced: {args.paced} at "
        f"{args.rate:g}/s. Emulator, proxy, each worker and this load generator are separate processes "
        f"on {os.cpu_count()} cores; PostgreSQL and Redis on this machine."
    )
    width = 34
    print(f"{'':<{width}}" + "".join(f"{f'{n} worker' + ('s' if n > 1 else ''):>12}" for n in results))
    rows = [
        ("answered (flood)", lambda f, p: f"{f.answered}/{f.expected}"),
        ("updates/s (flood)", lambda f, p: f"{f.rate:.0f}"),
        ("p50 ms (flood, incl. queueing)", lambda f, p: f"{f.percentile(50):.1f}"),
        ("p99 ms (flood, incl. queueing)", lambda f, p: f"{f.percentile(99):.1f}"),
        (f"answered (paced {args.rate:g}/s)", lambda f, p: f"{p.answered}/{p.expected}"),
        (f"p50 ms (paced {args.rate:g}/s)", lambda f, p: f"{p.percentile(50):.1f}"),
        (f"p99 ms (paced {args.rate:g}/s)", lambda f, p: f"{p.percentile(99):.1f}"),
        ("Bot API errors", lambda f, p: str(sum(f.errors.values()) + sum(p.errors.values()))),
    ]
    for label, cell in rows:
        print(f"{label:<{width}}" + "".join(f"{cell(*results[n]):>12}" for n in results))
    for mode, values in edits.items():
        ms = [v * 1000 for v in values]
        print(
            f"edit on worker A to visible on worker B ({mode}, {len(ms)} edits): "
            f"median {statistics.median(ms):.0f} ms, p90 {percentile(ms, 90):.0f} ms, max {max(ms):.0f} ms"
        )


async def serve_proxy(upstreams: list[str]) -> None:
    proxy = Proxy([SimpleNamespace(url=url) for url in upstreams])  # type: ignore[misc]
    url = await proxy.start()
    print(url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await proxy.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--workers", type=lambda s: [int(n) for n in s.split(",")], default=[1, 2, 4])
    parser.add_argument("--questions", type=int, default=1000, help="questions in the flood phase")
    parser.add_argument("--users", type=int, default=200, help="distinct residents asking")
    parser.add_argument("--paced", type=int, default=300, help="questions in the paced phase")
    parser.add_argument("--rate", type=float, default=50.0, help="questions per second in the paced phase")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--edits", type=int, default=10, help="owner edits timed across workers")
    parser.add_argument("--postgres", help="PostgreSQL server URL (a database is created and dropped)")
    parser.add_argument("--redis", help="Redis URL (keys under a prefix of their own)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["proxy"]:
        asyncio.run(serve_proxy(sys.argv[2:]))
    else:
        asyncio.run(main(parse_args()))
