"""Reach: the short list reaches at least a comfortable walk, whatever radius an area derived.

A dense old town can derive a 100 m radius from its imported shops; shops 150-700 m away must still be
found, the search says how far it looked, and it never looks past about 1.5 km.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from concierge.search import SearchService
from tests.support.search_support import AREA, CENTRE, service, shop

OLD_TOWN = dataclasses.replace(AREA, radius_m=100)
NOW = dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC)


def old_town(*businesses) -> SearchService:  # type: ignore[no-untyped-def]
    return service(*businesses, area=OLD_TOWN)


def test_a_tiny_derived_radius_grows_to_a_walk_until_three_good_answers() -> None:
    search = old_town(
        shop("kaas-150", ("shop=cheese",), 150),
        shop("kaas-200", ("shop=cheese",), -200),
        shop("kaas-700", ("shop=cheese",), 0, 700),
        shop("kaas-1300", ("shop=cheese",), 1300),
    )
    answer = search.ask("kaaswinkel", near=CENTRE, lang_hint="en", now=NOW)
    assert [r.id for r in answer.results] == ["kaas-150", "kaas-200", "kaas-700"]
    assert answer.message == "I looked up to 700 m away to find these."
    assert [r.id for r in answer.more] == [], "three good answers within 800 m: no need to look to 1.3 km"


def test_fewer_than_three_good_answers_look_as_far_as_a_walk() -> None:
    search = old_town(shop("kaas-1400", ("shop=cheese",), 1400), shop("kaas-2000", ("shop=cheese",), 2000))
    answer = search.ask("kaaswinkel", near=CENTRE, lang_hint="nl", now=NOW)
    assert [r.id for r in answer.results] == ["kaas-1400"]
    assert answer.message == "Ik heb tot 1,4 km ver gezocht om deze te vinden."


def test_beyond_a_walk_the_answer_is_honestly_empty() -> None:
    search = old_town(shop("kaas-2000", ("shop=cheese",), 2000))
    answer = search.ask("kaaswinkel", near=CENTRE, lang_hint="en", now=NOW)
    assert answer.results == ()
    assert answer.nearest_m is not None and 1950 <= answer.nearest_m <= 2050


def test_enough_good_answers_within_the_radius_stay_there() -> None:
    search = service(
        shop("bakker-1", ("shop=bakery",), 100),
        shop("bakker-2", ("shop=bakery",), 200),
        shop("bakker-3", ("shop=bakery",), 300),
        shop("bakker-ver", ("shop=bakery",), 1400),
        area=dataclasses.replace(AREA, radius_m=400),
    )
    answer = search.ask("bakker", near=CENTRE, lang_hint="en", limit=5, now=NOW)
    assert [r.id for r in (*answer.results, *answer.more)] == ["bakker-1", "bakker-2", "bakker-3"]
    assert answer.message == ""


def test_hints_alone_never_make_the_search_look_further() -> None:
    # A supermarket "may have" bread; only a real answer is worth a longer walk.
    search = old_town(shop("super-900", ("shop=supermarket",), 900))
    answer = search.ask("brood", near=CENTRE, lang_hint="en", now=NOW)
    assert answer.results == ()
