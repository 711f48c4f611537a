"""What an owner and a moderator do, end to end over aiogram, python-telegram-bot and the terminal chat.

Most owner logic is tested on the core (tests/integration/test_owner_*.py); these few flows check that every
runtime carries the guided flow, its buttons, documents and notifications to other chats, and that a
flow started on one runtime resumes on the other after a restart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from catalog import ownership
from catalog.models import Business
from concierge.app import App, open_app
from concierge.deeplinks import short_ref
from concierge.routing import Conversation
from tests.e2e.scenarios.conftest import DRIVERS
from tests.support.botapi_emulator import BotAPIEmulator
from tests.support.drivers import Driver, TelegramDriver, TerminalDriver, expect, telegram_bot

pytestmark = pytest.mark.filterwarnings("ignore:Please use 'Bot:UserWarning")

STEPS_EN: list[tuple[str, object]] = [
    ("send", "Bakkerij <b>Proef</b>"),
    ("send", "bakery"),
    ("press", 1),
    ("send", "Kastanjeplein 7"),
    ("press", "Yes, that's it"),
    ("press", "Help me build them"),
    ("press", "Tuesday to Saturday"),
    ("send", "8:30-17:30"),
    ("press", "No lunch break"),
    ("press", "That's all"),
    ("press", "Open as usual"),
    ("press", "Yes, that's right"),
    ("send", "spelt bread\ncroissants"),
    ("send", "Croissants\nrye bread"),
    ("press", "Done"),
    ("send", "Ann & Bob"),
    ("press", "Skip"),
    ("press", "Skip"),
    ("press", "Skip"),
    ("send", "023 123 4567"),
    ("send", "example.org"),
    ("press", "Yes"),
    ("press", "By bike"),
    ("press", "Card"),
    ("press", "Contactless"),
    ("press", "Done"),
    ("press", "Partly"),
]
STEPS_NL: list[tuple[str, object]] = [
    ("send", "Fietsmaker Spaak"),
    ("send", "fietsenmaker"),
    ("press", 1),
    ("location", (52.3871, 4.6561)),
    ("send", "di t/m za 9-18 uur, zondag dicht"),
    ("press", "Ja, klopt"),
    ("send", "band plakken"),
    ("press", "Klaar"),
    *[("press", "Overslaan")] * 6,
    ("send", "nee"),
    ("send", "met de fiets"),
    ("send", "pin en contant"),
    ("send", "ja"),
]


async def run(driver: Driver, steps: list[tuple[str, object]]) -> None:
    for kind, value in steps:
        if kind == "location":
            await driver.share_location(*value)  # type: ignore[misc]
        elif kind == "press":
            await driver.press(value)  # type: ignore[arg-type]
        else:
            await driver.send(str(value))


async def test_owner_creates_a_listing_and_a_moderator_approves_it(person: Driver, app: App) -> None:
    moderator = person.other_user("en")
    app.settings.admin_ids = frozenset({moderator.user_id})
    await moderator.send("/start")
    await person.send("/start")
    await person.press("I have a business here")
    await person.press("Create a new listing")
    await run(person, STEPS_EN)
    expect(person, "Bakkerij <b>Proef</b>", "Tue–Sat 8:30–17:30", "spelt bread, croissants, rye bread")
    expect(person, "Pay: card, contactless", "Wheelchair: partly accessible")
    await person.press("Submit")
    expect(person, "moderators")
    await moderator.send("/moderate")
    expect(moderator, "Bakkerij <b>Proef</b>", "New listing")
    await moderator.press("Approve")
    expect(moderator, "published")
    resident = person.other_user("en")
    await resident.send("rye bread")
    expect(resident, "Bakkerij <b>Proef</b>")


async def test_a_dutch_owner_with_a_pin(person: Driver, app: App) -> None:
    owner = person.other_user("nl")
    await owner.send("/mybusiness")
    await owner.press("Nieuwe vermelding maken")
    await run(owner, STEPS_NL)
    expect(owner, "Zo zien buurtbewoners je vermelding")
    await owner.press("Insturen")
    expect(owner, "moderators")
    async with app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Fietsmaker Spaak"))
        assert business is not None and business.status == "pending"
        assert business.opening_hours == "Tu-Sa 09:00-18:00; Su off"
        assert (business.pickup, business.delivery) == (False, "bike"), "typed answers where buttons are"
        assert (business.payment, business.wheelchair) == (["cash", "card"], "yes")


@contextlib.asynccontextmanager
async def frozen_driver(
    name: str, app: App, emulator: BotAPIEmulator, now: dt.datetime, lang: str
) -> AsyncIterator[Driver]:
    """One of the three drivers with the conversation's clock stopped at ``now``."""
    if name == "terminal":
        yield TerminalDriver(Conversation(app, clock=lambda: now), language_code=lang)
        return
    async with telegram_bot(name, app, emulator, conversation=Conversation(app, clock=lambda: now)) as driver:
        yield driver.other_user(lang)


