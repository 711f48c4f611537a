"""Names: a business is found by what its name says, in any of the four languages.

"repair café" must find "Reparatiecafé Lombok", a community centre whose type alone only "may" host
one; a name only counts where the business is of a kind that sells or does the thing (a clothes shop
called "Diesel" sells no fuel).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.search_support import CENTRE, service, shop

NOW = dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC)

SEARCH = service(
    shop("reparatiecafe", ("amenity=community_centre",), 400, name="Reparatiecafé Lombok"),
    shop("buurthuis", ("amenity=community_centre",), 100, name="Buurthuis De Pijler"),
    shop("diesel", ("shop=clothes",), 50, name="Diesel Store"),
    shop("koffiebar", ("amenity=cafe",), 150, name="Koffiebar Zwart"),
)


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("repair café", "en"),
        ("where is the repair cafe?", "en"),
        ("reparatiecafé", "nl"),
        ("waar is een repaircafé?", "nl"),
        ("Reparaturcafé", "de"),
        ("wo gibt es ein Reparatur Café", "de"),
        ("café réparation", "fr"),
    ],
)
def test_a_name_is_found_by_its_meaning_in_any_language(question: str, lang: str) -> None:
    answer = SEARCH.ask(question, near=CENTRE, lang_hint=lang, now=NOW)
    assert [r.id for r in answer.results][:1] == ["reparatiecafe"], question
    assert "buurthuis" not in [r.id for r in answer.results], "another community centre is no repair café"


def test_the_why_line_says_the_name_names_it() -> None:
    result = SEARCH.ask("repair café", near=CENTRE, lang_hint="en", now=NOW).results[0]
    assert result.why == "Community Center · its name says repair cafe"


def test_a_name_counts_only_where_the_kind_of_business_fits() -> None:
    answer = SEARCH.ask("waar kan ik diesel tanken?", near=CENTRE, lang_hint="nl", now=NOW)
    assert "diesel" not in [r.id for r in answer.results]


CHAINS = service(
    shop("ah", ("shop=supermarket",), 300, independent=False, name="Albert Heijn Lindenlaan"),
    shop("ah-2", ("shop=supermarket",), 700, independent=False, name="Albert Heijn Dorpsstraat"),
    shop("jumbo", ("shop=supermarket",), 200, independent=False, name="Jumbo Centrum"),
    shop("buurtsuper", ("shop=supermarket",), 100, name="Buurtsuper Jansen"),
)


@pytest.mark.parametrize("question", ["Albert Heijn", "waar is de albert heijn?", "supermarkt Albert Heijn"])
def test_a_chain_asked_for_by_name_answers_first_and_stays_labelled(question: str) -> None:
    answer = CHAINS.ask(question, near=CENTRE, lang_hint="nl", limit=5, now=NOW)
    ids = [r.id for r in (*answer.results, *answer.more)]
    assert ids[:2] == ["ah", "ah-2"], ids
    assert answer.results[0].chain is True
    assert answer.message == "", "no apology for chains when a chain was asked for"


def test_without_the_name_chains_stay_after_the_independent() -> None:
    answer = CHAINS.ask("supermarkt", near=CENTRE, lang_hint="nl", limit=5, now=NOW)
    assert answer.results[0].id == "buurtsuper"
