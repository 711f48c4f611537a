"""Unit tests: pure code, no database (not even SQLite), no Redis, no sockets, no other processes.

Every test below this folder gets the ``unit`` marker (see tests/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tiers import mark_tier


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_tier(items, Path(__file__).parent, "unit")
