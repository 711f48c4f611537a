"""GET /api/v1/round over a real socket, and the plan_shopping_round MCP tool through the official
MCP client in a real ``concierge mcp`` subprocess, over the seeded Lindenhof neighbourhood.

Expected shops come from the seed: the bakery lists sourdough bread (Mo-Fr 08-18), the florist lists
tulips (Tu-Sa 09-17:30), the cheese shop has opted out of the public web and must never appear.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.support.mcp_support import payload, seeded_server
from tests.support.web_support import running

TUESDAY_NOON = "2026-12-08T12:00"  # local time of the area (no offset)
BAKERY = (52.0907, 5.1214)


async def test_a_round_through_the_api(tmp_path: Path) -> None:
    async with running(f"sqlite+aiosqlite:///{tmp_path}/api.db") as (_, client):
        response = await client.get(
            "/api/v1/round",
            params={
                "items": "sourdough bread, tulips, cheese",
                "lat": str(BAKERY[0]),
                "lon": str(BAKERY[1]),
                "lang": "en",
                "at": TUESDAY_NOON,
            },
        )
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
    assert body["language"] == "en"
    assert body["at"] == "2026-12-08T12:00:00+01:00"
    stops = {stop["id"]: stop for stop in body["stops"]}
    assert {"bakkerij-de-korenbloem", "bloemen-bij-bo"} <= set(stops)
    assert stops["bakkerij-de-korenbloem"]["items"][0] == "sourdough bread"
    assert stops["bloemen-bij-bo"]["items"] == ["tulips"]
    assert "geheime-kaasboer" not in json.dumps(body), "opted out of the public web"
    assert [stop["order"] for stop in body["stops"]] == list(range(1, len(body["stops"]) + 1))
    assert body["walk_m"] > 0 and body["walk_min"] > 0
    assert body["route_url"].startswith("https://graphhopper.com/maps/?point=52.09070%2C5.12140")
    assert all(
        stop["directions_url"].startswith("https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot")
        for stop in body["stops"]
    )


async def test_swapping_out_through_the_api(tmp_path: Path) -> None:
    async with running(f"sqlite+aiosqlite:///{tmp_path}/api.db") as (_, client):
        response = await client.get(
            "/api/v1/round",
            params={"items": "tulips\nbike repair", "at": TUESDAY_NOON, "exclude": "bloemen-bij-bo"},
        )
        body = await response.json()
    ids = [stop["id"] for stop in body["stops"]]
    assert "fietsmaker-rijn" in ids and "bloemen-bij-bo" not in ids
    # the florist was the only independent with tulips: now a chain (labelled) or nobody
    tulips = [stop for stop in body["stops"] if "tulips" in stop["items"]]
    assert all(stop["chain"] for stop in tulips)
    assert tulips or body["items"][0]["status"] == "missing"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "missing_items"),
        ({"items": "   "}, "missing_items"),
        ({"items": "x" * 2001}, "items_too_long"),
        ({"items": "bread", "lat": "52.1"}, "bad_parameter"),
        ({"items": "bread", "at": "next tuesday"}, "bad_parameter"),
    ],
)
async def test_bad_input_is_a_clear_400(tmp_path: Path, params: dict[str, str], code: str) -> None:
    async with running(f"sqlite+aiosqlite:///{tmp_path}/api.db") as (_, client):
        response = await client.get("/api/v1/round", params=params)
        assert response.status == 400
        assert (await response.json())["error"]["code"] == code


@pytest.fixture
async def server(tmp_path: Path) -> StdioServerParameters:
    return await seeded_server(tmp_path)


async def test_the_mcp_tool_plans_a_round(server: StdioServerParameters) -> None:
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {"items", "lat", "lon", "lang", "at", "exclude"} <= set(
            tools["plan_shopping_round"].input_schema["properties"]
        )
        body = payload(
            await client.call_tool(
                "plan_shopping_round",
                {
                    "items": "sourdough bread, tulips",
                    "lat": BAKERY[0],
                    "lon": BAKERY[1],
                    "lang": "de",
                    "at": TUESDAY_NOON,
                },
            )
        )
        assert {stop["id"] for stop in body["stops"]} == {"bakkerij-de-korenbloem", "bloemen-bij-bo"}
        assert "zu Fuß" in body["message"]
        bad = await client.call_tool("plan_shopping_round", {"items": "bread", "lat": 52.0})
        assert bad.is_error
        empty = await client.call_tool("plan_shopping_round", {"items": "  "})
        assert empty.is_error
