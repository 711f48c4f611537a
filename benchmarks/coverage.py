"""Generated coverage: every concept and shop type of the lexicon, asked in four languages.

    .venv/bin/python -m benchmarks.coverage [--seed 7] [--every] [--show-failures]

Questions are generated from the data alone, independent of any evaluation question: for each
product/service concept and each iD preset, in Dutch, English, German and French, its name, a plural,
a one-edit typo and (words of seven letters or more) a two-edit typo, put inside typical question
phrasing ("waar kan ik … kopen?", "wo gibt es …?", "où trouver … ?", "where can I get …?"). The
neighbourhood holds one business for each set of tags a concept or preset names; a question is
answered when one of the first three results carries a tag of the asked concept (or of another
concept the same words name). Negatives ask, in a second neighbourhood of a few shop types plus the
broad families (supermarket, department store, market, second-hand shop), for goods and services
that none of its shops sells: they must get an honest empty answer.

Every preset name is asked in every language; of the other forms one per concept and language is
drawn (seeded), so the whole run fits in CI; ``--every`` asks them all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from catalog.taxonomy import load_taxonomy
from catalog.views import AreaView, BusinessView
from concierge.lexicon import EQUIVALENT_TAGS, read_documents
from concierge.search import SearchService, default_parts
from concierge.text import LANGS, tokens
from concierge.words import PLAIN_WORD, zipf

SEED = 7
CENTRE = (50.9400, 6.9580)
AREA = AreaView(
    id="generated",
    name="Generated",
    city="Generated",
    center=CENTRE,
    radius_m=1500,
    timezone="Europe/Berlin",
    country="DE",
)
ASKED_AT = dt.datetime(2026, 11, 18, 13, 0, tzinfo=dt.UTC)
PHRASES: dict[str, tuple[str, ...]] = {
    "nl": ("waar kan ik {} kopen?", "ik zoek {}", "weet iemand waar ik {} kan vinden?"),
    "en": ("where can I get {}?", "I'm looking for {}", "where can I find {}?"),
    "de": ("wo gibt es {}?", "wo kann ich {} kaufen?", "ich suche {}"),
    "fr": ("où trouver {} ?", "où acheter {} ?", "je cherche {}"),
}
BROAD = (
    "shop=supermarket",
    "shop=department_store",
    "shop=convenience",
    "amenity=marketplace",
    "shop=second_hand",
)
"""Shops that sometimes have almost anything: a hint after real answers, never an answer alone."""
FORMS = ("name", "plural", "typo1", "typo2")
PLURALS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("y", "ies"), ("s", "ses"), ("sh", "shes"), ("ch", "ches"), ("", "s")),
    "nl": (("", "en"), ("", "s"), ("", "'s")),
    "de": (("", "e"), ("", "en"), ("", "n"), ("", "s"), ("", "er")),
    "fr": (("al", "aux"), ("eau", "eaux"), ("", "s"), ("", "x")),
}
HEAD_FIRST = frozenset({"fr"})


@dataclass(frozen=True)
class Case:
    question: str
    lang: str
    form: str
    concept: str
    accept: frozenset[str]
    """Tags any of which answers the question (empty for a negative)."""


@dataclass
class Generated:
    businesses: list[BusinessView]
    negatives_in: list[BusinessView]
    positives: list[Case]
    negatives: list[Case]


@dataclass
class Figures:
    asked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    answered: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_form: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    negatives: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    negatives_answered: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[tuple[Case, list[str]]] = field(default_factory=list)
    seconds: float = 0.0

    def share(self, lang: str) -> float:
        return self.answered[lang] / max(1, self.asked[lang])


@dataclass(frozen=True)
class _Named:
    """A concept or preset with its names per language and the tags a business needs to answer it."""

    id: str
    names: dict[str, tuple[str, ...]]
    tags: tuple[str, ...]
    reach: frozenset[str]
    """Every tag that may lead to it (own, broader, narrower and "also" tags): kept out of negatives."""
    preset: bool
    domain: str


def _with_equivalents(tags: Iterable[str]) -> set[str]:
    out = set()
    for tag in tags:
        out.add(tag)
        out.update(EQUIVALENT_TAGS.get(tag, ()))
    return out


def things() -> list[_Named]:
    """The lexicon's product, service and cuisine concepts and the searchable iD presets."""
    raw = {}
    family: dict[str, str] = {}
    for document in read_documents():
        domain = document.get("domain", "")
        if domain == "values":
            continue
        for concept in document["concepts"]:
            cid = f"{domain}:{concept['id']}"
            raw[cid] = (domain, concept)
            if concept.get("family"):
                family[cid] = f"{domain}:{concept['family']}"
    children: dict[str, list[str]] = defaultdict(list)
    for child, parent in family.items():
        children[parent].append(child)

    def related(cid: str) -> set[str]:
        out: set[str] = set()
        stack, seen = [cid], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in raw:
                continue
            seen.add(current)
            concept = raw[current][1]
            out.update(concept.get("tags", ()))
            out.update(t for t in concept.get("also", ()) if t not in BROAD or raw[current][0] == "food")
            stack.extend(children.get(current, ()))
        parent = family.get(cid)
        while parent and parent in raw and parent not in seen:
            seen.add(parent)
            out.update(raw[parent][1].get("tags", ()))
            parent = family.get(parent)
        return _with_equivalents(out)

    out = []
    for cid, (domain, concept) in raw.items():
        tags = tuple(concept.get("tags", ()))
        if not tags:
            continue
        names = {lang: tuple(concept["terms"].get(lang, ())) for lang in LANGS}
        out.append(_Named(cid, names, tags, frozenset(related(cid)), False, domain))
    for preset in load_taxonomy().presets:
        if not preset.searchable or preset.generic:
            continue
        tags = tuple(preset.tag.split(";"))
        names = {lang: tuple(n for n in [preset.names.get(lang, "")] if n) for lang in LANGS}
        out.append(
            _Named(f"preset:{preset.tag}", names, tags, frozenset(_with_equivalents(tags)), True, "shop")
        )
    return out


