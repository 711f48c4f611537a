"""`concierge mcp` over stdio, driven by the official MCP SDK's own client in a real subprocess."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp import Client, StdioServerParameters

from catalog.models import Business, Product
from handlers.web.openapi import openapi_document
from tests.support.mcp_support import CONCIERGE, payload, seeded_server
from tests.support.web_support import neighbourhood, seed


@pytest.fixture
async def server(tmp_path: Path) -> StdioServerParameters:
    return await seeded_server(tmp_path)


async def test_tools_are_listed_with_their_parameters(server: StdioServerParameters) -> None:
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) >= {"search_local_businesses", "get_business"}
    assert {"question", "lat", "lon", "lang"} <= set(
        tools["search_local_businesses"].input_schema["properties"]
    )
    assert tools["get_business"].input_schema["required"] == ["id"]


async def test_search_and_get_business_return_the_api_json(server: StdioServerParameters) -> None:
    async with Client(server) as client:
        answer = payload(
            await client.call_tool(
                "search_local_businesses",
                {"question": "oat milk", "lat": 52.0907, "lon": 5.1214, "lang": "en"},
            )
        )
        assert answer["query"] == "oat milk"
        assert answer["language"] == "en"
        assert {"understood", "results", "message"} <= set(answer)
        ids = {result["id"] for result in answer["results"]}
        assert "nog-niet-open" not in ids and "geheime-kaasboer" not in ids  # drafts, opted out
        record = payload(await client.call_tool("get_business", {"id": "fietsmaker-rijn"}))
        assert record["name"] == "Fietsmaker Rijn"
        assert record["url"] == "http://concierge.test/b/fietsmaker-rijn"
        assert record["attribution"]["license"].startswith("https://opendatacommons.org/licenses/odbl")
        assert "roles" not in record and "owner" not in json.dumps(record)


async def test_bad_input_is_a_tool_error_not_a_crash(server: StdioServerParameters) -> None:
    async with Client(server) as client:
        missing = await client.call_tool("get_business", {"id": "geheime-kaasboer"})
        assert missing.is_error
        bad = await client.call_tool(
            "search_local_businesses", {"question": "bread", "lat": 95.0, "lon": 5.0}
        )
        assert bad.is_error
        empty = await client.call_tool("search_local_businesses", {"question": "   "})
        assert empty.is_error
        huge = await client.call_tool("search_local_businesses", {"question": "bread " * 200})
        assert huge.is_error
        still_alive = await client.call_tool("get_business", {"id": "bloemen-bij-bo"})
        assert not still_alive.is_error


def _api_schema(name: str) -> dict[str, Any]:
    """The API's schema for ``name``, resolved against the OpenAPI document's own components."""
    document = openapi_document("http://concierge.test")
    schema = dict(document["components"]["schemas"][name])
    schema["components"] = document["components"]
    return schema


def _comparable(schema: dict[str, Any]) -> Any:
    text = json.dumps({k: v for k, v in schema.items() if k not in ("$schema", "$defs", "components")})
    return json.loads(text.replace("#/components/schemas/", "#/$defs/"))


async def test_tools_are_read_only_typed_like_the_api_and_versioned(server: StdioServerParameters) -> None:
    from importlib.metadata import version

    async with Client(server) as client:
        info = client.server_info
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        answer = await client.call_tool("search_local_businesses", {"question": "tulips", "lang": "nl"})
    assert info is not None and info.version == version("concierge") and info.version
    for name, schema in (("search_local_businesses", "Answer"), ("get_business", "Business")):
        tool = tools[name]
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
        assert tool.output_schema is not None
        assert _comparable(tool.output_schema) == _comparable(_api_schema(schema))
        assert set(tool.output_schema["$defs"]) >= {"Result"} or schema == "Business"
    assert not answer.is_error and answer.structured_content is not None
    jsonschema.validate(answer.structured_content, tools["search_local_businesses"].output_schema)
    assert answer.structured_content["results"][0]["id"] == "bloemen-bij-bo"


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"question": "bread", "lat": "north", "lon": 5.1}, "lat"),
        ({"question": "bread", "limit": "many"}, "limit"),
        ({"question": ["bread"]}, "question"),
        ({"question": "bread", "lat": 52.0, "lon": {"deg": 5}}, "lon"),
    ],
)
async def test_wrong_argument_types_are_clean_errors(
    server: StdioServerParameters, arguments: dict[str, Any], named: str
) -> None:
    async with Client(server) as client:
        result = await client.call_tool("search_local_businesses", arguments)
    assert result.is_error
    text = " ".join(getattr(part, "text", "") for part in result.content)
    assert named in text
    assert "http" not in text and "pydantic" not in text.lower() and "input_value" not in text


@pytest.fixture
async def parts_server(tmp_path: Path) -> StdioServerParameters:
    """The seeded area plus a bike shop selling "cargo bike parts": a nonsense question that shares only
    the generic word "parts" with it must not be answered with the bike shop."""
    url = f"sqlite+aiosqlite:///{tmp_path}/parts.db"
    bikes = Business(
        id="bakfiets-centrale",
        name="Bakfiets Centrale",
        categories=["shop=bicycle"],
        lat=52.0905,
        lon=5.1210,
        area_id="lindenhof",
        story_who="Sam.",
    )
    bikes.products = [Product(name="cargo bike parts", position=0)]
    await seed(url, [*neighbourhood(), bikes])
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONCIERGE_")}
    env["CONCIERGE_PUBLIC_URL"] = "http://concierge.test"
    return StdioServerParameters(command=CONCIERGE, args=["mcp", "--db", url], env=env, cwd=str(tmp_path))


@pytest.mark.parametrize("question", ["spaceship parts", "where can I buy a time machine?"])
async def test_nonsense_gets_an_honest_empty_answer(server: StdioServerParameters, question: str) -> None:
    async with Client(server) as client:
        answer = payload(
            await client.call_tool("search_local_businesses", {"question": question, "lang": "en"})
        )
    assert answer["results"] == [] and answer["message"]


async def test_a_generic_word_alone_does_not_answer_nonsense(parts_server: StdioServerParameters) -> None:
    async with Client(parts_server) as client:
        answer = payload(
            await client.call_tool("search_local_businesses", {"question": "spaceship parts", "lang": "en"})
        )
        bike = payload(
            await client.call_tool("search_local_businesses", {"question": "cargo bike parts", "lang": "en"})
        )
    assert [r["id"] for r in bike["results"]][:1] == ["bakfiets-centrale"]
    assert answer["results"] == []
