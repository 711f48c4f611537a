"""Integration tests: real SQLite, PostgreSQL and Redis, and the web app on a local socket, in this process.

Every test below this folder gets the ``integration`` marker (see tests/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tiers import mark_tier


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_tier(items, Path(__file__).parent, "integration")
