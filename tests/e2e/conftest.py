"""End-to-end tests: other processes (the CLI, workers), the Bot API emulator, headless Chromium, the MCP client.

Every test below this folder gets the ``e2e`` marker (see tests/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tiers import mark_tier


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_tier(items, Path(__file__).parent, "e2e")
