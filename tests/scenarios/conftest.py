"""Each scenario gets a fresh copy of a database holding the demo neighbourhood, and a driver.

Every driver's conversation runs on a frozen clock (:data:`FROZEN_AT`), so opening states and
expiries are the same on every run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from concierge.app import App, open_app
from concierge.routing import Conversation
from concierge.settings import Settings
from tests.botapi_emulator import BotAPIEmulator
from tests.scenarios.drivers import Driver, TerminalDriver, telegram_bot

BOT_USERNAME = "concierge_test_bot"
DRIVERS = ("aiogram", "ptb", "terminal")
FROZEN_AT = dt.datetime(2026, 12, 9, 10, 30, tzinfo=dt.UTC)
"""A Wednesday, 11:30 in Amsterdam."""


def frozen_clock() -> dt.datetime:
    return FROZEN_AT


def _settings(database: Path, api_url: str = "http://127.0.0.1:9") -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{database}",
        bot_token=SecretStr("123:ABC"),
        telegram_api_url=api_url,
        bot_username=BOT_USERNAME,
    )


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated and loaded once; loading the demo takes seconds, copying the file milliseconds."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"

    async def build() -> None:
        app = await open_app(_settings(path), demo=True)
        await app.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(bot_username=BOT_USERNAME) as emulator:
        yield emulator


@pytest.fixture
async def app(demo_database: Path, tmp_path: Path, emulator: BotAPIEmulator) -> AsyncIterator[App]:
    database = tmp_path / "concierge.db"
    shutil.copy(demo_database, database)
    app = await open_app(_settings(database, emulator.url), migrate=False)
    try:
        yield app
    finally:
        await app.close()


@pytest.fixture(params=DRIVERS)
async def person(request: pytest.FixtureRequest, app: App, emulator: BotAPIEmulator) -> AsyncIterator[Driver]:
    """A resident writing to the bot in a private chat, in English, over one of the three drivers."""
    if request.param == "terminal":
        yield TerminalDriver(Conversation(app, clock=frozen_clock))
        return
    async with telegram_bot(request.param, app, emulator, frozen_clock) as driver:
        yield driver


@pytest.fixture(params=DRIVERS[:2])
async def telegram_person(
    request: pytest.FixtureRequest, app: App, emulator: BotAPIEmulator
) -> AsyncIterator[Driver]:
    """The same, for what only Telegram has: stickers, forged callbacks, inline mode."""
    async with telegram_bot(request.param, app, emulator, frozen_clock) as driver:
        yield driver
