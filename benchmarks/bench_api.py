"""API search throughput and latency at 20,000 businesses.

The web app (the same ``create_web_app`` as ``concierge serve``) runs in this process on 127.0.0.1;
the load comes from a separate process: ``wrk`` (Debian package) with a Lua script cycling through
varied questions and positions, or, without wrk, a small aiohttp client in a subprocess.
The rate limiter stays in the path, with a limit high enough not to refuse the single load client.

    .venv/bin/python benchmarks/bench_api.py [--businesses 20000] [--duration 15] [--connections 32]
                                             [--redis redis://127.0.0.1:6379/0]

Two figures: throughput at saturation (closed loop, ``--connections`` busy clients) and latency at a
steady ``--rate`` (open loop, default 500 requests/s, latency counted from each request's scheduled
moment). Target on the project's 2-core machine: at least 500 requests/s, and p99 at most 50 ms at
that rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import insert

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalog.db import create_engine, session_factory, upgrade  # noqa: E402
from catalog.models import Area, Business, Product  # noqa: E402
from concierge.app import App, open_app  # noqa: E402
from concierge.heap import freeze_heap  # noqa: E402
from concierge.search import open_search  # noqa: E402
from concierge.settings import Settings  # noqa: E402
from handlers.web import RateLimiter, TokenBucket, create_web_app  # noqa: E402
from handlers.web.ratelimit import RedisTokenBucket  # noqa: E402

CENTER = (52.0907, 5.1214)
KINDS = [
    ("shop=bakery", ["sourdough bread", "croissants", "spelt bread", "apple pie"]),
    ("shop=greengrocer", ["apples", "oat milk", "kale", "strawberries"]),
    ("shop=bicycle", ["bike repair", "inner tubes", "bike lights", "cargo bike"]),
    ("shop=florist", ["tulips", "roses", "house plants", "wedding bouquet"]),
    ("shop=books", ["children's books", "comics", "travel guides", "second-hand books"]),
    ("shop=cheese", ["gouda", "goat cheese", "oat milk cheese", "parmesan"]),
    ("amenity=cafe", ["espresso", "oat milk latte", "cake", "lunch"]),
    ("shop=hardware", ["screws", "paint", "drill hire", "keys cut"]),
    ("shop=butcher", ["sausages", "organic beef", "chicken", "barbecue packs"]),
    ("shop=clothes", ["jeans", "second-hand coats", "wool sweaters", "t-shirts"]),
]
HOURS = [
    "Mo-Fr 09:00-18:00; Sa 10:00-17:00",
    "Mo-Sa 08:30-17:30",
    "Tu-Sa 10:00-18:00; Su 12:00-17:00",
    "Mo-Fr 07:00-19:00; Sa,Su 08:00-18:00",
    "Mo 13:00-18:00; Tu-Fr 09:00-18:00; Sa 09:00-17:00",
    "Mo-Su 08:00-22:00",
    "We-Su 11:00-23:00",
    "Mo-Fr 10:00-12:30,13:30-18:00; Sa 10:00-16:00; PH off",
    "Mo-Sa 09:00-21:00; Su 10:00-18:00",
    "24/7",
    "Th-Sa 16:00-01:00",
    "Mo-Fr 08:00-16:00",
]
"""Hours vary as on a real high street, so no shortcut comes from every shop keeping the same ones."""
QUESTIONS = [
    ("waar kan ik havermelk kopen?", "nl"),
    ("where can I buy oat milk?", "en"),
    ("bike repair near me", "en"),
    ("fietsenmaker", "nl"),
    ("sourdough bread", "en"),
    ("verse bloemen", "nl"),
    ("Wo gibt es Käse?", "de"),
    ("où acheter du pain ?", "fr"),
    ("second-hand books", "en"),
    ("keys cut", "en"),
    ("espresso open now", "en"),
    ("tulpen", "nl"),
    ("drill hire", "en"),
    ("organic beef", "en"),
    ("wool sweater", "en"),
    ("something nobody sells here", "en"),
]


def generate(count: int, seed: int = 5) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        category, products = KINDS[i % len(KINDS)]
        lat = CENTER[0] + rng.uniform(-0.03, 0.03)
        lon = CENTER[1] + rng.uniform(-0.05, 0.05)
        rows.append(
            {
                "id": f"business-{i:05d}",
                "area_id": "bench",
                "name": f"{category.split('=')[1].replace('_', ' ').title()} {i}",
                "categories": [category],
                "tags": {},
                "lat": lat,
                "lon": lon,
                "address": f"Benchstraat {i}",
                "opening_hours": rng.choice(HOURS),
                "independent": rng.random() > 0.1,
                "story_who": f"Owner {i}, in the neighbourhood since {1960 + i % 60}.",
                "products": rng.sample(products, 2),
            }
        )
    return rows


async def build_database(url: str, count: int) -> None:
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            session.add(
                Area(id="bench", name="Bench", city="Utrecht", center_lat=CENTER[0], center_lon=CENTER[1])
            )
            await session.flush()
            rows = generate(count)
            products = [
                {"business_id": row["id"], "name": name, "position": n}
                for row in rows
                for n, name in enumerate(row.pop("products"))  # type: ignore[call-overload]
            ]
            for start in range(0, len(rows), 2000):
                await session.execute(insert(Business), rows[start : start + 2000])
            for start in range(0, len(products), 4000):
                await session.execute(insert(Product), products[start : start + 4000])
            await session.commit()
    finally:
        await engine.dispose()


def requests(n: int = 2000, seed: int = 7) -> list[tuple[str, str, float, float]]:
    """Varied questions from varied positions (2,000 distinct requests), as many residents would ask."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        question, lang = QUESTIONS[i % len(QUESTIONS)]
        lat = round(CENTER[0] + rng.uniform(-0.02, 0.02), 5)
        lon = round(CENTER[1] + rng.uniform(-0.03, 0.03), 5)
        out.append((question, lang, lat, lon))
    return out


