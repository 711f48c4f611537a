"""The OpenAPI description of /api/v1/round and /api/v1/demand, merged into ``openapi_document``."""

from __future__ import annotations

from typing import Any

from handlers.web.openapi_parts import LIMITED, json_reply, query_param

_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}


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


def paths() -> dict[str, Any]:
    return {
        "/api/v1/round": {
            "get": {
                "operationId": "shoppingRound",
                "summary": "A shopping list as a walking round: the fewest nearby independent shops that "
                "together sell every item, open at the time asked, in the shortest walking order",
                "parameters": [
                    query_param(
                        "items",
                        "The list: items separated by commas, semicolons or new lines "
                        '("bread, cheese, wine, flowers"); at most 2000 characters, 12 items',
                        {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": "\\S"},
                        required=True,
                    ),
                    query_param(
                        "lat",
                        "Latitude of the start (with lon)",
                        {"type": "number", "minimum": -90, "maximum": 90},
                    ),
                    query_param(
                        "lon",
                        "Longitude of the start (with lat)",
                        {"type": "number", "minimum": -180, "maximum": 180},
                    ),
                    query_param(
                        "lang",
                        "Answer language (nl, en, de, fr); the list's own when absent",
                        {"type": "string"},
                    ),
                    query_param(
                        "at",
                        "ISO 8601 moment to plan for (open then); now when absent; without an offset, "
                        "the area's local time",
                        {"type": "string"},
                    ),
                    query_param(
                        "exclude",
                        "Comma-separated business ids to swap out (the next best shops take their place)",
                        {"type": "string"},
                    ),
                ],
                "responses": {
                    "200": json_reply(
                        "The round; stops is empty when nothing nearby sells any item", "Round"
                    ),
                    "400": json_reply("Missing or too long list, bad coordinates or moment", "Error"),
                    **LIMITED,
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
                    query_param("area", "Area id; the first area when absent", {"type": "string"}),
                    query_param(
                        "period",
                        "A month (2026-12) or an ISO week (2026-W49)",
                        {"type": "string", "pattern": "^\\d{4}-(0[1-9]|1[0-2]|W(0[1-9]|[1-4]\\d|5[0-3]))$"},
                        required=True,
                    ),
                    query_param("lang", "Language of the labels", {"type": "string"}),
                ],
                "responses": {
                    "200": json_reply("Aggregated counts at or above the threshold", "Demand"),
                    "400": json_reply("Bad parameters", "Error"),
                    "401": json_reply("Missing or wrong moderator token", "Error"),
                    "403": json_reply("The moderators' API is not configured", "Error"),
                    "404": json_reply("No such area", "Error"),
                    **LIMITED,
                },
            }
        },
    }
