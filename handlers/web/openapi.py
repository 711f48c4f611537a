"""The OpenAPI 3.1 description of /api/v1, written by hand to match what the handlers return."""

from __future__ import annotations

from typing import Any

from catalog import fields as registry
from handlers.web import round_openapi
from handlers.web.openapi_parts import LIMITED, json_reply, query_param

NULLABLE_STRING = {"type": ["string", "null"]}


def api_fields() -> tuple[registry.Field, ...]:
    """The listing fields a business record of the API carries, each under its own name: the public
    ones but the story (one nested object) and the photo (a Telegram file id; pages show the image)."""
    return tuple(f for f in registry.public() if f.name not in registry.STORY and f.name != "photo")


def _field_schemas(fields: tuple[registry.Field, ...]) -> dict[str, Any]:
    return {field.name: registry.json_schema(field) for field in fields}


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}

RESULT = {
    "type": "object",
    "required": [
        "id",
        "name",
        "categories",
        "lat",
        "lon",
        "distance_m",
        "open_now",
        "story",
        "independent",
        "chain",
    ],
    "properties": {
        "id": {"type": "string"},
        "source_id": NULLABLE_STRING,
        "name": {"type": "string"},
        "categories": {"type": "array", "items": {"type": "string"}},
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "distance_m": {"type": "integer"},
        "open_now": {"type": ["boolean", "null"]},
        "opens_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "the next opening, ISO 8601 local time with offset; null when open or unknown",
        },
        "closed_until": {
            "type": ["string", "null"],
            "format": "date",
            "description": "last day of a temporary closure that covers the moment of asking",
        },
        "matched": {"type": "array", "items": {"type": "string"}},
        "why": {"type": "string", "description": "why it matched, in the answer's language"},
        "story": {"type": "string", "description": "the first line of the owner's story, as written"},
        "story_lang": {
            "type": ["string", "null"],
            "description": "the language the owner wrote the story in",
        },
        "independent": {"type": "boolean"},
        "chain": {
            "type": "boolean",
            "description": "a branch of a chain brand; chains come after the independents that fit, "
            "only when fewer than three do, and are labelled",
        },
        "address": {"type": "string"},
        "outdated": {"type": "boolean"},
        **_field_schemas(registry.on_card()),
    },
}

ANSWER = {
    "type": "object",
    "required": ["query", "language", "understood", "results", "message"],
    "properties": {
        "query": {"type": "string"},
        "language": {"type": "string", "enum": ["nl", "en", "de", "fr"]},
        "understood": {
            "type": "object",
            "required": ["what", "where", "filters"],
            "properties": {
                "what": {"type": "string"},
                "where": NULLABLE_STRING,
                "filters": {"type": "array", "items": {"type": "string"}},
            },
        },
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
        "message": {"type": "string"},
        "notice": {
            "type": "object",
            "description": "present when the asked lang is not one of ours: the answer is in the area's language",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    },
}

BUSINESS = {
    "type": "object",
    "required": ["id", "name", "categories", "lat", "lon", "story", "url", "independent"],
    "properties": {
        "id": {"type": "string"},
        "source_id": NULLABLE_STRING,
        **_field_schemas(api_fields()),
        "area": NULLABLE_STRING,
        "products": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "kind", "sold_out"],
                "properties": {
                    "name": {"type": "string"},
                    "kind": {"type": "string"},
                    "sold_out": {"type": "boolean"},
                },
            },
        },
        "story": {
            "type": "object",
            "required": list(registry.STORY.values()),
            "properties": {k: {"type": "string"} for k in registry.STORY.values()},
        },
        "partners": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string", "format": "uri"},
        "osm_url": NULLABLE_STRING,
        "attribution": {
            "type": ["object", "null"],
            "properties": {"text": {"type": "string"}, "license": {"type": "string"}},
        },
        "updated_at": NULLABLE_STRING,
    },
}

PAGE = {
    "type": "object",
    "required": ["items", "total", "page", "per_page", "next"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Business"}},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "next": {**NULLABLE_STRING, "description": "relative URL of the next page, null on the last"},
    },
}