def request_paths(n: int = 2000) -> list[str]:
    return [
        "/api/v1/search?" + urlencode({"q": q, "lang": lang, "lat": f"{lat:.5f}", "lon": f"{lon:.5f}"})
        for q, lang, lat, lon in requests(n)
    ]


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""

BUSINESS_PATHS = [f"/api/v1/businesses/business-{i:05d}" for i in range(0, 20_000, 97)]


async def run_wrk(
    base: str, paths: list[str], duration: int, connections: int, folder: str
) -> tuple[float, float]:
    script = Path(folder) / "search.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), base]
    print("load:", " ".join(command), flush=True)
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    text = out.decode()
    print(text)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1])  # type: ignore[index]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non_2xx:
        print(f"warning: {non_2xx[1]} non-2xx responses")
    return rps, p99


CLIENT = """
import asyncio, json, sys, time
import aiohttp
base, duration, connections = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
paths = json.loads(open(sys.argv[4]).read())
latencies = []
async def worker(session, offset, stop):
    i = offset
    while time.perf_counter() < stop:
        started = time.perf_counter()
        async with session.get(base + paths[i % len(paths)]) as response:
            await response.read()
            assert response.status == 200, response.status
        latencies.append(time.perf_counter() - started)
        i += 1
async def main():
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        stop = start + duration
        await asyncio.gather(*(worker(session, n, stop) for n in range(connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    print(json.dumps({"rps": len(latencies) / elapsed, "p99": latencies[int(len(latencies) * 0.99)] * 1000}))
asyncio.run(main())
"""


PACED = """
import asyncio, json, sys, time
import aiohttp
base, duration, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
paths = json.loads(open(sys.argv[4]).read())
latencies, failures = [], 0
async def one(session, path, due):
    global failures
    async with session.get(base + path) as response:
        await response.read()
        if response.status != 200:
            failures += 1
    latencies.append(time.perf_counter() - due)
async def main():
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        tasks, n = [], 0
        while n < duration * rate:
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, paths[n % len(paths)], due)))
            n += 1
        await asyncio.gather(*tasks)
    latencies.sort()
    print(json.dumps({"sent": n, "failures": failures, "p50": latencies[len(latencies) // 2] * 1000,
                      "p99": latencies[int(len(latencies) * 0.99)] * 1000}))
asyncio.run(main())
"""
"""Open loop: requests leave on a fixed schedule whether or not earlier ones were answered, and
latency counts from the scheduled moment, so a stall is not hidden by the client waiting for it."""


def paths_file(paths: list[str]) -> str:
    """The request paths for a client process, in a file (too many for a command line)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(paths, handle)
    return handle.name


async def client_process(script: str, *args: object) -> dict[str, float]:
    """Runs a load client in its own process; its last output line is its figures as JSON."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, *map(str, args), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    figures: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
    return figures


