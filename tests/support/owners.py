"""The owners' and moderators' world: a copy of the demo neighbourhood per test, with moderator 900.

A pytest plugin: a test module that needs the ``app`` fixture below says
``pytest_plugins = ["tests.support.owners"]`` and talks to it with
:class:`tests.support.drivers.CoreDriver`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from concierge.app import App, open_app
from concierge.settings import Settings
from tests.support.drivers import CoreDriver

MODERATOR = 900
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)


def owner_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        admin_ids=frozenset({MODERATOR}),
        geocoder="offline",
        bot_username="concierge_test_bot",
        public_url="https://buurt.example",
        update_limit=1000,  # these owners click through whole flows many times a minute
    )


@pytest.fixture(scope="session")
def owner_demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("owner-demo") / "demo.db"

    async def build() -> None:
        app = await open_app(owner_settings(f"sqlite+aiosqlite:///{path}"), demo=True)
        await app.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def app(owner_demo_database: Path, tmp_path: Path) -> AsyncIterator[App]:
    database = tmp_path / "concierge.db"
    shutil.copy(owner_demo_database, database)
    opened = await open_app(owner_settings(f"sqlite+aiosqlite:///{database}"), migrate=False)
    try:
        yield opened
    finally:
        await opened.close()


async def run_steps(owner: CoreDriver, steps: list[tuple[str, object]]) -> None:
    """Walks ``steps``: ``("send", text)``, ``("press", label)``, ``("location", (lat, lon))`` or
    ``("photo", ref)``, the form the flow tests write their step lists in."""
    for kind, value in steps:
        if kind == "location":
            await owner.share_location(*value)  # type: ignore[misc]
        elif kind == "photo":
            await owner.send_photo(ref=str(value))
        else:
            await getattr(owner, kind)(value)


async def start_flow(owner: CoreDriver) -> None:
    """/mybusiness, then its first choice (a new listing, for someone who has none)."""
    await owner.cmd("mybusiness")
    await owner.press(owner.buttons()[0])
