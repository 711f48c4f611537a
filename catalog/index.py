"""An in-memory search index over published businesses: postings by key, and positions.

The index knows nothing about language: whoever builds it passes a ``keys`` function that says under
which keys a business is found (concepts of its products, head words, tags, name words, story themes).
Lookups return positions into ``businesses``; distances use an equirectangular approximation, exact
to a few metres at neighbourhood scale and fast enough to rank thousands of candidates per question.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from catalog.views import BusinessView

EARTH_M_PER_DEG_LAT = 110_574.0
EARTH_M_PER_DEG_LON_EQUATOR = 111_320.0
EMPTY: Sequence[int] = ()
CELL_M = 250.0
COLUMNS = 10_000_000
"""Cell keys are ``row * COLUMNS + column + COLUMNS // 2``: ordered by row, then column."""


class Reach:
    """The businesses in the grid cells a circle touches, as ranges of positions.

    The index keeps businesses sorted by grid row and column, so the cells of one row that a circle
    crosses hold consecutive positions; picking the reachable part of a sorted posting list is then a
    pair of binary searches per row, in C.
    """

    __slots__ = ("bounds", "ranges")

    def __init__(self, ranges: list[tuple[int, int]]):
        self.ranges = ranges
        self.bounds = [bound for pair in ranges for bound in pair]
        """The ranges flattened: a position is inside when an odd number of bounds is at or below it."""

    def intersection(self, positions: Iterable[int]) -> set[int]:
        if not isinstance(positions, array | list | tuple):
            positions = sorted(positions)
        if len(positions) <= 2 * len(self.ranges):
            bounds = self.bounds
            return {i for i in positions if bisect.bisect_right(bounds, i) & 1}
        found: set[int] = set()
        for lo, hi in self.ranges:
            start = bisect.bisect_left(positions, lo)
            end = bisect.bisect_left(positions, hi, start)
            if start < end:
                found.update(positions[start:end])
        return found

    def __contains__(self, position: int) -> bool:
        return bool(bisect.bisect_right(self.bounds, position) & 1)

    def __len__(self) -> int:
        return sum(hi - lo for lo, hi in self.ranges)


class SearchIndex:
    def __init__(self, businesses: Sequence[BusinessView], keys: Callable[[BusinessView], Iterable[str]]):
        mean_lat = sum(b.lat for b in businesses) / len(businesses) if businesses else 0.0
        self._cell_lat = CELL_M / EARTH_M_PER_DEG_LAT
        self._cell_lon = CELL_M / (EARTH_M_PER_DEG_LON_EQUATOR * max(0.05, math.cos(math.radians(mean_lat))))
        self.businesses: list[BusinessView] = sorted(businesses, key=lambda b: self._cell(b.lat, b.lon))
        self.position: dict[str, int] = {b.id: i for i, b in enumerate(self.businesses)}
        self.lat = array("d", (b.lat for b in self.businesses))
        self.lon = array("d", (b.lon for b in self.businesses))
        self._cells = array("q", (self._cell(b.lat, b.lon) for b in self.businesses))
        postings: dict[str, list[int]] = defaultdict(list)
        for i, business in enumerate(self.businesses):
            for key in set(keys(business)):
                postings[key].append(i)
        self.postings: dict[str, Sequence[int]] = {k: array("i", v) for k, v in postings.items()}

    def keys_by_id(self) -> dict[str, list[str]]:
        """The keys each business was indexed under (the postings turned around)."""
        by_position: list[list[str]] = [[] for _ in self.businesses]
        for key, positions in self.postings.items():
            for i in positions:
                by_position[i].append(key)
        return {b.id: by_position[i] for i, b in enumerate(self.businesses)}

    def _cell(self, lat: float, lon: float) -> int:
        return self._row(lat) * COLUMNS + self._column(lon) + COLUMNS // 2

    def _row(self, lat: float) -> int:
        return math.floor(lat / self._cell_lat)

    def _column(self, lon: float) -> int:
        return math.floor(lon / self._cell_lon)

    def around(self, lat: float, lon: float, radius_m: float) -> Reach:
        """The businesses in the grid cells (about 250 m square) that a circle touches: a superset of
        the circle, row by row."""
        m_per_deg_lon = max(0.05, math.cos(math.radians(lat))) * EARTH_M_PER_DEG_LON_EQUATOR
        span_lat = radius_m / EARTH_M_PER_DEG_LAT
        ranges = []
        for row in range(self._row(lat - span_lat), self._row(lat + span_lat) + 1):
            south, north = row * self._cell_lat, (row + 1) * self._cell_lat
            gap_m = max(0.0, south - lat, lat - north) * EARTH_M_PER_DEG_LAT
            if gap_m > radius_m:
                continue
            span_lon = math.sqrt(radius_m**2 - gap_m**2) / m_per_deg_lon
            first = row * COLUMNS + self._column(lon - span_lon) + COLUMNS // 2
            last = row * COLUMNS + self._column(lon + span_lon) + COLUMNS // 2
            lo = bisect.bisect_left(self._cells, first)
            hi = bisect.bisect_right(self._cells, last, lo)
            if lo < hi:
                ranges.append((lo, hi))
        return Reach(ranges)

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