async def run_paced(base: str, paths: list[str], duration: int, rate: float) -> dict[str, float]:
    print(f"load: python aiohttp client, open loop at {rate:.0f} requests/s for {duration}s", flush=True)
    figures = await client_process(PACED, base, duration, rate, paths_file(paths))
    print(figures)
    return figures


async def run_client(base: str, paths: list[str], duration: int, connections: int) -> tuple[float, float]:
    print(f"load: python aiohttp client, {connections} connections, {duration}s", flush=True)
    figures = await client_process(CLIENT, base, duration, connections, paths_file(paths))
    return figures["rps"], figures["p99"]


async def refresh_figures(app: App) -> tuple[float, float]:
    """Seconds to bring the index up to date after one edit (only the changed business is read and
    analysed again), and for a rebuild from scratch."""
    async with app.sessions.begin() as session:
        business = await session.get(Business, "business-00042")
        assert business is not None
        business.story_why = "Because the street deserves good bread."
    began = time.perf_counter()
    await app.rebuild_search()
    refresh = time.perf_counter() - began
    assert app.search.business("business-00042").story_why.startswith("Because")  # type: ignore[union-attr]
    began = time.perf_counter()
    await open_search(app.sessions, app.settings.default_language, parts=app.search.parts)
    return refresh, time.perf_counter() - began


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--rate", type=float, default=500.0, help="requests/s of the open-loop latency phase")
    parser.add_argument(
        "--redis", metavar="URL", help="rate limit through this Redis (as several workers share it)"
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="concierge-bench-api-")
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    started = time.perf_counter()
    await build_database(url, args.businesses)
    app = await open_app(Settings(database_url=url, default_language="en"))
    print(f"{len(app.search.businesses())} businesses loaded in {time.perf_counter() - started:.1f}s")
    freeze_heap()  # as ``concierge serve`` does once it is up
    limiter: RateLimiter = TokenBucket(1e9, 1e9)
    redis = Redis.from_url(args.redis) if args.redis else None
    if redis is not None:
        limiter = RedisTokenBucket(redis, TokenBucket(1e9, 1e9), "concierge-bench:")
    print("rate limiter:", "Redis" if redis is not None else "in memory")
    runner = web.AppRunner(create_web_app(app, limiter=limiter), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    paths = request_paths()
    try:
        use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
        for path in paths[:3]:  # warm up and show what is being measured
            async with __import__("aiohttp").ClientSession() as session, session.get(base + path) as response:
                body = await response.json()
                print(response.status, path, "->", [r["id"] for r in body["results"]])
        asks = requests(480)
        began = time.perf_counter()
        for question, lang, lat, lon in asks:
            app.search.ask(question, near=(lat, lon), lang_hint=lang)
        engine_ms = (time.perf_counter() - began) / len(asks) * 1000
        print(f"search engine alone, in process: {engine_ms:.2f} ms per question (one core)")
        refresh_s, full_s = await refresh_figures(app)
        print(f"index refresh after an owner's edit: {refresh_s:.2f} s (a full rebuild: {full_s:.2f} s)")
        load = run_wrk if use_wrk else run_client
        extra = (folder,) if use_wrk else ()
        rps, p99 = await load(base, paths, args.duration, args.connections, *extra)  # type: ignore[operator]
        paced = await run_paced(base, paths, args.duration, args.rate)
        record_rps, record_p99 = await load(base, BUSINESS_PATHS, args.duration, args.connections, *extra)  # type: ignore[operator]
    finally:
        await runner.cleanup()
        await app.close()
        if redis is not None:
            await redis.aclose()
        shutil.rmtree(folder, ignore_errors=True)
    verdict = "meets" if rps >= 500 and paced["p99"] <= 50 and not paced["failures"] else "misses"
    print(
        f"GET /api/v1/search at {args.businesses} businesses: {rps:.0f} requests/s at saturation "
        f"({args.connections} connections, p99 {p99:.1f} ms); at a steady {args.rate:.0f} requests/s "
        f"p50 {paced['p50']:.1f} ms, p99 {paced['p99']:.1f} ms, {paced['failures']:.0f} failed "
        f"({verdict} the target: >= 500 req/s, p99 <= 50 ms; engine alone {engine_ms:.1f} ms/question)"
    )
    print(
        f"GET /api/v1/businesses/{{id}} (web layer without search): {record_rps:.0f} requests/s, "
        f"p99 {record_p99:.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
