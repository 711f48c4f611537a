"""Generated coverage: every concept and preset of the lexicon reaches a business tagged with it.

The questions come from the data alone (``benchmarks/coverage.py``): names, plurals and seeded one-
and two-edit typos inside typical question phrasing in four languages, asked in a generated
neighbourhood; negatives ask for goods and services no shop of a second neighbourhood sells, next to
a supermarket, a department store, a market and a second-hand shop. No evaluation question is used.
"""

from __future__ import annotations

import random

import pytest

from benchmarks.coverage import BROAD, SEED, Figures, Generated, generate, measure, services, things
from catalog.taxonomy import load_taxonomy
from concierge.lexicon import load_lexicon
from concierge.text import LANGS, tokens
from concierge.understanding import Reader, understand

MIN_COVERAGE = 0.95


@pytest.fixture(scope="module")
def generated() -> Generated:
    return generate(SEED, every=True)


@pytest.fixture(scope="module")
def figures(generated: Generated) -> Figures:
    return measure(generated, *services(generated))


def test_questions_are_generated_deterministically(generated: Generated) -> None:
    again = generate(SEED, every=True)
    assert [c.question for c in again.positives] == [c.question for c in generated.positives]
    assert [c.question for c in again.negatives] == [c.question for c in generated.negatives]
    other = generate(SEED + 1, every=True)
    assert [c.question for c in other.positives] != [c.question for c in generated.positives]


def test_every_preset_name_is_asked_in_every_language(generated: Generated) -> None:
    asked = {(c.concept, c.lang) for c in generated.positives if c.form == "name"}
    for preset in load_taxonomy().presets:
        if not preset.searchable or preset.generic:
            continue
        for lang in LANGS:
            if tokens(preset.names.get(lang, "")):
                assert (f"preset:{preset.tag}", lang) in asked, (preset.tag, lang)


def test_every_form_is_asked(generated: Generated) -> None:
    forms = {c.form for c in generated.positives}
    assert forms == {"name", "plural", "typo1", "typo2"}
    typos = [c for c in generated.positives if c.form == "typo2"]
    assert len(typos) > 1000
    concepts = {c.concept for c in generated.positives}
    assert {t.id for t in things()} - concepts == set()


def test_the_neighbourhood_has_a_business_for_every_concept(generated: Generated) -> None:
    tags = {tag for b in generated.businesses for tag in b.categories}
    for thing in things():
        assert set(thing.tags) <= tags, thing.id


@pytest.mark.parametrize("lang", LANGS)
def test_coverage_per_language(figures: Figures, lang: str) -> None:
    failed = [f"{c.form}: {c.question!r}" for c, _ in figures.failures if c.lang == lang and c.accept]
    assert figures.asked[lang] > 4000
    assert figures.share(lang) >= MIN_COVERAGE, failed[:30]


def test_no_generated_negative_is_answered(generated: Generated, figures: Figures) -> None:
    present = {tag for b in generated.negatives_in for tag in b.categories}
    assert set(BROAD) <= present
    for lang in LANGS:
        assert figures.negatives[lang] >= 50
    answered = [(c.question, ids) for c, ids in figures.failures if not c.accept]
    assert answered == []


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_lexicon())


@pytest.mark.parametrize(("lang", "shop_word"), [("nl", "winkel"), ("de", "laden")])
def test_a_compound_with_a_shop_word_asks_for_its_head(reader: Reader, lang: str, shop_word: str) -> None:
    """ "<term>winkel" / "<term>laden" reads as the term, for any single-word term of the language."""
    lexicon = reader.lexicon
    terms = sorted(
        {
            term
            for concept in lexicon.concepts.values()
            if concept.kind == "product" and not concept.id.startswith("cuisine:")
            for term in concept.terms.get(lang, ())
            if " " not in term and term.isalpha() and len(term) >= 4 and term == term.lower()
        }
    )
    sample = random.Random(SEED).sample(terms, 150)
    missed = []
    for term in sample:
        wanted = {h.concept for h in lexicon.lookup(tokens(term)[0])}
        got = understand(term + shop_word, reader, lang_hint=lang)
        if not {h.concept for u in got.units for h in u.hits} & wanted:
            missed.append(term)
    assert len(missed) <= len(sample) * 0.05, missed
