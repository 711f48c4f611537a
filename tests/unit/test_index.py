"""The geo index: the reach of a circle holds every business inside it, and little beyond."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.index import SearchIndex
from catalog.views import BusinessView


def business(i: int, lat: float, lon: float) -> BusinessView:
    return BusinessView(id=f"b{i}", name=f"Shop {i}", lat=lat, lon=lon, categories=("shop=bakery",))


def city(seed: int, count: int, center: tuple[float, float], spread: float) -> list[BusinessView]:
    rng = random.Random(seed)
    return [
        business(i, center[0] + rng.uniform(-spread, spread), center[1] + rng.uniform(-spread, spread))
        for i in range(count)
    ]


def keys(b: BusinessView) -> list[str]:
    number = int(b.id[1:])
    return ["t:shop=bakery", f"p:{number % 7}"]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    lat=st.floats(-60, 70),
    lon=st.floats(-179, 179),
    radius=st.floats(50, 5000),
)
def test_reach_holds_every_business_within_the_radius(
    seed: int, lat: float, lon: float, radius: float
) -> None:
    businesses = city(seed, 400, (lat, lon), 0.05)
    index = SearchIndex(businesses, keys)
    origin = (lat + random.Random(seed).uniform(-0.02, 0.02), lon)
    reach = index.around(*origin, radius)
    inside = {i for i in range(len(index)) if index.distance_m(i, *origin) <= radius}
    assert inside <= reach.intersection(range(len(index)))
    assert all(i in reach for i in inside)
    for key in ("t:shop=bakery", "p:3"):
        posting = index.lookup(key)
        assert reach.intersection(posting) == {i for i in posting if i in reach}
        assert reach.intersection(set(posting)) == reach.intersection(posting)


def test_reach_is_close_to_the_circle() -> None:
    """The row-by-row reach covers the circle plus a rim of partly touched cells, not a whole square."""
    businesses = city(1, 20_000, (52.09, 5.12), 0.05)
    index = SearchIndex(businesses, keys)
    radius = 1500.0
    reach = index.around(52.09, 5.12, radius)
    inside = sum(1 for i in range(len(index)) if index.distance_m(i, 52.09, 5.12) <= radius)
    assert inside <= len(reach) <= 1.35 * inside
    square = sum(
        1
        for b in businesses
        if abs(b.lat - 52.09) * 110_574 <= radius and abs(b.lon - 5.12) * 111_320 * math.cos(0.909) <= radius
    )
    assert len(reach) < square


def test_positions_and_ids_agree_after_spatial_ordering() -> None:
    businesses = city(2, 500, (60.17, 24.94), 0.03)
    index = SearchIndex(businesses, keys)
    assert sorted(b.id for b in index.businesses) == sorted(b.id for b in businesses)
    for b in businesses:
        i = index.position[b.id]
        assert index.businesses[i] is b
        assert (index.lat[i], index.lon[i]) == (b.lat, b.lon)
    for key, posting in index.postings.items():
        assert list(posting) == sorted(posting), key
