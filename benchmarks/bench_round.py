"""Shopping round speed: p50/p99 of reading and planning an 8-item list at 20,000 businesses.

    .venv/bin/python -m benchmarks.bench_round [--sizes 20000] [--items 8] [--rounds 500]

The city is the one ``benchmarks.speed`` generates (20 products per business, varied hours, one in
ten a chain). Each list names ``--items`` different product concepts in Dutch or English, joined as a
person would type them ("brood, kaas, wijn en bloemen"), planned from a random point at a fixed
moment. Measured in process around ``read_list`` + ``plan`` (eight searches, the exact cover, the
walking order); the eight searches alone and the walking order alone are timed too. ``cpu p99``
is the thread's own CPU time: on a shared machine the wall-clock p99 also holds the time the
process waited for a core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from benchmarks.speed import CENTRE, generate
from catalog.views import AreaView
from concierge.heap import freeze_heap
from concierge.round import plan
from concierge.search import SearchService, default_parts
from concierge.shopping_list import read_list
from concierge.walking import walking_order

NOW = dt.datetime(2026, 11, 18, 13, 0, tzinfo=dt.UTC)


def lists(rng: random.Random, parts, count: int, items: int) -> list[str]:  # type: ignore[no-untyped-def]
    concepts = [c for c in parts.lexicon.concepts.values() if c.kind == "product" and c.terms.get("nl")]
    out = []
    for _ in range(count):
        lang = rng.choice(("nl", "en"))
        chosen = rng.sample(concepts, items)
        words = [rng.choice(c.terms.get(lang) or c.terms["nl"]) for c in chosen]
        joiner = " en " if lang == "nl" else " and "
        out.append(", ".join(words[:-1]) + joiner + words[-1])
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    parts = default_parts()
    print(
        f"{'businesses':>10} {'items':>5} {'rounds':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'cpu p99 ms':>11} {'stops':>5} {'searches p99':>15} {'order p99 ms':>14}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        rng = random.Random(size)
        area = AreaView("city", "Generated city", "Nowhere", CENTRE, 1500, "Europe/Amsterdam", "NL")
        search = SearchService([area], generate(size, 20, rng, parts), "nl", parts)
        freeze_heap()  # as `concierge serve` and `run` do once up: no full collections over the index
        texts = lists(rng, parts, args.rounds + 20, args.items)
        for text in texts[:20]:  # warm the caches of the first questions, as a running bot has
            request = read_list(text, search, "nl", strict=False)
            assert request is not None
            plan(search, request, near=CENTRE, at=NOW)
        timings, cpu, searches, orders, stops = [], [], [], [], []
        for text in texts[20:]:
            near = (CENTRE[0] + rng.uniform(-0.06, 0.06), CENTRE[1] + rng.uniform(-0.1, 0.1))
            started, started_cpu = time.perf_counter(), time.thread_time()
            request = read_list(text, search, "nl", strict=False)
            assert request is not None
            found = plan(search, request, near=near, at=NOW)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            stops.append(len(found.stops))
            # the searches alone (one per item, as the plan makes them): the rest is cover and order
            started = time.perf_counter()
            for item in request.items:
                search.ask(item.text, near=near, lang_hint=request.language, limit=5, now=NOW)
            searches.append((time.perf_counter() - started) * 1000)
            points = [(stop.result.lat, stop.result.lon) for stop in found.stops]
            started = time.perf_counter()
            walking_order(near, points)
            orders.append((time.perf_counter() - started) * 1000)
        print(
            f"{size:>10,} {args.items:>5} {len(timings):>6} {percentile(timings, 0.5):>7.2f} "
            f"{percentile(timings, 0.99):>7.2f} {max(timings):>7.2f} {percentile(cpu, 0.99):>11.2f} "
            f"{sum(stops) / len(stops):>5.1f} "
            f"{percentile(searches, 0.99):>15.2f} {percentile(orders, 0.99):>14.2f}"
        )


if __name__ == "__main__":
    main()
