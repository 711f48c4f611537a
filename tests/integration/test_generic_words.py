"""Generated: a generic word ("parts", "Zubehör", "accessoires", "pièces") never answers a question
whose distinctive word nobody knows, and a compound's split never invents a meaning.

The unknown words are generated, not chosen: pronounceable made-up words that no language lists and
that are far (more than three edits) from every lexicon word, and real words of the four languages
(wordfreq) that no lexicon term contains and that are no phrasing, filter or small word. Each is
asked next to a generic word, in question phrasing of its language, in the demo neighbourhood (whose
bike shop sells "cargo bike parts") and in the generated coverage neighbourhood with shops selling
"<generic> of" things: the answer must be empty. Terms of the lexicon headed by the same generic
words ("bike parts", "Fahrradteile", "pièces de vélo") and a made-up brand a shop lists ("<brand>
parts") must still be answered.
"""

from __future__ import annotations

import asyncio
import gzip
import random
from pathlib import Path

import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from benchmarks.coverage import ASKED_AT, PHRASES, SEED, generate
from catalog.db import create_engine, session_factory, upgrade
from catalog.demo import load_demo
from concierge.generic import generic_words, kept_generic_words
from concierge.lexicon import load_lexicon
from concierge.search import SearchService, default_parts, open_search
from concierge.text import LANGS, fold, tokens, variants
from concierge.understanding import language_data
from concierge.words import WORDS, zipf
from tests.support.search_support import AREA, shop

GENERIC: dict[str, tuple[str, ...]] = {
    "en": ("parts", "accessories", "supplies"),
    "nl": ("accessoires", "benodigdheden", "artikelen"),
    "de": ("Teile", "Zubehör", "Bedarf"),
    "fr": ("pièces", "accessoires", "articles"),
}
"""Words that say "a kind of thing" only next to the thing (chosen by the test's author)."""
REAL_PRODUCTS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("bike parts", "shop=bicycle"), ("cargo bike parts", "shop=bicycle")),
    "nl": (("fietsonderdelen", "shop=bicycle"), ("fietsaccessoires", "shop=bicycle")),
    "de": (("Fahrradteile", "shop=bicycle"), ("Fahrradzubehör", "shop=bicycle")),
    "fr": (("pièces de vélo", "shop=bicycle"), ("accessoires de vélo", "shop=bicycle")),
}
PER_LANGUAGE = 12
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "oo")]


def _lexicon_words() -> list[str]:
    lexicon = load_lexicon()
    return sorted({w for key in lexicon.phrases for w in key.split() if len(w) >= 3})


def made_up_words(rng: random.Random, count: int, known: list[str]) -> list[str]:
    """Pronounceable words of three syllables that no language lists and that are no typo of a term."""
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(3))
        if any(zipf(word, lang) for lang in LANGS) or word in out:
            continue
        if process.extractOne(word, known, scorer=OSA.distance, score_cutoff=3) is None:
            out.append(word)
    return out


def _phrasing_words() -> set[str]:
    out: set[str] = set()
    for lang in LANGS:
        data = language_data(lang)
        out |= data.stopwords | data.shop_words | data.filter_context | data.for_words | data.possessives
        for phrases in (data.question_phrases, data.near_markers, data.use_times, *data.filters.values()):
            out.update(w for phrase in phrases for w in phrase)
    return out