def _typo(word: str, edits: int, lang: str, rng: random.Random, known: set[str]) -> str | None:
    """``edits`` deletions, insertions, substitutions or transpositions, never of the first letter,
    giving a string that is not itself a word of the language or a term of the lexicon."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(20):
        typed = word
        for _ in range(edits):
            i = rng.randrange(1, len(typed))
            op = rng.choice(("delete", "insert", "substitute", "transpose"))
            if op == "delete":
                typed = typed[:i] + typed[i + 1 :]
            elif op == "insert":
                typed = typed[:i] + rng.choice(letters) + typed[i:]
            elif op == "substitute":
                typed = typed[:i] + rng.choice(letters.replace(typed[i], "")) + typed[i + 1 :]
            elif i + 1 < len(typed) and typed[i] != typed[i + 1]:
                typed = typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :]
            else:
                typed = typed[:i] + rng.choice(letters.replace(typed[i], "")) + typed[i + 1 :]
        if typed != word and zipf(typed, lang) == 0.0 and typed not in known:
            return typed
    return None


def _plural(word: str, lang: str) -> str | None:
    """The first plural by the language's rules that wordfreq lists as a word."""
    for ending, replacement in PLURALS[lang]:
        if word.endswith(ending) and len(word) > len(ending):
            candidate = word[: len(word) - len(ending)] + replacement
            if candidate != word and zipf(candidate, lang) >= PLAIN_WORD:
                return candidate
    return None


def _forms(name: str, lang: str, rng: random.Random, known: set[str]) -> dict[str, str]:
    words = tokens(name)
    if not words:
        return {}
    out = {"name": " ".join(words)}
    head = 0 if lang in HEAD_FIRST else len(words) - 1
    plural = _plural(words[head], lang)
    if plural:
        out["plural"] = " ".join([*words[:head], plural, *words[head + 1 :]])
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    target = words[longest]
    if len(target) >= 5 and target.isalpha():
        one = _typo(target, 1, lang, rng, known)
        if one:
            out["typo1"] = " ".join([*words[:longest], one, *words[longest + 1 :]])
    if len(target) >= 7 and target.isalpha():
        two = _typo(target, 2, lang, rng, known)
        if two:
            out["typo2"] = " ".join([*words[:longest], two, *words[longest + 1 :]])
    return out


def _business(i: int, tags: Iterable[str], north_m: float, east_m: float) -> BusinessView:
    lat = CENTRE[0] + north_m / 110_574
    lon = CENTRE[1] + east_m / (111_320 * math.cos(math.radians(CENTRE[0])))
    return BusinessView(
        id=f"g{i:04d}", name=f"#{i}", categories=tuple(tags), lat=lat, lon=lon, area_id=AREA.id
    )


def _place(rng: random.Random) -> tuple[float, float]:
    distance, angle = rng.uniform(30, 1200), rng.uniform(0, 2 * math.pi)
    return distance * math.cos(angle), distance * math.sin(angle)


