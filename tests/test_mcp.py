"""`concierge mcp` over stdio, driven by the official MCP SDK's own client in a real subprocess."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.web_support import seed

CONCIERGE = str(Path(sys.executable).with_name("concierge"))


def _payload(result: Any) -> dict[str, Any]:
    if result.structured_content:
        data = result.structured_content
        return data.get("result", data) if set(data) == {"result"} else data
    return json.loads(result.content[0].text)


@pytest.fixture
async def server(tmp_path: Path) -> StdioServerParameters:
    url = f"sqlite+aiosqlite:///{tmp_path}/mcp.db"
    await seed(url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONCIERGE_")}
    env["CONCIERGE_PUBLIC_URL"] = "http://concierge.test"
    return StdioServerParameters(command=CONCIERGE, args=["mcp", "--db", url], env=env, cwd=str(tmp_path))


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
        answer = _payload(
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
        record = _payload(await client.call_tool("get_business", {"id": "fietsmaker-rijn"}))
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
