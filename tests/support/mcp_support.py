"""The MCP server as an AI assistant starts it (``concierge mcp`` on stdio), for the official client."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from mcp import StdioServerParameters

from tests.support.web_support import seed

CONCIERGE = str(Path(sys.executable).with_name("concierge"))
PUBLIC_URL = "http://concierge.test"


def payload(result: Any) -> dict[str, Any]:
    """A tool's JSON answer, from its structured content (or its text, for a plain tool)."""
    if result.structured_content:
        data = result.structured_content
        return data.get("result", data) if set(data) == {"result"} else data
    return json.loads(result.content[0].text)


async def seeded_server(tmp_path: Path) -> StdioServerParameters:
    """``concierge mcp`` over the seeded test neighbourhood, with no CONCIERGE_* setting but the public URL."""
    url = f"sqlite+aiosqlite:///{tmp_path}/mcp.db"
    await seed(url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONCIERGE_")}
    env["CONCIERGE_PUBLIC_URL"] = PUBLIC_URL
    return StdioServerParameters(command=CONCIERGE, args=["mcp", "--db", url], env=env, cwd=str(tmp_path))
