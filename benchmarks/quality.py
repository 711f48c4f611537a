"""Answer quality on the development sets: S@3, nDCG@5 and empty-accuracy, next to a plain baseline,
then the generated coverage of every concept and preset in four languages (``benchmarks.coverage``).

    .venv/bin/python -m benchmarks.quality [--eval-dir ../shared/eval] [--data-dir ../shared/data] [--show]
        [--no-coverage]

Each catalogue is imported through the real importer into a fresh SQLite database; the concierge search
and the baseline (SQLite FTS5 over names, tags and products, any word, nearest first) answer every
question in the same process. Questions are asked at a fixed local time (a Wednesday, 14:00) so that
"open now" questions do not depend on when the benchmark runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks import coverage
from benchmarks.common import SHARED, load_service, run
from catalog.views import BusinessView
from concierge.indexing import business_tags
from concierge.search import SearchService

ASKED_AT_LOCAL = dt.datetime(2026, 11, 18, 14, 0)


@dataclass
class Scores:
    s3: float
    ndcg5: float
    empty_accuracy: float
    answerable: int
    empties: int


def gains_for(query: dict, businesses: dict[str, BusinessView], by_tags: bool) -> dict[str, int]:
    if not by_tags:
        gains = {bid: 1 for bid in query.get("partial", [])}
        gains.update({bid: 2 for bid in query.get("relevant", [])})
        return gains
    relevant, partial = set(query.get("relevant", [])), set(query.get("partial", []))
    out = {}
    for business in businesses.values():
        tags = business_tags(business)
        if tags & relevant:
            out[business.id] = 2
        elif tags & partial:
            out[business.id] = 1
    return out


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    k = math.cos(math.radians(a[0])) * 111_320
    return math.hypot((a[1] - b[1]) * k, (a[0] - b[0]) * 110_574)


def score(
    queries: list[dict],
    answers: list[list[str]],
    businesses: dict[str, BusinessView],
    by_tags: bool,
    default_radius: int,
) -> Scores:
    hits3, ndcgs, empty_ok, empties = 0, [], 0, 0
    for query, ids in zip(queries, answers, strict=True):
        if query.get("expect_empty"):
            empties += 1
            empty_ok += not ids
            continue
        near = tuple(query["near"])
        radius = query.get("radius_m") or default_radius
        gains = gains_for(query, businesses, by_tags)
        within = {
            bid: g
            for bid, g in gains.items()
            if bid in businesses and distance_m(near, (businesses[bid].lat, businesses[bid].lon)) <= radius
        }
        got = [within.get(bid, 0) for bid in ids[:5]]
        hits3 += any(g == 2 for g in got[:3])
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(got))
        ideal = sorted(within.values(), reverse=True)[:5]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcgs.append(dcg / idcg if idcg else 0.0)
    answerable = len(queries) - empties
    return Scores(
        hits3 / max(1, answerable),
        sum(ndcgs) / max(1, len(ndcgs)),
        empty_ok / max(1, empties),
        answerable,
        empties,
    )


class Fts5Baseline:
    """SQLite FTS5 over name, tags and products; any query word; nearest first within the radius."""

    def __init__(self, businesses: list[BusinessView]):
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize='unicode61 remove_diacritics 2')"
        )
        self.positions = {b.id: (b.lat, b.lon) for b in businesses}
        self.db.executemany(
            "INSERT INTO docs VALUES (?, ?)",
            [
                (
                    b.id,
                    " ".join(
                        [
                            b.name,
                            *(t.replace("=", " ").replace("_", " ") for t in business_tags(b)),
                            *(p.name for p in b.products),
                        ]
                    ),
                )
                for b in businesses
            ],
        )

    def ask(self, question: str, near: tuple[float, float], radius: int) -> list[str]:
        words = [w for w in re.findall(r"\w+", question.lower()) if len(w) >= 3]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        ids = [row[0] for row in self.db.execute("SELECT id FROM docs WHERE docs MATCH ?", (match,))]
        ranked = sorted((distance_m(near, self.positions[i]), i) for i in ids)
        return [i for d, i in ranked if d <= radius][:5]


def evaluate(
    service: SearchService, queries: list[dict], by_tags: bool, default_radius: int, show: bool
) -> tuple[Scores, Scores, list[float]]:
    businesses = {b.id: b for b in service.businesses()}
    tz = ZoneInfo(service.area.timezone if service.area else "UTC")
    now = ASKED_AT_LOCAL.replace(tzinfo=tz).astimezone(dt.UTC)
    baseline = Fts5Baseline(list(businesses.values()))
    ours, base, timings = [], [], []
    for query in queries:
        near = tuple(query["near"])
        started = time.perf_counter()
        answer = service.ask(query["q"], near=near, lang_hint=query.get("lang"), limit=5, now=now)
        timings.append((time.perf_counter() - started) * 1000)
        ids = [r.id for r in (*answer.results, *answer.more)][:5]
        ours.append(ids)
        base.append(baseline.ask(query["q"], near, query.get("radius_m") or default_radius))
        if show:
            gains = gains_for(query, businesses, by_tags)
            marks = " ".join(f"{i}[{gains.get(i, 0)}]" for i in ids) or f"(empty: {answer.message})"
            print(f"  {query['id']:>4} {query['q'][:48]:<48} {answer.understood.what[:24]:<24} {marks}")
    return (
        score(queries, ours, businesses, by_tags, default_radius),
        score(queries, base, businesses, by_tags, default_radius),
        timings,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("--data-dir", type=Path, default=SHARED / "data")
    parser.add_argument("--show", action="store_true", help="print every question with its answer")
    parser.add_argument("--no-coverage", action="store_true", help="skip the generated coverage figures")
    args = parser.parse_args()
    sets = [
        (
            "helsinki (OSM)",
            args.data_dir / "helsinki_centre.overpass.json",
            "helsinki",
            args.eval_dir / "dev_osm_queries.json",
            True,
        ),
        (
            "lindenhof (products)",
            args.eval_dir / "lindenhof_catalogue.json",
            None,
            args.eval_dir / "dev_product_queries.json",
            False,
        ),
    ]
    rows = []
    for label, catalogue, area, query_file, by_tags in sets:
        spec = json.loads(query_file.read_text(encoding="utf-8"))
        service = run(load_service(catalogue, area))
        radius = spec.get("radius_m") or (service.area.radius_m if service.area else 1500)
        if args.show:
            print(f"{label}:")
        ours, base, timings = evaluate(service, spec["queries"], by_tags, radius, args.show)
        timings.sort()
        rows.append((label, ours, base, timings[len(timings) // 2], timings[-1]))
    print(f"asked at {ASKED_AT_LOCAL:%A %H:%M} local time")
    print(
        f"{'set':<22} {'system':<10} {'S@3':>6} {'nDCG@5':>7} {'empty-acc':>9} {'answerable':>10} {'empty':>6}"
    )
    for label, ours, base, p50, worst in rows:
        for name, s in (("concierge", ours), ("fts5", base)):
            print(
                f"{label:<22} {name:<10} {s.s3:>6.3f} {s.ndcg5:>7.3f} {s.empty_accuracy:>9.3f} {s.answerable:>10} {s.empties:>6}"
            )
        print(f"{'':<22} latency p50 {p50:.2f} ms, max {worst:.2f} ms")
    if not args.no_coverage:
        generated = coverage.generate(coverage.SEED, every=True)
        figures = coverage.measure(generated, *coverage.services(generated))
        print(
            f"generated coverage (benchmarks.coverage, seed {coverage.SEED}, every form; answered in the top 3):"
        )
        print("\n".join(coverage.report(figures)))


if __name__ == "__main__":
    main()