def unrelated_words(lang: str, rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """Real words of ``lang`` (wordfreq) of six letters or more that no lexicon term contains, as a
    word or (Dutch and German compounds) as a part of four letters or more."""
    lexicon = load_lexicon()
    words = {w for key in lexicon.phrases for w in key.split()}
    parts = {w for w in words if len(w) >= 4}
    small = _phrasing_words()
    pool = []
    with gzip.open(WORDS / f"{lang}.tsv.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            word, _, value = line.rstrip("\n").partition("\t")
            if not 35 <= int(value) <= 50 or not word.isalpha() or not 6 <= len(word) <= 11:
                continue
            folded = fold(word)
            if folded in small or folded in taken or any(form in words for form in variants(folded)):
                continue  # "kastje" is a small "kast", a cupboard
            if any(folded[:cut] in parts or folded[cut:] in parts for cut in range(4, len(folded) - 3)):
                continue
            pool.append(folded)
    return rng.sample(sorted(set(pool)), count)


def _questions(lang: str, words: list[str], rng: random.Random) -> list[str]:
    out = []
    for word in words:
        generic = rng.choice(GENERIC[lang])
        thing = f"{generic} de {word}" if lang == "fr" else f"{word} {generic}"
        out.append(rng.choice(PHRASES[lang]).format(thing))
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('demo')}/demo.db"

    async def build() -> SearchService:
        await upgrade(url)
        engine = create_engine(url)
        try:
            sessions = session_factory(engine)
            await load_demo(sessions)
            return await open_search(sessions, parts=default_parts())
        finally:
            await engine.dispose()

    return asyncio.run(build())


BRAND = "zorbalik"
"""A made-up brand one generated shop lists ("zorbalik parts"): a word the catalogue knows."""


@pytest.fixture(scope="module")
def generated() -> SearchService:
    businesses = list(generate(SEED).businesses)
    for k, lang in enumerate(LANGS):
        for i, (name, tag) in enumerate(REAL_PRODUCTS[lang]):
            businesses.append(shop(f"real-{lang}-{i}", (tag,), 200 + 40 * i, 100 + 90 * k, (name,)))
        products = tuple(f"{g} de {BRAND}" if lang == "fr" else f"{BRAND} {g}" for g in GENERIC[lang])
        businesses.append(shop(f"brand-{lang}", ("shop=hardware",), -300 - 80 * k, 50, products))
    return SearchService([AREA], businesses, "nl", default_parts())


@pytest.fixture(scope="module")
def unknown_questions() -> dict[str, list[str]]:
    rng = random.Random(SEED)
    known = _lexicon_words()
    taken = {BRAND}
    out = {}
    for lang in LANGS:
        made_up = made_up_words(rng, PER_LANGUAGE // 2, known)
        real = unrelated_words(lang, rng, PER_LANGUAGE // 2, taken | set(made_up))
        out[lang] = _questions(lang, made_up + real, rng)
    return out


def test_the_generated_words_are_new(unknown_questions: dict[str, list[str]]) -> None:
    again = random.Random(SEED)
    assert made_up_words(again, 3, _lexicon_words()) == made_up_words(
        random.Random(SEED), 3, _lexicon_words()
    )
    for lang in LANGS:
        assert len(unknown_questions[lang]) == PER_LANGUAGE


def test_the_generic_words_are_derived_from_the_lexicon() -> None:
    generic = generic_words(load_lexicon())
    for lang in LANGS:
        for word in GENERIC[lang]:
            assert fold(word) in generic, (lang, word)
    # words that name something on their own are never generic
    for word in ("repair", "reparatur", "shoes", "bread", "kaas", "velo", "fiets", "bike", "fahrrad"):
        assert word not in generic, word


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("where", ["demo", "generated"])
def test_an_unknown_word_with_a_generic_word_gets_an_honest_empty_answer(
    request: pytest.FixtureRequest, unknown_questions: dict[str, list[str]], lang: str, where: str
) -> None:
    search: SearchService = request.getfixturevalue(where)
    answered = {}
    for question in unknown_questions[lang]:
        answer = search.ask(question, lang_hint=lang, now=ASKED_AT)
        if answer.results:
            answered[question] = [r.id for r in answer.results]
        else:
            assert answer.message
    assert answered == {}


@pytest.mark.parametrize("lang", LANGS)
def test_real_products_with_generic_words_are_still_found(generated: SearchService, lang: str) -> None:
    rng = random.Random(SEED)
    for name, tag in REAL_PRODUCTS[lang]:
        question = rng.choice(PHRASES[lang]).format(name)
        results = generated.ask(question, lang_hint=lang, now=ASKED_AT).results[:3]
        assert results and all(tag in r.categories for r in results), (question, [r.id for r in results])
    for generic in GENERIC[lang]:
        thing = f"{generic} de {BRAND}" if lang == "fr" else f"{BRAND} {generic}"
        question = rng.choice(PHRASES[lang]).format(thing)
        ids = [r.id for r in generated.ask(question, lang_hint=lang, now=ASKED_AT).results]
        # "accessoires" is Dutch and French: another language's shop listing the same may come first
        assert f"brand-{lang}" in ids[:3] and all(i.startswith("brand-") for i in ids), (question, ids)


def test_the_demo_bike_shop_still_sells_cargo_bike_parts(demo: SearchService) -> None:
    ids = [r.id for r in demo.ask("cargo bike parts", lang_hint="en", now=ASKED_AT).results]
    assert ids[:1] == ["cycle-doctor"]


@pytest.mark.parametrize(
    ("word", "lang"),
    [("spaceship", "en"), ("ruimteschip", "nl"), ("Raumschiff", "de"), ("vaisseau", "fr")],
)
def test_a_word_of_its_own_is_not_split_into_a_meaning(demo: SearchService, word: str, lang: str) -> None:
    """A compound's parts make a meaning only when both are words of one language and the cut is
    the likely one: "space|ship" sends no parcels, "ruimtes|chip" is no snack."""
    understood = demo._understand(word, lang)
    assert [h.concept for u in understood.units for h in u.hits] == []
    assert tokens(word)


def _split_words(lang: str, count: int) -> list[str]:
    """Words ``lang`` lists of its own (wordfreq) that are no term of the lexicon, but end in a term
    of some language after a word of ``lang``: "space|ship", "earth|quake" would be such."""
    lexicon = load_lexicon()
    words = {w for key in lexicon.phrases for w in key.split()}
    tails = {w for w in words if len(w) >= 4}
    found = []
    with gzip.open(WORDS / f"{lang}.tsv.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            word, _, value = line.rstrip("\n").partition("\t")
            folded = fold(word)
            if int(value) < 30 or not folded.isalpha() or not 7 <= len(folded) <= 14:
                continue
            if any(form in words for form in variants(folded)):
                continue
            if any(
                folded[cut:] in tails and zipf(folded[:cut], lang) >= 3.0 for cut in range(3, len(folded) - 3)
            ):
                found.append(folded)
    return random.Random(SEED).sample(sorted(set(found)), min(count, len(found)))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_words_of_their_own_are_not_split_into_a_meaning(demo: SearchService, lang: str) -> None:
    """English and French write a word as one when it is one thing: its tail is not what is asked."""
    words = _split_words(lang, 60)
    assert len(words) >= 30
    read = {
        w: [h.concept for u in demo._understand(w, lang).units for h in u.hits if not h.weak] for w in words
    }
    assert {w: c for w, c in read.items() if c} == {}


@pytest.mark.parametrize(("lang", "tail"), [("nl", "accessoires"), ("de", "zubehör"), ("de", "teile")])
def test_an_unknown_compound_with_a_generic_tail_gets_an_honest_empty_answer(
    generated: SearchService, lang: str, tail: str
) -> None:
    rng = random.Random(SEED)
    heads = made_up_words(rng, 4, _lexicon_words()) + unrelated_words(lang, rng, 4, {BRAND})
    answered = {}
    for head in heads:
        question = rng.choice(PHRASES[lang]).format(head + fold(tail))
        ids = [r.id for r in generated.ask(question, lang_hint=lang, now=ASKED_AT).results]
        if ids:
            answered[question] = ids
    assert answered == {}


def test_generic_words_are_kept_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lexicon = load_lexicon()
    first = kept_generic_words(lexicon)
    kept_files = list(Path(tmp_path, "concierge").glob("generic-*.txt"))
    assert len(kept_files) == 1
    assert {"parts", "accessories", "zubehor"} <= first, "read from the lexicon, as the derived list"
    kept_files[0].write_text("parts\nonly-from-the-kept-file", encoding="utf-8")
    assert kept_generic_words(lexicon) == {"parts", "only-from-the-kept-file"}, "a second start reads it"
