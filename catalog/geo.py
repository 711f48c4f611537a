"""Distances on the Earth's surface.

One small exact formula instead of geopy's ``great_circle``: importing ``geopy.distance`` loads every
geopy geocoder (about 15 MB and a tenth of a second at each start) for a few lines of trigonometry.
The formula and radius are geopy's, so distances are the same to the last bits.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_009.0
"""The mean Earth radius geopy uses (IUGG mean radius, rounded to the metre)."""


def great_circle_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (latitude, longitude) points in degrees along a sphere (the Vincenty form
    of the great-circle formula: well-conditioned at any distance; within 0.6 % of the ellipsoid)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    sin_lat1, cos_lat1 = math.sin(lat1), math.cos(lat1)
    sin_lat2, cos_lat2 = math.sin(lat2), math.cos(lat2)
    delta = lon2 - lon1
    cos_delta, sin_delta = math.cos(delta), math.sin(delta)
    angle = math.atan2(
        math.hypot(cos_lat2 * sin_delta, cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_delta),
        sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_delta,
    )
    return EARTH_RADIUS_M * angle
