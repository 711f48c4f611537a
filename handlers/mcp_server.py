"""The MCP server (stdio) for AI assistants: the same search and records as the public API.

What a client can rely on:
- each tool's output schema is the API's own schema (``Answer``, ``Business`` in /api/v1/openapi.json),
  and what a tool returns is checked against it by the client;
- both tools only read (``readOnlyHint``), change nothing and give the same answer for the same input;
- the server version is the installed package's;
- a wrong argument (a word where a number belongs, a latitude of 95) is a tool error naming the argument
  in plain words, never a validator's dump with links;
- an empty result list is an honest "nothing nearby fits", with a message saying so.
Links (``url`` of a business) use ``CONCIERGE_PUBLIC_URL``; ``concierge mcp`` warns when it is the local
default, and refuses outside loopback use (see ``Settings.public_url_problem``).
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.mcpserver.server import Context
from mcp.types import ToolAnnotations
from pydantic import ValidationError

from catalog.jsonld import OSM_CREDIT
from concierge.app import App
from concierge.errors import UserError
from concierge.settings import Settings
from handlers.web.api import MAX_RESULTS, business_json, public_business, search_json
from handlers.web.context import BadRequest
from handlers.web.openapi import json_schema
from handlers.web.round_api import round_json

INSTRUCTIONS = (
    "Independent neighbourhood businesses: what they sell, where they are, when they are open and their "
    "owners' stories. Use search_local_businesses for questions like 'where can I buy oat milk?' (an empty "
    "result list is an honest 'nothing nearby'), get_business for one record by id, and plan_shopping_round for a list of things to buy ('bread, cheese, "
    "wine, flowers'): the fewest nearby independent shops that sell them all, in a walking order. Records with a "
    f"source_id come from OpenStreetMap: {OSM_CREDIT}."
)

READ_ONLY = {
    "read_only_hint": True,
    "destructive_hint": False,
    "idempotent_hint": True,
    "open_world_hint": False,
}


def package_version() -> str:
    try:
        return version("concierge")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def argument_problems(error: ValidationError) -> str:
    """``lat: Input should be a valid number`` per wrong argument: pydantic's own short messages, without
    the input echo and documentation links of its full text."""
    lines = []
    for problem in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in problem["loc"]) or "arguments"
        lines.append(f"{where}: {problem['msg']}")
    return "invalid arguments: " + "; ".join(lines)


class ConciergeMCP(MCPServer[Any]):
    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(argument_problems(exc.__cause__)) from None
            raise


def build_server(app: App) -> MCPServer[Any]:
    server = ConciergeMCP(name="concierge", instructions=INSTRUCTIONS, version=package_version())
    public_url = app.settings.public_url

    @server.tool(
        annotations=ToolAnnotations(title="Search local businesses", **READ_ONLY), structured_output=True
    )
    def search_local_businesses(
        question: str,
        lat: float | None = None,
        lon: float | None = None,
        lang: str | None = None,
        limit: int = 3,
    ) -> dict[str, Any]:
        """Ask a question about local shops and services, as a resident would ask the bot.

        Give lat and lon (the asker's position) for distances. lang (nl, en, de, fr) is the answer's
        language; absent, the question's own; any other value gives the area's language with a notice.
        Returns the same JSON as GET /api/v1/search; an empty results list means nothing nearby fits.
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

    @server.tool(
        annotations=ToolAnnotations(title="Plan a shopping round", **READ_ONLY), structured_output=True
    )
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

    @server.tool(annotations=ToolAnnotations(title="Get one business", **READ_ONLY), structured_output=True)
    def get_business(id: str) -> dict[str, Any]:
        """One published business by id: products, hours, address, payment methods, wheelchair access and the owner's story (GET /api/v1/businesses/{id})."""
        business = public_business(app, id)
        if business is None:
            raise ToolError(f"no published business with id {id!r}")
        return business_json(business, public_url)

    for tool_name, schema in (
        ("search_local_businesses", "Answer"),
        ("get_business", "Business"),
        ("plan_shopping_round", "Round"),
    ):
        tool = server._tool_manager.get_tool(tool_name)
        assert tool is not None
        tool.fn_metadata.output_schema = json_schema(schema)  # read live by the SDK (FuncMetadata docs)
    return server


async def serve_stdio(settings: Settings) -> None:
    from concierge.app import open_app

    problem = settings.public_url_problem()
    if problem:
        raise UserError(problem)
    warning = settings.public_url_warning()
    if warning:
        print(f"concierge mcp: {warning}", file=sys.stderr, flush=True)
    app = await open_app(settings)
    try:
        await build_server(app).run_stdio_async()
    finally:
        await app.close()
