"""Mappers' own shop values ("shop=Fresh_juice", "shop=printing") are read from their words."""

from __future__ import annotations

import random

from concierge.lexicon import load_lexicon
from concierge.text import tokens
from tests.support.search_support import service, shop


def _unique_terms(words: int, count: int) -> list[str]:
    lexicon = load_lexicon()
    terms = sorted(
        {
            term
            for concept in lexicon.concepts.values()
            if concept.kind == "product" and concept.id.split(":")[0] in ("food", "goods", "services")
            for term in concept.terms.get("en", ())
            if len(term.split()) == words
            and all(w.isalpha() for w in term.split())
            and len({h.concept for h in lexicon.lookup(" ".join(tokens(term)))}) == 1
        }
    )
    return random.Random(7).sample(terms, count)


def test_a_two_word_value_reads_as_the_product_it_names() -> None:
    terms = _unique_terms(2, 30)
    search = service(
        *(
            shop(f"v{i}", (f"shop={term.replace(' ', '_').capitalize()}",), 50 + 40 * i)
            for i, term in enumerate(terms)
        )
    )
    missed = []
    for i, term in enumerate(terms):
        ids = [r.id for r in search.ask(f"where can I get {term}?", lang_hint="en").results]
        if f"v{i}" not in ids:
            missed.append((term, ids))
    assert len(missed) <= 3, missed


def test_a_one_word_value_only_when_it_names_one_thing() -> None:
    search = service(shop("printer", ("shop=printing",), 100), shop("nails", ("shop=nails",), 120))
    assert [r.id for r in search.ask("printing flyers", lang_hint="en").results] == ["printer"]
    assert search.ask("hammer and nails", lang_hint="en").results == ()
