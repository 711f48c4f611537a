"""Building blocks of the OpenAPI description, shared by every part of it (``openapi``, ``round_openapi``)."""

from __future__ import annotations

from typing import Any


def query_param(
    name: str, description: str, schema: dict[str, Any], required: bool = False
) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def json_reply(description: str, schema: str) -> dict[str, Any]:
    """A JSON response whose body is the component ``schema``."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


LIMITED = {"429": json_reply("Too many requests from this client; see the Retry-After header", "Error")}
