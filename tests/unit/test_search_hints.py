""" "May have" hints: a broad family never turns an honest empty answer into a list (issue 10)."""

from __future__ import annotations

import random

import pytest

from concierge.lexicon import load_lexicon
from tests.support.search_support import service, shop

BROAD_FAMILIES = ("shop=supermarket", "shop=department_store", "shop=second_hand", "shop=convenience")


@pytest.fixture(scope="module")
def broad_only():  # type: ignore[no-untyped-def]
    return service(*(shop(f"broad-{i}", (tag,), 100 + 50 * i) for i, tag in enumerate(BROAD_FAMILIES)))


def _goods_hinted_by_broad_families(count: int) -> list[str]:
    """English names of goods whose own shop types are absent but that list a broad family as "also"."""
    lexicon = load_lexicon()
    names = sorted(
        concept.terms["en"][0]
        for concept in lexicon.concepts.values()
        if concept.id.startswith("goods:")
        and set(concept.also) & set(BROAD_FAMILIES)
        and not set(concept.tags) & set(BROAD_FAMILIES)
        and not set(lexicon.related_tags(concept.id)) - set(concept.also) & set(BROAD_FAMILIES)
        and concept.terms.get("en")
    )
    return random.Random(7).sample(names, count)


def test_goods_that_only_a_broad_family_may_have_get_an_honest_empty_answer(broad_only) -> None:  # type: ignore[no-untyped-def]
    for name in _goods_hinted_by_broad_families(40):
        answer = broad_only.ask(f"where can I buy {name}?", lang_hint="en")
        assert answer.results == (), (name, [r.id for r in answer.results])


def test_groceries_are_what_supermarkets_are_for(broad_only) -> None:  # type: ignore[no-untyped-def]
    answer = broad_only.ask("where can I buy oat milk?", lang_hint="en")
    assert answer.results and answer.results[0].categories == ("shop=supermarket",)


def test_a_broad_family_still_fills_a_list_after_real_answers() -> None:
    search = service(
        shop("lamps", ("shop=lighting",), 400),
        shop("store", ("shop=department_store",), 100),
    )
    ids = [r.id for r in (*search.ask("desk lamp", lang_hint="en", limit=5).results,)]
    assert ids == ["lamps", "store"]


def test_a_business_of_another_kind_is_no_hint() -> None:
    """ "kebab" may send you to a take-away, never to one whose own cuisine tag says sushi."""
    lexicon = load_lexicon()
    concepts = sorted(
        (c for c in lexicon.concepts.values() if c.id.startswith("food:") and c.terms.get("en")),
        key=lambda c: c.id,
    )
    dishes = [
        (c, t.split("=", 1)[1])
        for c in concepts
        for t in c.tags[:1]
        if t.startswith("cuisine=")
        and {"amenity=fast_food", "amenity=restaurant"} & set(c.also)
        and not {"amenity=fast_food", "amenity=restaurant"} & set(c.tags)
    ]
    assert len(dishes) >= 5
    businesses = [
        shop(f"{value}-place", (kind, f"cuisine={value}"), 100 + 20 * i)
        for i, (_, value) in enumerate(dishes)
        for kind in ("amenity=fast_food",)
        if value not in {v for _, v in dishes[:i]}
    ]
    search = service(*businesses, shop("plain-take-away", ("amenity=fast_food",), 90))
    for concept, value in dishes:
        answer = search.ask(concept.terms["en"][0], lang_hint="en", limit=5)
        ids = [r.id for r in (*answer.results, *answer.more)]
        assert ids and ids[0] == f"{value}-place", (concept.id, ids)
        own = {f"{t.split('=', 1)[1]}-place" for t in concept.tags if t.startswith("cuisine=")}
        assert set(ids) <= own | {"plain-take-away"}, (concept.id, ids)