COUNTS = {
    "start": {"type": "integer", "description": "bot starts through the campaign's deep links"},
    "question": {"type": "integer", "description": "questions asked within 24 h of such a start"},
    "page": {"type": "integer", "description": "business-page visits through links with the tag"},
    "widget": {"type": "integer", "description": "views of the widget embedded with the tag"},
}
STATS = {
    "type": "object",
    "required": ["since", "until", "campaigns"],
    "properties": {
        "since": {"type": "string", "format": "date"},
        "until": {"type": "string", "format": "date"},
        "campaigns": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["campaign", "start", "question", "page", "widget", "days"],
                "properties": {
                    "campaign": {"type": "string"},
                    **COUNTS,
                    "days": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["day", "start", "question", "page", "widget"],
                            "properties": {"day": {"type": "string", "format": "date"}, **COUNTS},
                        },
                    },
                },
            },
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return json_reply(description, "Error")


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Neighbourhood concierge API",
            "version": "1.0.0",
            "description": "Read-only access to the neighbourhood's independent businesses: the same search the "
            "Telegram bot uses, business records with their owners' stories, and paged lists. Records derived "
            "from OpenStreetMap are © OpenStreetMap contributors, ODbL 1.0. Unknown query parameters are "
            "ignored; every client error is a 4xx with a JSON error object.",
            "license": {"name": "ODbL-1.0 (data)", "identifier": "ODbL-1.0"},
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Ask a question, as the bot does (same JSON as `concierge ask --json`)",
                    "parameters": [
                        query_param(
                            "q",
                            "The question; at most 300 characters (longer is refused with 400 query_too_long)",
                            {"type": "string", "minLength": 1, "maxLength": 300, "pattern": "\\S"},
                            required=True,
                        ),
                        query_param(
                            "lat",
                            "Latitude of the asker (with lon)",
                            {"type": "number", "minimum": -90, "maximum": 90},
                        ),
                        query_param(
                            "lon",
                            "Longitude of the asker (with lat)",
                            {"type": "number", "minimum": -180, "maximum": 180},
                        ),
                        query_param(
                            "lang",
                            "Answer language (nl, en, de, fr): message and why are in it. Absent: the "
                            "question's language. Any other value: the area's language, with a notice",
                            {"type": "string"},
                        ),
                        query_param(
                            "limit",
                            "Number of results",
                            {"type": "integer", "minimum": 1, "maximum": 5, "default": 3},
                        ),
                    ],
                    "responses": {
                        "200": json_reply("The answer; results is empty when nothing local fits", "Answer"),
                        "400": _error("Missing or too long question, bad coordinates or limit"),
                        **LIMITED,
                    },
                }
            },
            "/api/v1/businesses": {
                "get": {
                    "operationId": "listBusinesses",
                    "summary": "Published businesses (not opted out), ordered by id, paged",
                    "parameters": [
                        query_param("area", "Area id", {"type": "string"}),
                        query_param(
                            "category", "An OSM tag (shop=bakery) or its value (bakery)", {"type": "string"}
                        ),
                        query_param(
                            "page",
                            "Page number",
                            {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1},
                        ),
                        query_param(
                            "per_page",
                            "Items per page",
                            {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        ),
                    ],
                    "responses": {
                        "200": json_reply("One page", "Page"),
                        "400": _error("Bad paging parameters"),
                        **LIMITED,
                    },
                }
            },
            "/api/v1/businesses/{id}": {
                "get": {
                    "operationId": "getBusiness",
                    "summary": "One published business",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": json_reply("The business", "Business"),
                        "404": _error("No published business with that id"),
                        **LIMITED,
                    },
                }
            },
            "/api/v1/stats": {
                "get": {
                    "operationId": "campaignStats",
                    "summary": "Starts and questions per campaign and day (moderators only)",
                    "security": [{"moderatorToken": []}],
                    "parameters": [
                        query_param("campaign", "One campaign tag", {"type": "string", "maxLength": 64}),
                        query_param(
                            "days",
                            "How many days back",
                            {"type": "integer", "minimum": 1, "maximum": 366, "default": 28},
                        ),
                    ],
                    "responses": {
                        "200": json_reply("Aggregated counts", "Stats"),
                        "400": _error("Bad parameters"),
                        "401": _error("Missing or wrong moderator token"),
                        "403": _error("The moderators' API is not configured"),
                        **LIMITED,
                    },
                }
            },
            "/api/v1/visit": {
                "post": {
                    "operationId": "countVisit",
                    "summary": "Count one view of the widget embedded with a campaign tag (per day, never per person)",
                    "parameters": [
                        query_param(
                            "campaign",
                            "The campaign tag: 1-20 letters, digits or hyphens",
                            {"type": "string", "pattern": "^[A-Za-z0-9-]{1,20}$"},
                            required=True,
                        ),
                        query_param(
                            "kind",
                            "What was seen",
                            {"type": "string", "enum": ["widget", "page"], "default": "widget"},
                        ),
                    ],
                    "responses": {
                        "204": {"description": "Counted"},
                        "400": _error("Bad campaign or kind"),
                        **LIMITED,
                    },
                }
            },
            **round_openapi.paths(),
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **LIMITED,
                    },
                }
            },
        },
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {"moderatorToken": {"type": "http", "scheme": "bearer"}},
        },
    }


COMPONENTS = {
    "Error": ERROR,
    "Result": RESULT,
    "Answer": ANSWER,
    "Business": BUSINESS,
    "Page": PAGE,
    "Stats": STATS,
    **round_openapi.SCHEMAS,
}


def json_schema(name: str) -> dict[str, Any]:
    """One component as a self-contained JSON Schema (2020-12), for MCP's output schemas: the same
    description of the same JSON as the API's, its references pointing into ``$defs``."""

    def local(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: value.replace("#/components/schemas/", "#/$defs/") if key == "$ref" else local(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [local(item) for item in node]
        return node

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **local(COMPONENTS[name]),
        "$defs": {key: local(value) for key, value in COMPONENTS.items() if key != name},
    }
