"""Search speed and memory on a generated city: index build time, RSS, and p50/p99 per question.

    .venv/bin/python -m benchmarks.speed [--sizes 2000,20000,100000] [--products 20] [--questions 2000]

A city of N businesses (20 products each by default: 20,000 businesses → 400,000 products) is generated
from the lexicon itself: each business gets a shop type and products named by the concepts sold there,
in Dutch or English, some with a modifier ("biologische", "handmade"). Questions are a realistic mix of
product words, shop types, need phrases, typos, filters and unknown words, asked from random points
with the area's 1.5 km radius. Latency is measured in process around ``SearchService.ask``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import resource
import time
from collections import defaultdict

from catalog.views import AreaView, BusinessView, ProductView
from concierge.search import SearchService, default_parts
from concierge.text import forget_words

CENTRE = (52.37, 4.89)
SPAN_DEG = (0.09, 0.15)
MODIFIERS = ("biologische", "verse", "huisgemaakte", "handmade", "local", "vegan", "grote", "small")
HOURS = (
    "Mo-Fr 09:00-18:00; Sa 09:00-17:00",
    "Tu-Sa 08:00-17:30",
    "Mo-Su 07:00-22:00",
    "We-Su 12:00-22:00",
    "",
)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def generate(count: int, products_each: int, rng: random.Random, parts) -> list[BusinessView]:  # type: ignore[no-untyped-def]
    sold_at: dict[str, list[str]] = defaultdict(list)
    for concept in parts.lexicon.concepts.values():
        if concept.kind != "product":
            continue
        for tag in concept.tags[:2]:
            for lang in ("nl", "en"):
                sold_at[tag].extend(concept.terms.get(lang, ())[:2])
    tags = sorted(
        tag
        for tag, names in sold_at.items()
        if len(names) >= 6 and tag.split("=")[0] in ("shop", "craft", "amenity")
    )
    businesses = []
    for n in range(count):
        tag = rng.choice(tags)
        names = sold_at[tag]
        products = []
        for _ in range(products_each):
            name = rng.choice(names)
            if rng.random() < 0.3:
                name = f"{rng.choice(MODIFIERS)} {name}"
            products.append(ProductView(name))
        businesses.append(
            BusinessView(
                id=f"business-{n}",
                name=f"{tag.split('=')[1].replace('_', ' ').title()} {n}",
                categories=(tag,),
                lat=CENTRE[0] + rng.uniform(-SPAN_DEG[0], SPAN_DEG[0]),
                lon=CENTRE[1] + rng.uniform(-SPAN_DEG[1], SPAN_DEG[1]),
                area_id="city",
                opening_hours=rng.choice(HOURS),
                independent=rng.random() > 0.1,
                story_who="Wij zijn een familiebedrijf uit de buurt." if rng.random() < 0.5 else "",
                products=tuple(products),
            )
        )
    return businesses


def questions(rng: random.Random, parts, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    concepts = [c for c in parts.lexicon.concepts.values() if c.kind in ("product", "shop")]
    templates = {
        "nl": ("waar kan ik {} kopen?", "{}", "{} in de buurt", "{} die nu open is"),
        "en": ("where can I get {}?", "{}", "{} near me", "{} open now"),
        "de": ("wo gibt es {}?", "{}", "{} in der Nähe"),
        "fr": ("où acheter {} ?", "{}", "{} près d'ici"),
    }
    out = []
    for _ in range(count):
        lang = rng.choice(("nl", "nl", "en", "de", "fr"))
        concept = rng.choice(concepts)
        words = concept.terms.get(lang) or concept.terms.get("en") or (concept.id,)
        term = rng.choice(words)
        if rng.random() < 0.1 and len(term) > 6:
            i = rng.randrange(1, len(term) - 1)
            term = term[:i] + term[i + 1 :]
        if rng.random() < 0.05:
            term = "zonnepanelen laten installeren"
        out.append(rng.choice(templates[lang]).format(term))
    return out


def measure(size: int, products_each: int, question_count: int, parts) -> dict[str, float]:  # type: ignore[no-untyped-def]
    rng = random.Random(size)
    gc.collect()
    before = rss_mb()
    businesses = generate(size, products_each, rng, parts)
    area = AreaView("city", "Generated city", "Nowhere", CENTRE, 1500, "Europe/Amsterdam", "NL")
    started = time.perf_counter()
    search = SearchService([area], businesses, "nl", parts)
    forget_words()  # as ``open_search`` does for a worker: questions start with empty word memos
    build_s = time.perf_counter() - started
    after = rss_mb()
    asked = questions(rng, parts, question_count)
    now = dt.datetime(2026, 11, 18, 13, 0, tzinfo=dt.UTC)
    for question in asked[:50]:
        search.ask(question, near=CENTRE, now=now)
    timings = []
    empty = 0
    for question in asked:
        near = (CENTRE[0] + rng.uniform(-0.06, 0.06), CENTRE[1] + rng.uniform(-0.1, 0.1))
        started = time.perf_counter()
        answer = search.ask(question, near=near, now=now)
        timings.append((time.perf_counter() - started) * 1000)
        empty += not answer.results
    timings.sort()
    return {
        "businesses": size,
        "products": size * products_each,
        "build_s": build_s,
        "rss_mb": after,
        "index_mb": after - before,
        "p50_ms": timings[len(timings) // 2],
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
        "max_ms": timings[-1],
        "empty_share": empty / len(timings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2000,20000,100000")
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--questions", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    parts = default_parts()
    print(
        f"lexicon loaded in {time.perf_counter() - started:.1f} s ({len(parts.lexicon.concepts)} concepts, "
        f"{len(parts.lexicon.phrases)} phrases), RSS {rss_mb():.0f} MB"
    )
    print(
        f"{'businesses':>10} {'products':>10} {'build s':>8} {'RSS MB':>7} {'index MB':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'empty':>6}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        row = measure(size, args.products, args.questions, parts)
        print(
            f"{row['businesses']:>10,} {row['products']:>10,} {row['build_s']:>8.1f} {row['rss_mb']:>7.0f} "
            f"{row['index_mb']:>8.0f} {row['p50_ms']:>7.2f} {row['p99_ms']:>7.2f} {row['max_ms']:>7.2f} {row['empty_share']:>6.2f}"
        )
        gc.collect()


if __name__ == "__main__":
    main()
