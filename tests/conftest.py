"""Shared fixtures: migrated databases (SQLite and PostgreSQL) and Redis, read from settings.

PostgreSQL and Redis URLs come from ``CONCIERGE_TEST_POSTGRES_URL`` / ``CONCIERGE_TEST_REDIS_URL``.
Locally, tests that need them skip when unset; in CI (``CI=true``) a missing service is a failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

pytest.register_assert_rewrite("tests.support")  # asserts in drivers and helpers explain themselves

from catalog.db import upgrade  # noqa: E402
from tests.support.postgres_support import create_database, drop_database  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"


def _service_url(name: str) -> str:
    url = os.environ.get(name, "")
    if not url:
        if IN_CI:
            pytest.fail(f"{name} must be set in CI")
        pytest.skip(f"{name} is not set")
    return url


@pytest.fixture
def postgres_server_url() -> str:
    return _service_url("CONCIERGE_TEST_POSTGRES_URL")


@pytest.fixture
def redis_url() -> str:
    return _service_url("CONCIERGE_TEST_REDIS_URL")


@pytest.fixture
def sqlite_url(tmp_path: pytest.TempPathFactory) -> Iterator[str]:
    yield f"sqlite+aiosqlite:///{tmp_path}/concierge.db"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """A freshly migrated database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/concierge.db"
        await upgrade(url)
        yield url
        return
    server = _service_url("CONCIERGE_TEST_POSTGRES_URL")
    url, name = await create_database(server)
    try:
        await upgrade(url)
        yield url
    finally:
        await drop_database(server, name)


@pytest.fixture
async def postgres_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A freshly migrated PostgreSQL database of its own."""
    url, name = await create_database(postgres_server_url)
    try:
        await upgrade(url)
        yield url
    finally:
        await drop_database(postgres_server_url, name)