async def press_on_card(driver: Driver, label: str) -> None:
    """A button on an earlier message of the last reply (Telegram drivers remember the last keyboard)."""
    if not isinstance(driver, TelegramDriver):
        await driver.press(label)
        return
    for call in driver.calls:
        rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
        for button in (b for row in rows for b in row):
            if button["text"] == label and isinstance(call.result, dict):
                await driver.callback(call.result["message_id"], button["callback_data"])
                return
    raise AssertionError(f"no button {label!r} in the last reply")


@pytest.mark.parametrize("name", DRIVERS)
async def test_closure_dates_in_words_and_a_question_leaves_the_step(
    name: str, app: App, emulator: BotAPIEmulator
) -> None:
    today = dt.datetime(2026, 12, 6, 10, tzinfo=dt.UTC)
    async with frozen_driver(name, app, emulator, today, "nl") as owner:
        async with app.sessions.begin() as session:
            await ownership.add_role(session, "bakkerij-de-gouden-korst", owner.user_id, "owner", "nl")
        await owner.send("/mybusiness")
        await press_on_card(owner, "Tijdelijk dicht")
        await owner.send("dicht van 24 december t/m 2 januari")
        expect(owner, "Opgeslagen", "24 december", "2 januari 2027")
        await press_on_card(owner, "Tijdelijk dicht")
        await owner.send("waar kan ik brood kopen?")
        expect(owner, "Ik wacht daar niet meer op je antwoord", "Gouden Korst")
    async with app.sessions() as session:
        business = await session.get(Business, "bakkerij-de-gouden-korst")
        assert business is not None
        assert (business.closed_from, business.closed_until) == (dt.date(2026, 12, 24), dt.date(2027, 1, 2))


async def test_export_and_delete_through_telegram(telegram_person: TelegramDriver, app: App) -> None:
    owner = telegram_person
    bakery = "bakkerij-de-gouden-korst"
    async with app.sessions.begin() as session:
        await ownership.add_role(session, bakery, owner.user_id, "owner", "en")
    await owner.send("/mybusiness")
    expect(owner, "Bakkerij De Gouden Korst", "Published")
    card = next(c.result["message_id"] for c in owner.calls if isinstance(c.result, dict))
    await owner.callback(card, f"o:x:{short_ref(bakery)}:export")
    documents = [c for c in owner.calls if c.method == "sendDocument"]
    assert len(documents) == 5 and all(c.ok for c in documents), "JSON, JSON-LD, roles, history, statistics"
    await owner.callback(card, f"o:x:{short_ref(bakery)}:delete")
    await owner.press("Yes, delete everything")
    expect(owner, "deleted")
    async with app.sessions() as session:
        assert await session.get(Business, bakery) is None
    resident = owner.other_user("en")
    await resident.send("speltbrood")
    assert "Gouden Korst" not in resident.replies[-1]


async def test_a_forged_callback_is_refused(telegram_person: TelegramDriver, app: App) -> None:
    bakery = "bakkerij-de-gouden-korst"
    await telegram_person.send("/mybusiness")
    message_id = next(c.result["message_id"] for c in telegram_person.calls if isinstance(c.result, dict))
    for data in (f"o:e:{short_ref(bakery)}:name", f"o:del:{short_ref(bakery)}", "mod:a:1"):
        reply = await telegram_person.callback(message_id, data)
        assert "cannot" in reply, data
    assert app.search.business(bakery) is not None


async def test_a_flow_resumes_after_a_restart_on_the_other_runtime(
    app: App, emulator: BotAPIEmulator
) -> None:
    async with telegram_bot("aiogram", app, emulator) as first:
        await first.send("/mybusiness")
        await first.press("Create a new listing")
        await run(first, STEPS_EN[:14])
        user = first.user
    restarted = await open_app(app.settings, migrate=False)
    try:
        async with telegram_bot("ptb", restarted, emulator) as second:
            second.user = user
            await second.send("/mybusiness")
            expect(second, "Welcome back", "spelt bread, croissants, rye bread")
            await run(second, STEPS_EN[14:])
            await second.press("Submit")
            expect(second, "moderators")
    finally:
        await restarted.close()
    async with app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Bakkerij <b>Proef</b>"))
        assert business is not None and business.status == "pending"
        assert json.dumps(business.categories) == '["shop=bakery"]'


async def test_a_renamed_listing_waits_for_a_moderator(telegram_person: TelegramDriver, app: App) -> None:
    person = telegram_person
    bakery = "bakkerij-de-gouden-korst"
    moderator = person.other_user("de")
    app.settings.admin_ids = frozenset({moderator.user_id})
    await moderator.send("/moderate")
    async with app.sessions.begin() as session:
        await ownership.add_role(session, bakery, person.user_id, "owner", "en")
    await person.send("/mybusiness")
    card = next(c.result["message_id"] for c in person.calls if isinstance(c.result, dict))
    await person.callback(card, f"o:e:{short_ref(bakery)}:name")
    await person.send("Korst & Co")
    expect(person, "a moderator looks at it first", "Waiting for a moderator: Name")
    resident = person.other_user("en")
    await resident.send("speltbrood")
    expect(resident, "Bakkerij De Gouden Korst")
    await moderator.send("/moderate")
    expect(moderator, "Änderung wartet auf Freigabe", "→ Korst & Co")
    await moderator.press("Freigeben")
    await resident.send("speltbrood")
    expect(resident, "Korst & Co")
