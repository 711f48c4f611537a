"""Equal exposure among equals: a 30-day simulation with a frozen clock.

Over any 30 consecutive days each equally good, equally near business is first within one day of an
equal share (30 / n); a chain's branches count as one brand; open-now still breaks a tie at the
moment of asking.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from tests.support.search_support import CENTRE, service, shop

MORNING = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def firsts(search, question: str, start: int, days: int = 30) -> Counter[str]:  # type: ignore[no-untyped-def]
    counted: Counter[str] = Counter()
    for day in range(start, start + days):
        answer = search.ask(question, near=CENTRE, now=MORNING + dt.timedelta(days=day))
        counted[answer.results[0].id] += 1
    return counted


def within_one_day_of_equal_share(counted: Counter[str], members: list[str], days: int = 30) -> bool:
    share = days / len(members)
    return all(abs(counted[m] - share) <= 1 for m in members)


def test_two_equal_bike_shops_share_thirty_days_evenly() -> None:
    search = service(
        shop("fietsen-oost", ("shop=bicycle",), 0, 315),
        shop("fietsen-west", ("shop=bicycle",), 0, -312),
    )
    for start in (0, 7, 30, 100):
        assert firsts(search, "fietsenmaker", start) == {"fietsen-oost": 15, "fietsen-west": 15}


def test_nine_equal_bakeries_are_each_first_three_or_four_times_in_any_thirty_days() -> None:
    bakeries = [shop(f"bakker-{n}", ("shop=bakery",), 100 + 10 * n) for n in range(9)]
    search = service(*bakeries)
    members = [b.id for b in bakeries]
    for start in range(0, 60, 11):
        counted = firsts(search, "bakker", start)
        assert sum(counted.values()) == 30
        assert set(counted) == set(members)
        assert within_one_day_of_equal_share(counted, members), counted
        assert set(counted.values()) <= {3, 4}


def test_a_chains_branches_take_one_turn_together() -> None:
    # Only chains sell it: three branches of one brand and one of another, all equally near.
    search = service(
        shop(
            "ah-1",
            ("shop=supermarket",),
            100,
            products=("havermelk",),
            independent=False,
            name="Albert Heijn Oost",
        ),
        shop(
            "ah-2",
            ("shop=supermarket",),
            120,
            products=("havermelk",),
            independent=False,
            name="Albert Heijn West",
        ),
        shop(
            "ah-3",
            ("shop=supermarket",),
            140,
            products=("havermelk",),
            independent=False,
            name="Albert Heijn Zuid",
        ),
        shop(
            "jumbo",
            ("shop=supermarket",),
            130,
            products=("havermelk",),
            independent=False,
            name="Jumbo Centrum",
        ),
    )
    counted = firsts(search, "havermelk", 0)
    by_brand = Counter("albert heijn" if key.startswith("ah-") else "jumbo" for key in counted.elements())
    assert by_brand == {"albert heijn": 15, "jumbo": 15}
    assert set(counted) == {"ah-1", "ah-2", "ah-3", "jumbo"}, "the branches take the brand's turns in turn"


def test_branches_counted_by_their_brand_tag() -> None:
    tagged = {"brand": "Biologica", "brand:wikidata": "Q0000001"}
    search = service(
        shop("bio-1", ("shop=organic",), 100, independent=False, name="Winkel A", tags=tagged),
        shop("bio-2", ("shop=organic",), 110, independent=False, name="Winkel B", tags=tagged),
        shop("ander", ("shop=organic",), 120, independent=False, name="Winkel C", tags={"brand": "Anders"}),
    )
    counted = firsts(search, "biowinkel", 0)
    assert counted["bio-1"] + counted["bio-2"] == 15 and counted["ander"] == 15


@pytest.mark.parametrize("hour", [8, 13])
def test_open_now_still_breaks_the_tie_at_the_moment_of_asking(hour: int) -> None:
    # Amsterdam is UTC+1 in December: at 08:00 UTC only the early bakery is open, at 13:00 UTC both.
    search = service(
        shop("vroege-bakker", ("shop=bakery",), 100, hours="Mo-Su 07:00-18:00"),
        shop("late-bakker", ("shop=bakery",), 110, hours="Mo-Su 10:00-18:00"),
    )
    counted: Counter[str] = Counter()
    for day in range(30):
        now = dt.datetime(2026, 12, 1, hour, 0, tzinfo=dt.UTC) + dt.timedelta(days=day)
        counted[search.ask("bakker", near=CENTRE, now=now).results[0].id] += 1
    if hour == 8:
        assert counted == {"vroege-bakker": 30}
    else:
        assert counted == {"vroege-bakker": 15, "late-bakker": 15}