def generate(seed: int = SEED, every: bool = False, negatives_per_language: int = 60) -> Generated:
    rng = random.Random(seed)
    named = things()
    by_term: dict[tuple[str, str], set[str]] = defaultdict(set)
    for thing in named:
        for lang, names in thing.names.items():
            for name in names:
                by_term[(lang, " ".join(tokens(name)))].update(_with_equivalents(thing.tags))
    known = {w for (_, term) in by_term for w in term.split()}

    businesses: list[BusinessView] = []
    seen: set[frozenset[str]] = set()
    for thing in named:
        if frozenset(thing.tags) not in seen:
            seen.add(frozenset(thing.tags))
            businesses.append(_business(len(businesses), thing.tags, *_place(rng)))

    positives: list[Case] = []
    for thing in named:
        for lang in LANGS:
            if not thing.names.get(lang):
                continue
            forms = _forms(thing.names[lang][0], lang, rng, known)
            if not forms:
                continue
            accept = frozenset(_with_equivalents(thing.tags) | by_term.get((lang, forms["name"]), set()))
            chosen = ["name"]
            others = [f for f in FORMS[1:] if f in forms]
            if every:
                chosen += others
            elif others:
                chosen.append(rng.choice(others))
            for form in chosen:
                phrase = rng.choice(PHRASES[lang])
                positives.append(Case(phrase.format(forms[form]), lang, form, thing.id, accept))

    shop_types = sorted({t.tags for t in named if t.preset and len(t.tags) == 1 and t.tags[0] not in BROAD})
    present = {t[0] for t in rng.sample(shop_types, 12)} | set(BROAD)
    negatives_in = [_business(9000 + i, (tag,), *_place(rng)) for i, tag in enumerate(sorted(present))]
    presets = load_taxonomy()
    near_words: set[str] = set()
    for tag in present:
        preset = presets.by_tag(tag)
        if preset:
            for lang in LANGS:
                for text in preset.search_strings(lang):
                    near_words.update(tokens(text))
    negatives: list[Case] = []
    for lang in LANGS:
        pool = [
            t
            for t in named
            if not t.preset
            and t.domain in ("goods", "services")
            and t.names.get(lang)
            and not (t.reach & _with_equivalents(present))
            and not (by_term[(lang, " ".join(tokens(t.names[lang][0])))] & _with_equivalents(present))
            and not (set(tokens(t.names[lang][0])) & near_words)
        ]
        for thing in rng.sample(pool, min(negatives_per_language, len(pool))):
            phrase = rng.choice(PHRASES[lang])
            negatives.append(
                Case(phrase.format(thing.names[lang][0]), lang, "negative", thing.id, frozenset())
            )
    return Generated(businesses, negatives_in, positives, negatives)


def services(generated: Generated) -> tuple[SearchService, SearchService]:
    parts = default_parts()
    return (
        SearchService([AREA], generated.businesses, "nl", parts),
        SearchService([AREA], generated.negatives_in, "nl", parts),
    )


def measure(generated: Generated, positive: SearchService, negative: SearchService) -> Figures:
    figures = Figures()
    started = time.perf_counter()
    categories = {b.id: set(b.categories) for b in [*generated.businesses, *generated.negatives_in]}
    for case in generated.positives:
        answer = positive.ask(case.question, lang_hint=case.lang, limit=3, now=ASKED_AT)
        ids = [r.id for r in answer.results[:3]]
        ok = any(categories[i] & case.accept for i in ids)
        figures.asked[case.lang] += 1
        figures.answered[case.lang] += ok
        figures.by_form[case.form][0] += 1
        figures.by_form[case.form][1] += ok
        if not ok:
            figures.failures.append((case, ids))
    for case in generated.negatives:
        answer = negative.ask(case.question, lang_hint=case.lang, limit=3, now=ASKED_AT)
        figures.negatives[case.lang] += 1
        if answer.results:
            figures.negatives_answered[case.lang] += 1
            figures.failures.append((case, [r.id for r in answer.results]))
    figures.seconds = time.perf_counter() - started
    return figures


def report(figures: Figures) -> list[str]:
    lines = [
        f"{'language':<9} {'asked':>6} {'answered':>9} {'coverage':>9} {'negatives':>10} {'answered':>9}"
    ]
    for lang in LANGS:
        lines.append(
            f"{lang:<9} {figures.asked[lang]:>6} {figures.answered[lang]:>9} {figures.share(lang):>9.3f} "
            f"{figures.negatives[lang]:>10} {figures.negatives_answered[lang]:>9}"
        )
    forms = ", ".join(f"{form} {ok}/{n}" for form, (n, ok) in sorted(figures.by_form.items()))
    lines.append(f"by form: {forms}; {figures.seconds:.1f} s")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--every", action="store_true", help="ask every form, not one drawn per concept")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    generated = generate(args.seed, args.every)
    figures = measure(generated, *services(generated))
    print("\n".join(report(figures)))
    if args.show_failures:
        for case, ids in figures.failures:
            print(f"  {case.lang} {case.form:<8} {case.concept:<40} {case.question!r} -> {ids}")


if __name__ == "__main__":
    main()
