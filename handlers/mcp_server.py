"""The MCP server (stdio) for AI assistants: the same search and records as the public API."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from catalog.jsonld import OSM_CREDIT
from concierge.app import App
from concierge.settings import Settings
from handlers.web.api import MAX_RESULTS, business_json, public_business, search_json
from handlers.web.context import BadRequest
from handlers.web.round_api import round_json

INSTRUCTIONS = (
    "Independent neighbourhood businesses: what they sell, where they are, when they are open and their "
    "owners' stories. Use search_local_businesses for questions like 'where can I buy oat milk?' (an empty "
    "result list is an honest 'nothing nearby'), get_business for one record by id, and plan_shopping_round for a list of things to buy ('bread, cheese, "
    "wine, flowers'): the fewest nearby independent shops that sell them all, in a walking order. Records with a "
    f"source_id come from OpenStreetMap: {OSM_CREDIT}."
)


def build_server(app: App) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(name="concierge", instructions=INSTRUCTIONS)
    public_url = app.settings.public_url

    @server.tool()
    def search_local_businesses(
        question: str,
        lat: float | None = None,
        lon: float | None = None,
        lang: str | None = None,
        limit: int = 3,
    ) -> dict[str, Any]:
        """Ask a question about local shops and services, as a resident would ask the bot.

        Give lat and lon (the asker's position) for distances; lang is nl, en, de or fr (detected when
        omitted). Returns the same JSON as GET /api/v1/search.
        """
        if (lat is None) != (lon is None):
            raise ToolError("give both lat and lon, or neither")
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ToolError("lat must be between -90 and 90 and lon between -180 and 180")
        if not 1 <= limit <= MAX_RESULTS:
            raise ToolError(f"limit must be between 1 and {MAX_RESULTS}")
        near = (lat, lon) if lat is not None and lon is not None else None
        try:
            return search_json(app, question, near, lang, limit)
        except BadRequest as exc:
            raise ToolError(exc.message) from None

    @server.tool()
    def plan_shopping_round(
        items: str,
        lat: float | None = None,
        lon: float | None = None,
        lang: str | None = None,
        at: str | None = None,
        exclude: list[str] | None = None,
    ) -> dict[str, Any]:
        """Plan a shopping round for a list ("bread, cheese, wine, flowers", or one item per line).

        Returns the fewest nearby independent shops (chains only when no independent sells an item,
        marked chain) that together sell every item and are open at ``at`` (ISO 8601; now when
        omitted), in the shortest walking order from lat/lon, with the walk's length and time, items
        nobody nearby sells, pickup and delivery, and map links. ``exclude`` swaps shops out by id.
        Returns the same JSON as GET /api/v1/round.
        """
        if (lat is None) != (lon is None):
            raise ToolError("give both lat and lon, or neither")
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ToolError("lat must be between -90 and 90 and lon between -180 and 180")
        near = (lat, lon) if lat is not None and lon is not None else None
        try:
            return round_json(app, items, near, lang, at, exclude)
        except BadRequest as exc:
            raise ToolError(exc.message) from None

    @server.tool()
    def get_business(id: str) -> dict[str, Any]:
        """One published business by id: products, hours, address and the owner's story (GET /api/v1/businesses/{id})."""
        business = public_business(app, id)
        if business is None:
            raise ToolError(f"no published business with id {id!r}")
        return business_json(business, public_url)

    return server


async def serve_stdio(settings: Settings) -> None:
    from concierge.app import open_app

    app = await open_app(settings)
    try:
        await build_server(app).run_stdio_async()
    finally:
        await app.close()
