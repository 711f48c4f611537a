"""Payment methods and wheelchair access in questions, as a generated class: every filter phrase of
the four languages alone, in a question, next to a product and with a one-letter slip; the search keeps
only businesses known to match; and the words alone, or look-alike words, never answer."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from concierge.answers import Answer
from concierge.lexicon import load_lexicon
from concierge.query_data import LOCALES
from concierge.understanding import Reader, Understanding, understand
from tests.support.search_support import CENTRE, service, shop

NOON = dt.datetime(2026, 12, 16, 11, 0, tzinfo=dt.UTC)
GENERATED = json.loads((LOCALES / "filters.json").read_text(encoding="utf-8"))["filters"]

WRITTEN = {
    "payment:card": {
        "nl": ["pinnen", "kan ik pinnen", "met pin betalen", "pinpas", "creditcard"],
        "en": ["pay by card", "card payment", "credit card", "debit card"],
        "de": ["Kartenzahlung", "mit Karte bezahlen", "EC-Karte", "Kreditkarte"],
        "fr": ["paiement par carte", "carte bancaire", "carte de crédit"],
    },
    "payment:cash": {
        "nl": ["contant betalen", "contant"],
        "en": ["cash only", "pay cash"],
        "de": ["Bargeld", "bar bezahlen"],
        "fr": ["en espèces", "payer en espèces"],
    },
    "payment:contactless": {
        "nl": ["contactloos betalen", "contactloos"],
        "en": ["contactless"],
        "de": ["kontaktlos"],
        "fr": ["sans contact"],
    },
    "wheelchair:yes": {
        "nl": ["rolstoeltoegankelijk", "toegankelijk voor rolstoelen", "drempelvrij"],
        "en": ["wheelchair accessible", "wheelchair access", "step-free"],
        "de": ["rollstuhlgerecht", "barrierefrei", "Rollstuhlzugang"],
        "fr": ["accessible en fauteuil roulant", "accès PMR", "accès en fauteuil roulant"],
    },
}
"""Phrases people type, written here; the generated data must hold them (and more)."""

QUESTIONS = {
    "nl": ("waar kan ik brood kopen {p}", "bakker {p}", "bakker, {p}?"),
    "en": ("where can I buy bread {p}", "bakery {p}", "bakery, {p}?"),
    "de": ("wo gibt es Brot {p}", "Bäckerei {p}", "Bäckerei, {p}?"),
    "fr": ("où acheter du pain {p}", "boulangerie {p}", "boulangerie, {p} ?"),
}
WHAT = {
    "nl": ("brood", "bakker"),
    "en": ("bread", "bakery"),
    "de": ("brot", "backerei"),
    "fr": ("pain", "boulangerie"),
}


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_lexicon())


def read(reader: Reader, question: str, lang: str) -> Understanding:
    return understand(question, reader, lang_hint=lang, default_language="nl")


def _cases(phrases: dict[str, dict[str, list[str]]]) -> list[tuple[str, str, str]]:
    return [
        (name, lang, p) for name, by_lang in phrases.items() for lang, items in by_lang.items() for p in items
    ]


def _slip(phrase: str) -> str | None:
    """The phrase with two letters swapped in the middle of its longest word (of six letters or more)."""
    longest = max(phrase.split(), key=len)
    if len(longest) < 6 or not longest.isalpha():
        return None
    m = len(longest) // 2
    return phrase.replace(longest, longest[: m - 1] + longest[m] + longest[m - 1] + longest[m + 1 :], 1)


def test_the_generated_data_holds_the_written_phrases() -> None:
    for name, lang, phrase in _cases(WRITTEN):
        folded = [p.replace("-", " ") for p in GENERATED[name][lang]]
        assert phrase.lower().replace("-", " ") in folded, (name, lang, phrase)


@pytest.mark.parametrize(("name", "lang", "phrase"), _cases(GENERATED))
def test_every_generated_phrase_is_a_filter_inside_a_question(
    reader: Reader, name: str, lang: str, phrase: str
) -> None:
    for template in QUESTIONS[lang]:
        understood = read(reader, template.format(p=phrase), lang)
        assert understood.filters == [name], (template, phrase)
        assert understood.what in WHAT[lang], (template, phrase, understood.what)


@pytest.mark.parametrize(
    ("name", "lang", "phrase"), [case for case in _cases(WRITTEN) if _slip(case[2]) is not None]
)
def test_a_one_letter_slip_still_reads_as_the_filter(
    reader: Reader, name: str, lang: str, phrase: str
) -> None:
    """Every written phrase with a word long enough to slip in (short ones, "pin", are read exactly)."""
    slipped = _slip(phrase)
    assert slipped is not None
    understood = read(reader, QUESTIONS[lang][1].format(p=slipped), lang)
    assert understood.filters == [name], slipped
    assert understood.what == WHAT[lang][1]


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("waar kan ik pannen kopen", "nl"),  # one letter from "pinnen", but a real word
        ("rolstoel kopen", "nl"),  # a wheelchair to buy
        ("where can I buy a birthday card", "en"),
        ("wheelchair repair", "en"),
        ("contactlenzen", "nl"),
        ("Rollstuhl reparieren", "de"),
        ("fauteuil roulant", "fr"),
        ("liquide vaisselle", "fr"),
        ("where can I get cash", "en"),
        ("geld pinnen", "nl"),
    ],
)
def test_look_alike_words_are_not_filters(reader: Reader, question: str, lang: str) -> None:
    assert not any(":" in name for name in read(reader, question, lang).filters)


def ids(answer: Answer) -> list[str]:
    return [r.id for r in answer.results]


SEARCH = service(
    shop("kaart-bakker", ("shop=bakery",), 300, payment=("cash", "card"), wheelchair="yes"),
    shop("contant-bakker", ("shop=bakery",), 100, payment=("cash",), wheelchair="limited"),
    shop("stille-bakker", ("shop=bakery",), 50),
    shop("tik-bloemist", ("shop=florist",), 80, payment=("contactless", "card"), wheelchair="yes"),
)
KEPT = {
    "payment:card": ["kaart-bakker"],
    "payment:cash": ["contant-bakker", "kaart-bakker"],
    "payment:contactless": [],
    "wheelchair:yes": ["kaart-bakker"],
}
"""Which bakeries each filter keeps: only those whose listing says so, nearest first."""


@pytest.mark.parametrize(("name", "lang", "phrase"), _cases(WRITTEN))
def test_search_keeps_only_businesses_known_to_match(name: str, lang: str, phrase: str) -> None:
    answer = SEARCH.ask(QUESTIONS[lang][1].format(p=phrase), near=CENTRE, lang_hint=lang, now=NOON)
    assert ids(answer) == KEPT[name]
    if not KEPT[name]:
        assert answer.message  # says why nothing is shown, never a shop that did not say


def test_each_result_carries_what_its_listing_says() -> None:
    [result] = SEARCH.ask("bakery wheelchair accessible", near=CENTRE, lang_hint="en", now=NOON).results
    data = result.to_json()
    assert (data["payment"], data["wheelchair"]) == (["cash", "card"], "yes")


@pytest.mark.parametrize(
    ("question", "lang", "message"),
    [
        ("bakery contactless", "en", "I know of no business that fits with “Pay: contactless”."),
        ("bakker contactloos", "nl", "Ik ken geen zaak die past met “Betalen: contactloos”."),
    ],
)
def test_nothing_known_says_so(question: str, lang: str, message: str) -> None:
    answer = SEARCH.ask(question, near=CENTRE, lang_hint=lang, now=NOON)
    assert ids(answer) == [] and answer.message == message


@pytest.mark.parametrize(("name", "lang", "phrase"), _cases(WRITTEN))
def test_the_words_alone_never_answer(name: str, lang: str, phrase: str) -> None:
    for question in (
        phrase,
        {"nl": "waar kan ik {p}", "en": "where can I {p}", "de": "wo kann ich {p}", "fr": "où puis-je {p}"}[
            lang
        ].format(p=phrase),
    ):
        assert ids(SEARCH.ask(question, near=CENTRE, lang_hint=lang, now=NOON)) == [], question
