"""The OpenAPI description of /api/v1/round and /api/v1/demand, merged into ``openapi_document``."""

from __future__ import annotations

from typing import Any

_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


STOP = {
    "type": "object",
    "required": ["order", "id", "name", "lat", "lon", "items", "independent", "chain", "pickup", "delivery"],
    "properties": {
        "order": {"type": "integer", "minimum": 1},
        "id": {"type": "string"},
        "name": {"type": "string"},
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "address": {"type": "string"},
        "items": {**_STRINGS, "description": "the list's items bought here"},
        "independent": {"type": "boolean"},
        "chain": {"type": "boolean", "description": "a chain store: only when no open independent sells it"},
        "open_now": {"type": ["boolean", "null"], "description": "open at the time asked; null when unknown"},
        "pickup": {"type": "boolean"},
        "delivery": {"type": "string", "enum": ["bike", "post", "none"]},
        "story": {"type": "string"},
        "walk_from_previous_m": {"type": "integer", "minimum": 0},
        "directions_url": {"type": "string", "description": "openstreetmap.org walking route of this leg"},
    },
}

ROUND = {
    "type": "object",
    "required": [
        "language",
        "at",
        "items",
        "stops",
        "unavailable",
        "closed",
        "walk_m",
        "walk_min",
        "message",
    ],
    "properties": {
        "language": {"type": "string", "enum": ["nl", "en", "de", "fr"]},
        "at": {"type": "string", "format": "date-time"},
        "near": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["item", "status", "business"],
                "properties": {
                    "item": {"type": "string"},
                    "status": {"type": "string", "enum": ["found", "missing", "closed", "unknown"]},
                    "business": _NULLABLE_STRING,
                    "nearest_m": _NULLABLE_INT,
                    "opens_at": _NULLABLE_STRING,
                },
            },
        },
        "stops": {"type": "array", "items": {"$ref": "#/components/schemas/RoundStop"}},
        "unavailable": {**_STRINGS, "description": "items nobody nearby sells (or unknown words)"},
        "closed": {**_STRINGS, "description": "items sold nearby, but nobody selling them is open then"},
        "walk_m": {"type": "integer", "minimum": 0, "description": "there and back, detours estimated"},
        "walk_min": {"type": "integer", "minimum": 0},
        "route_url": {**_NULLABLE_STRING, "description": "the whole round on a map (OpenStreetMap data)"},
        "message": {"type": "string"},
    },
}

DEMAND = {
    "type": "object",
    "required": ["area", "period", "min_people", "wanted"],
    "properties": {
        "area": {"type": "string"},
        "period": {"type": "string"},
        "min_people": {"type": "integer", "description": "concepts asked by fewer people are never shown"},
        "wanted": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["concept", "label", "asks", "people", "shop_types"],
                "properties": {
                    "concept": {"type": "string"},
                    "label": {"type": "string"},
                    "asks": {"type": "integer", "minimum": 1},
                    "people": {"type": "integer", "minimum": 1},
                    "shop_types": _STRINGS,
                },
            },
        },
    },
}

SCHEMAS = {"Round": ROUND, "RoundStop": STOP, "Demand": DEMAND}

_LIMITED = {"429": {**_json("Too many requests from this client; see the Retry-After header", "Error")}}


def paths() -> dict[str, Any]:
    return {
        "/api/v1/round": {
            "get": {
                "operationId": "shoppingRound",
                "summary": "A shopping list as a walking round: the fewest nearby independent shops that "
                "together sell every item, open at the time asked, in the shortest walking order",
                "parameters": [
                    _query(
                        "items",
                        "The list: items separated by commas, semicolons or new lines "
                        '("bread, cheese, wine, flowers"); at most 2000 characters, 12 items',
                        {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": "\\S"},
                        required=True,
                    ),
                    _query(
                        "lat",
                        "Latitude of the start (with lon)",
                        {"type": "number", "minimum": -90, "maximum": 90},
                    ),
                    _query(
                        "lon",
                        "Longitude of the start (with lat)",
                        {"type": "number", "minimum": -180, "maximum": 180},
                    ),
                    _query(
                        "lang",
                        "Answer language (nl, en, de, fr); the list's own when absent",
                        {"type": "string"},
                    ),
                    _query(
                        "at",
                        "ISO 8601 moment to plan for (open then); now when absent; without an offset, "
                        "the area's local time",
                        {"type": "string"},
                    ),
                    _query(
                        "exclude",
                        "Comma-separated business ids to swap out (the next best shops take their place)",
                        {"type": "string"},
                    ),
                ],
                "responses": {
                    "200": _json("The round; stops is empty when nothing nearby sells any item", "Round"),
                    "400": _json("Missing or too long list, bad coordinates or moment", "Error"),
                    **_LIMITED,
                },
            }
        },
        "/api/v1/demand": {
            "get": {
                "operationId": "unmetDemand",
                "summary": "What residents asked for that nobody nearby sells, per area and period "
                "(moderators only; only concepts asked by at least min_people different people)",
                "security": [{"moderatorToken": []}],
                "parameters": [
                    _query("area", "Area id; the first area when absent", {"type": "string"}),
                    _query(
                        "period",
                        "A month (2026-12) or an ISO week (2026-W49)",
                        {"type": "string", "pattern": "^\\d{4}-(0[1-9]|1[0-2]|W(0[1-9]|[1-4]\\d|5[0-3]))$"},
                        required=True,
                    ),
                    _query("lang", "Language of the labels", {"type": "string"}),
                ],
                "responses": {
                    "200": _json("Aggregated counts at or above the threshold", "Demand"),
                    "400": _json("Bad parameters", "Error"),
                    "401": _json("Missing or wrong moderator token", "Error"),
                    "403": _json("The moderators' API is not configured", "Error"),
                    "404": _json("No such area", "Error"),
                    **_LIMITED,
                },
            }
        },
    }
