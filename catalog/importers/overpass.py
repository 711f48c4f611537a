"""Overpass JSON: ``{"elements": [{"type", "id", "lat", "lon" | "center", "tags"}]}``."""

from __future__ import annotations

from typing import Any

from catalog.importers.osm import record_from_tags
from catalog.importers.records import ImportFileError, ParsedFile, Skip

ELEMENT_TYPES = ("node", "way", "relation")


def _source_id(element: dict[str, Any]) -> str | None:
    kind, ident = element.get("type"), element.get("id")
    if kind not in ELEMENT_TYPES or not isinstance(ident, (int, str)) or isinstance(ident, bool):
        return None
    try:
        number = int(ident)
    except (TypeError, ValueError, OverflowError):
        return None
    return f"{kind}/{number}" if 0 < number < 10**18 else None


def _position(element: dict[str, Any]) -> tuple[Any, Any]:
    if "lat" in element or "lon" in element:
        return element.get("lat"), element.get("lon")
    center = element.get("center")
    if isinstance(center, dict):
        return center.get("lat"), center.get("lon")
    return None, None


def parse(data: Any, name: str) -> ParsedFile:
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise ImportFileError(f'{name}: Overpass JSON needs an object with an "elements" list')
    parsed = ParsedFile([])
    for element in data["elements"]:
        try:
            if not isinstance(element, dict):
                raise Skip("not an object")
            tags = element.get("tags")
            if not isinstance(tags, dict):
                raise Skip("no name")
            lat, lon = _position(element)
            parsed.records.append(record_from_tags(tags, lat, lon, _source_id(element)))
        except Skip as skip:
            parsed.skipped[str(skip)] += 1
    return parsed
