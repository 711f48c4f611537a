"""GeoJSON: a FeatureCollection of Points whose properties are OSM tags (``@id``/``id`` optional)."""

from __future__ import annotations

from typing import Any

from catalog.importers.osm import record_from_tags
from catalog.importers.records import ImportFileError, ParsedFile, Skip, osm_source_id


def _source_id(feature: dict[str, Any], properties: dict[str, Any]) -> str | None:
    for value in (properties.get("@id"), feature.get("id"), properties.get("id")):
        source_id = osm_source_id(value)
        if source_id:
            return source_id
    return None


def parse(data: Any, name: str) -> ParsedFile:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportFileError(f'{name}: GeoJSON needs a "FeatureCollection"')
    if not isinstance(data.get("features"), list):
        raise ImportFileError(f'{name}: the FeatureCollection needs a "features" list')
    parsed = ParsedFile([])
    for feature in data["features"]:
        try:
            if not isinstance(feature, dict):
                raise Skip("not an object")
            properties = feature.get("properties")
            properties = properties if isinstance(properties, dict) else {}
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict) or geometry.get("type") != "Point":
                raise Skip("not a point")
            coordinates = geometry.get("coordinates")
            if not isinstance(coordinates, list) or len(coordinates) < 2:
                raise Skip("no coordinates")
            lon, lat = coordinates[0], coordinates[1]
            tags = {k: v for k, v in properties.items() if k not in {"id", "@id"}}
            parsed.records.append(record_from_tags(tags, lat, lon, _source_id(feature, properties)))
        except Skip as skip:
            parsed.skipped[str(skip)] += 1
    return parsed
