"""The area a file's businesses belong to: declared by a catalogue, or derived from the positions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

from catalog.geo import great_circle_m
from catalog.importers.records import Record, boolean, coordinate, slugify, text

COVERAGE = 0.9
"""Share of the businesses a derived radius covers; the rest are outliers."""
ROUND_TO_M = 100
DEFAULT_TIMEZONE = "Europe/Amsterdam"


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def timezone_for(country: str) -> str:
    zones = get_global("territory_zones").get(country.upper(), [])
    return zones[0] if zones else DEFAULT_TIMEZONE


def centre_and_radius(points: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], int]:
    """Mean position and the radius covering 90% of the points, rounded up to 100 m."""
    lat = sum(p[0] for p in points) / len(points)
    lon = sum(p[1] for p in points) / len(points)
    distances = sorted(great_circle_m((lat, lon), p) for p in points)
    covered = distances[max(0, math.ceil(COVERAGE * len(distances)) - 1)]
    radius = max(ROUND_TO_M, math.ceil(covered / ROUND_TO_M) * ROUND_TO_M)
    return (round(lat, 6), round(lon, 6)), radius


def _centre(raw: Any) -> tuple[float, float] | None:
    if isinstance(raw, (list, tuple)) and len(raw) == 2:
        try:
            lat, lon = coordinate(raw[0]), coordinate(raw[1])
        except Exception:
            return None
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None


def _places(raw: Any) -> dict[str, list[float]]:
    places: dict[str, list[float]] = {}
    if isinstance(raw, dict):
        for name, pos in raw.items():
            centre = _centre(pos)
            if text(name) and centre:
                places[text(name)] = [centre[0], centre[1]]
    return places


def build_area(
    records: Sequence[Record], declared: dict[str, Any] | None, name: str | None, country: str
) -> dict[str, Any] | None:
    """Column values of the :class:`~catalog.models.Area`, or ``None`` with nothing to place."""
    declared = declared or {}
    area_name = text(name) or text(declared.get("name"), 120)
    area_id = slugify(text(name)) if text(name) else slugify(text(declared.get("id"))) or slugify(area_name)
    if not area_id:
        return None
    centre = _centre(declared.get("center"))
    radius = declared.get("radius_m")
    if centre is None or not isinstance(radius, (int, float)) or isinstance(radius, bool) or radius <= 0:
        if not records:
            return None
        derived_centre, derived_radius = centre_and_radius([(r.lat, r.lon) for r in records])
        centre = centre or derived_centre
        radius = (
            radius
            if isinstance(radius, (int, float)) and not isinstance(radius, bool) and radius > 0
            else derived_radius
        )
    country = (text(declared.get("country")) or country).upper()[:2]
    timezone = text(declared.get("timezone"), 64)
    values: dict[str, Any] = {
        "id": area_id,
        "name": area_name or area_id,
        "city": text(declared.get("city"), 120),
        "country": country,
        "timezone": timezone if valid_timezone(timezone) else timezone_for(country),
        "center_lat": centre[0],
        "center_lon": centre[1],
        "radius_m": min(int(radius), 1_000_000),
    }
    if "fictional" in declared:
        values["fictional"] = bool(boolean(declared["fictional"], False))
    if "places" in declared:
        values["places"] = _places(declared["places"])
    return values
