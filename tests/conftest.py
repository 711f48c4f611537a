"""Shared fixtures: migrated databases (SQLite and PostgreSQL) and Redis, read from settings.

PostgreSQL and Redis URLs come from ``CONCIERGE_TEST_POSTGRES_URL`` / ``CONCIERGE_TEST_REDIS_URL``.
Locally, tests that need them skip when unset; in CI (``CI=true``) a missing service is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import make_url

from catalog.db import upgrade

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


async def _fresh_postgres(server_url: str) -> tuple[str, str]:
    import asyncpg

    url = make_url(server_url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(
        user=url.username, password=url.password, host=url.host, port=url.port or 5432, database=url.database
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False), name


async def _drop_postgres(server_url: str, name: str) -> None:
    import asyncpg

    url = make_url(server_url)
    connection = await asyncpg.connect(
        user=url.username, password=url.password, host=url.host, port=url.port or 5432, database=url.database
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


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
    url, name = await _fresh_postgres(server)
    try:
        await upgrade(url)
        yield url
    finally:
        await _drop_postgres(server, name)


@pytest.fixture
async def postgres_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A freshly migrated PostgreSQL database of its own."""
    url, name = await _fresh_postgres(postgres_server_url)
    try:
        await upgrade(url)
        yield url
    finally:
        await _drop_postgres(postgres_server_url, name)
