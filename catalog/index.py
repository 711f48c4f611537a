"""An in-memory search index over published businesses: postings by key, and positions.

The index knows nothing about language: whoever builds it passes a ``keys`` function that says under
which keys a business is found (concepts of its products, head words, tags, name words, story themes).
Lookups return positions into ``businesses``; distances use an equirectangular approximation, exact
to a few metres at neighbourhood scale and fast enough to rank thousands of candidates per question.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from catalog.views import BusinessView

EARTH_M_PER_DEG_LAT = 110_574.0
EARTH_M_PER_DEG_LON_EQUATOR = 111_320.0
EMPTY: Sequence[int] = ()
CELL_M = 500.0


class SearchIndex:
    def __init__(self, businesses: Sequence[BusinessView], keys: Callable[[BusinessView], Iterable[str]]):
        self.businesses: list[BusinessView] = list(businesses)
        self.position: dict[str, int] = {b.id: i for i, b in enumerate(self.businesses)}
        self.lat = array("d", (b.lat for b in self.businesses))
        self.lon = array("d", (b.lon for b in self.businesses))
        postings: dict[str, list[int]] = defaultdict(list)
        for i, business in enumerate(self.businesses):
            for key in set(keys(business)):
                postings[key].append(i)
        self.postings: dict[str, Sequence[int]] = {k: array("i", v) for k, v in postings.items()}
        self._cell_lat = CELL_M / EARTH_M_PER_DEG_LAT
        mean_lat = sum(self.lat) / len(self.lat) if self.businesses else 0.0
        self._cell_lon = CELL_M / (EARTH_M_PER_DEG_LON_EQUATOR * max(0.05, math.cos(math.radians(mean_lat))))
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.businesses)):
            members[self._cell(self.lat[i], self.lon[i])].append(i)
        self._members = {cell: array("i", positions) for cell, positions in members.items()}

    def _cell(self, lat: float, lon: float) -> int:
        return math.floor(lat / self._cell_lat) * 1_000_000 + math.floor(lon / self._cell_lon)

    def around(self, lat: float, lon: float, radius_m: float) -> frozenset[int]:
        """Positions in the grid cells (about 500 m square) that a circle touches: a superset of the
        circle, cheap to intersect with postings (the intersection runs in C)."""
        found: set[int] = set()
        for cell in self._cells_around(lat, lon, radius_m):
            positions = self._members.get(cell)
            if positions is not None:
                found.update(positions)
        return frozenset(found)

    def _cells_around(self, lat: float, lon: float, radius_m: float) -> list[int]:
        origin = self._cell(lat, lon)
        row, col = divmod(origin, 1_000_000)
        reach_rows = math.ceil(radius_m / CELL_M) + 1
        k = max(0.05, math.cos(math.radians(lat))) * EARTH_M_PER_DEG_LON_EQUATOR
        reach_cols = math.ceil(radius_m / (self._cell_lon * k)) + 1
        return [
            r * 1_000_000 + c
            for r in range(row - reach_rows, row + reach_rows + 1)
            for c in range(col - reach_cols, col + reach_cols + 1)
        ]

    def __len__(self) -> int:
        return len(self.businesses)

    def lookup(self, key: str) -> Sequence[int]:
        return self.postings.get(key, EMPTY)

    def distance_m(self, i: int, lat: float, lon: float) -> float:
        k = math.cos(math.radians(lat)) * EARTH_M_PER_DEG_LON_EQUATOR
        return math.hypot((self.lon[i] - lon) * k, (self.lat[i] - lat) * EARTH_M_PER_DEG_LAT)

    def distances(self, positions: Iterable[int], lat: float, lon: float) -> dict[int, float]:
        k = math.cos(math.radians(lat)) * EARTH_M_PER_DEG_LON_EQUATOR
        la, lo, hypot = self.lat, self.lon, math.hypot
        return {i: hypot((lo[i] - lon) * k, (la[i] - lat) * EARTH_M_PER_DEG_LAT) for i in positions}
