"""A resident sends a shopping list: the round, its Swap and Story buttons and the route, over
aiogram, python-telegram-bot and the terminal chat, at frozen moments.

Expected shops follow from the demo catalogue's facts: on a Tuesday at noon Bloemist Madelief is the
only open shop listing flowers; on a Monday at noon the cheese shop and the deli are closed (their
hours say Tu-Fr / Tu-Sa), so cheese comes from the supermarket chain, labelled as such.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from catalog.models import Business, BusinessRole, Owner
from catalog.views import BusinessView
from concierge.app import App
from concierge.routing import Conversation
from tests.botapi_emulator import BotAPIEmulator
from tests.scenarios.conftest import DRIVERS
from tests.scenarios.drivers import Driver, TerminalDriver, expect, telegram_bot

pytestmark = pytest.mark.filterwarnings("ignore:Please use 'Bot:UserWarning")

TUESDAY_NOON = dt.datetime(2026, 12, 8, 11, 0, tzinfo=dt.UTC)
MONDAY_NOON = dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC)


@dataclass
class Clock:
    now: dt.datetime = TUESDAY_NOON

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=DRIVERS)
async def shopper(
    request: pytest.FixtureRequest, app: App, emulator: BotAPIEmulator, clock: Clock
) -> AsyncIterator[Driver]:
    if request.param == "terminal":
        yield TerminalDriver(Conversation(app, clock=clock))
        return
    async with telegram_bot(request.param, app, emulator, clock=clock) as driver:
        yield driver


def stops(reply: str, app: App) -> list[BusinessView]:
    """The shops of a round message, in their order ("1. Name · 70 m · open now")."""
    by_name = {b.name: b for b in app.search.businesses()}
    names = re.findall(r"^\d+\. (.+?) · ", reply, flags=re.MULTILINE)
    return [by_name[name] for name in names if name in by_name]


async def test_a_list_gets_a_round_with_story_swap_and_route_buttons(shopper: Driver, app: App) -> None:
    await shopper.send("bread, cheese, wine, flowers")
    reply = expect(shopper, "Your shopping round", "Bloemist Madelief", "there and back")
    shops = stops(reply, app)
    assert 2 <= len(shops) <= 4, reply
    assert len({s.id for s in shops}) == len(shops)
    buttons = shopper.buttons()
    assert [f"{n}. Story" for n in range(1, len(shops) + 1)] == [b for b in buttons if b.endswith("Story")]
    assert [f"Swap {n}" for n in range(1, len(shops) + 1)] == [b for b in buttons if b.startswith("Swap")]
    assert "Whole route on the map" in buttons
    florist = next(s for s in shops if s.id == "bloemist-madelief")
    assert florist.delivery == "bike"
    assert "delivery by bike courier" in reply


async def test_swap_replaces_the_shop_in_the_same_message(shopper: Driver, app: App) -> None:
    await shopper.send("bread, cheese, wine, flowers")
    first = stops(shopper.replies[-1], app)[0]
    message = shopper.message_of("Swap 1")
    await shopper.press("Swap 1")
    assert message is not None and message in shopper.edited(), "the round is edited in place"
    after = stops(shopper.replies[-1], app)
    assert after and first.id not in {s.id for s in after}


async def test_story_button_shows_the_shops_own_story(shopper: Driver, app: App) -> None:
    await shopper.send("gitaarsnaren, rozen")
    shops = stops(shopper.replies[-1], app)
    assert {s.id for s in shops} == {"muziekhuis-toonkunst", "bloemist-madelief"}
    await shopper.press("1. Story")
    expect(shopper, shops[0].name, shops[0].story_who[:40])


async def test_one_item_per_line_and_an_item_nobody_sells(shopper: Driver) -> None:
    await shopper.send("rozen\ngitaarsnaren\nsushi")
    expect(shopper, "Muziekhuis Toonkunst", "Bloemist Madelief", "Nobody nearby sells: sushi.")


async def test_a_german_resident_gets_german_texts(shopper: Driver) -> None:
    german = shopper.other_user("de")
    await german.send("ich brauche Gitarrensaiten und Rosen, und Blumen")
    expect(german, "Deine Einkaufsrunde", "hin und zurück", "Bloemist Madelief")


async def test_a_chain_only_when_no_independent_is_open_and_labelled(
    shopper: Driver, app: App, clock: Clock
) -> None:
    clock.now = MONDAY_NOON
    await shopper.send("kaas, rozen")
    reply = expect(shopper, "Bloemist Madelief", "chain store")
    chain = next(b for b in stops(reply, app) if not b.independent)
    block = reply.split(chain.name, 1)[1].split("\n\n", 1)[0]
    assert "chain store" in block, "the label sits with the chain's own stop"


async def test_a_single_question_is_still_a_question(shopper: Driver) -> None:
    await shopper.send("waar kan ik gitaarsnaren kopen?")
    reply = expect(shopper, "Muziekhuis Toonkunst")
    assert "Swap 1" not in shopper.buttons() and "shopping round" not in reply.casefold()


def user_id_of(driver: Driver) -> int:
    return driver.session.user_id if isinstance(driver, TerminalDriver) else int(driver.user_id)  # type: ignore[attr-defined]


async def test_what_five_residents_asked_in_vain_reaches_an_owner_who_could_sell_it(
    shopper: Driver, app: App
) -> None:
    owner = user_id_of(shopper)
    async with app.sessions.begin() as session:
        session.add(
            Business(
                id="sushi-plans",
                name="Sushi Plans",
                categories=["amenity=restaurant"],
                lat=52.3865,
                lon=4.6551,
                area_id="kastanjebuurt-demo",
                status="draft",
            )
        )
        session.add(Owner(user_id=owner))
        session.add(BusinessRole(business_id="sushi-plans", user_id=owner, role="owner"))
    wish = "Asked {n} times this month in the neighbourhood, sold nowhere nearby: sushi"
    for n in range(1, 6):
        resident = shopper.other_user("nl")
        await resident.send("waar kan ik verse sushi kopen?")
        expect(resident, "sushi")
        await shopper.send("/mybusiness")
        reply = expect(shopper, "Sushi Plans")
        assert (wish.format(n=n) in reply) is (n == 5), reply


async def test_a_long_list_fits_one_message_and_says_what_was_left_out(shopper: Driver, app: App) -> None:
    long_list = (
        "brood, kaas, wijn, bloemen, vis, vlees, groente, koffie, thee, boeken, speelgoed, "
        "gitaarsnaren, batterijen"
    )
    await shopper.send(long_list)
    reply = expect(shopper, "Your shopping round", "I planned the first 12 items of your list.")
    shops = stops(reply, app)
    assert len(shops) >= 6, reply
    assert len([b for b in shopper.buttons() if b.startswith("Swap")]) == len(shops)
