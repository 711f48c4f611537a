"""Walking a round: distances, the shortest round trip through a few shops (Held-Karp), and map
links (openstreetmap.org per leg, GraphHopper Maps for the whole round)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import urlencode

from catalog.geo import great_circle_m

DETOUR = 1.3
"""Walking distance over straight-line distance in a town's street grid (a common circuity figure)."""
WALK_M_PER_MIN = 80.0
"""4.8 km/h, an unhurried walk with bags."""


metres = great_circle_m
"""Great-circle distance; exact enough at a walk's scale."""


def walking_order(start: tuple[float, float], points: Sequence[tuple[float, float]]) -> list[int]:
    """The order of ``points`` giving the shortest round trip from ``start`` and back (Held-Karp)."""
    n = len(points)
    if n <= 1:
        return list(range(n))
    home = [metres(start, p) for p in points]
    between = [[metres(p, q) for q in points] for p in points]
    full = (1 << n) - 1
    # length[mask][j]: shortest walk from start through the stops in mask, ending at j; every
    # subset of a mask is a smaller number, so one pass in numeric order fills it
    length = [[math.inf] * n for _ in range(full + 1)]
    came = [[-1] * n for _ in range(full + 1)]
    for j in range(n):
        length[1 << j][j] = home[j]
    bits = [[j for j in range(n) if mask >> j & 1] for mask in range(full + 1)]
    for mask in range(1, full):
        row, outside = length[mask], bits[full ^ mask]
        for j in bits[mask]:
            here, out = row[j], between[j]
            for k in outside:
                step = here + out[k]
                nxt = length[mask | 1 << k]
                if step < nxt[k]:
                    nxt[k] = step
                    came[mask | 1 << k][k] = j
    _, last = min((length[full][j] + home[j], j) for j in range(n))
    order, mask = [], full
    while last != -1:
        order.append(last)
        previous = came[mask][last]
        mask &= ~(1 << last)
        last = previous
    return order[::-1]


def directions_url(a: tuple[float, float], b: tuple[float, float]) -> str:
    """An openstreetmap.org walking route between two points (the site takes exactly two)."""
    query = urlencode(
        {"engine": "fossgis_osrm_foot", "route": f"{a[0]:.5f},{a[1]:.5f};{b[0]:.5f},{b[1]:.5f}"}
    )
    return f"https://www.openstreetmap.org/directions?{query}"


def route_url(points: Sequence[tuple[float, float]]) -> str:
    """The whole round on one map: GraphHopper Maps (OpenStreetMap data) takes any number of points,
    where openstreetmap.org's own directions refuse via points."""
    query = urlencode([("point", f"{lat:.5f},{lon:.5f}") for lat, lon in points] + [("profile", "foot")])
    return f"https://graphhopper.com/maps/?{query}"
