"""Issue 12, items 1, 2, 3 and 11 as a resident meets them, on aiogram, python-telegram-bot and the
terminal chat alike, with a frozen clock: the true next opening, hours in words and a closure on the
story card, chains after the independents and labelled, and equal shops taking turns over 30 days.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from catalog.db import create_engine, session_factory, upgrade
from catalog.importers import import_file
from concierge.app import App, open_app
from concierge.routing import Conversation
from tests.botapi_emulator import BotAPIEmulator
from tests.scenarios.conftest import DRIVERS, _settings
from tests.scenarios.drivers import Driver, TerminalDriver, expect, telegram_bot

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CENTRE = (52.0900, 5.1200)
METRE = 1 / 110_574


def _shop(id: str, name: str, north_m: float, category: str) -> dict[str, object]:
    return {
        "id": id,
        "name": name,
        "categories": [category],
        "lat": CENTRE[0] + north_m * METRE,
        "lon": CENTRE[1],
    }


CATALOGUE = {
    "area": {
        "name": "Testwijk",
        "city": "Utrecht",
        "center": list(CENTRE),
        "radius_m": 1500,
        "country": "NL",
    },
    "businesses": [
        _shop("repaircafe", "Reparatiecafé De Werkbank", 200, "craft=repair")
        | {"opening_hours": "We[3] 19:00-21:30", "services": ["fietsreparatie"]},
        _shop("bakkerij-dicht", "Bakkerij Dicht", -150, "shop=bakery")
        | {
            "opening_hours": "Mo-Fr 09:00-17:00",
            "products": ["croissants"],
            "closed_from": "2026-12-01",
            "closed_until": "2027-01-05",
        },
        _shop("keten-noord", "Natuurketen Noord", 60, "shop=health_food")
        | {"products": ["havermelk"], "independent": False},
        _shop("groene-winkel", "De Groene Winkel", 300, "shop=health_food") | {"products": ["havermelk"]},
        _shop("zuivelhuis", "Het Zuivelhuis", 1000, "shop=health_food") | {"products": ["havermelk"]},
        _shop("fietsen-oost", "Fietsen Oost", 315, "shop=bicycle"),
        _shop("fietsen-west", "Fietsen West", -312, "shop=bicycle"),
    ],
}


class Clock:
    """The frozen clock every driver's conversation reads; a scenario moves it on by hand."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def app(tmp_path: Path, emulator: BotAPIEmulator) -> AsyncIterator[App]:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(CATALOGUE), encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path}/answers.db"
    await upgrade(url)
    engine = create_engine(url)
    try:
        await import_file(session_factory(engine), path, "catalogue", None, False)
    finally:
        await engine.dispose()
    opened = await open_app(_settings(tmp_path / "answers.db", emulator.url), migrate=False)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 12, 15, 10, 0, tzinfo=AMSTERDAM))


@pytest.fixture(params=DRIVERS)
async def resident(
    request: pytest.FixtureRequest, app: App, emulator: BotAPIEmulator, clock: Clock
) -> AsyncIterator[Driver]:
    conversation = Conversation(app, clock=clock)
    if request.param == "terminal":
        yield TerminalDriver(conversation)
        return
    async with telegram_bot(request.param, app, emulator, conversation=conversation) as driver:
        yield driver


async def test_item_1_a_monthly_evening_opens_tomorrow(resident: Driver) -> None:
    await resident.send("bike repair")
    expect(resident, "Reparatiecafé De Werkbank", "opens tomorrow at 19:00")


async def test_item_2_the_story_card_says_hours_in_words_and_the_closure(
    resident: Driver, clock: Clock
) -> None:
    clock.now = dt.datetime(2026, 12, 24, 10, 0, tzinfo=AMSTERDAM)
    await resident.send("croissants")
    expect(resident, "Bakkerij Dicht", "closed until 5 January")
    card = await resident.press("1. Story")
    assert "Closed until 5 January" in card and "Mon–Fri 9:00–17:00" in card, card
    assert "Mo-Fr" not in card


async def test_item_3_chains_come_after_the_independents_and_are_labelled(resident: Driver) -> None:
    await resident.share_location(*CENTRE)
    reply = await resident.send("oat milk")
    names = ["De Groene Winkel", "Het Zuivelhuis", "Natuurketen Noord (chain store)"]
    positions = [reply.find(name) for name in names]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), reply
    assert reply.count("(chain store)") == 1, reply


async def test_item_11_two_equal_bike_shops_share_thirty_days(resident: Driver, clock: Clock) -> None:
    firsts: Counter[str] = Counter()
    for day in range(30):
        clock.now = dt.datetime(2026, 12, 1, 11, 0, tzinfo=AMSTERDAM) + dt.timedelta(days=day)
        # A neighbour a day (the area's centre is between the two shops): one person asking thirty
        # times in a few seconds would rightly be asked to slow down.
        reply = await resident.other_user("en").send("bicycle shop")
        east, west = reply.find("Fietsen Oost"), reply.find("Fietsen West")
        assert east >= 0 and west >= 0, reply
        firsts["Fietsen Oost" if east < west else "Fietsen West"] += 1
    assert firsts == {"Fietsen Oost": 15, "Fietsen West": 15}
