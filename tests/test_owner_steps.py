"""No traps (issue 14, item 6): a question or a command typed while a step waits for typed text leaves
the step, says so and is handled as usual; two unreadable answers offer buttons; a single typed
answer expires after a day, and an unfinished listing stops reading messages as its answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from catalog.models import FlowState
from concierge.app import App
from concierge.deeplinks import short_ref
from concierge.owners import steps
from concierge.routing import Conversation
from tests.test_owner_editing import BAKERY, give, listing
from tests.test_owner_flow import start_flow
from tests.test_owner_support import Chat

pytest_plugins = ["tests.test_owner_support"]

OWNER = 611
DAY0 = dt.datetime(2026, 12, 6, 10, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = DAY0

    def __call__(self) -> dt.datetime:
        return self.now


async def stored(app: App) -> dict[str, object] | None:
    async with app.sessions() as session:
        row = await session.scalar(select(FlowState).where(FlowState.key == f"owner:{OWNER}"))
        return None if row is None else dict(row.data)


async def closure_step(app: App, lang: str = "nl") -> tuple[Chat, Clock]:
    await give(app, OWNER)
    clock = Clock()
    owner = Chat(Conversation(app, clock=clock), OWNER, lang)
    await owner.data(f"o:x:{short_ref(BAKERY)}:closed")
    return owner, clock


async def test_a_question_leaves_a_date_step_and_is_answered(app: App) -> None:
    owner, _clock = await closure_step(app)
    await owner.send("waar kan ik brood kopen?")
    said = owner.said()
    assert "Ik wacht daar niet meer op je antwoord" in said
    assert "Gouden Korst" in said, "the question is answered as a resident's"
    assert "geen datum" not in said
    assert await stored(app) is None
    await owner.send("croissants")
    assert "geen datum" not in owner.said()


async def test_a_command_leaves_a_date_step(app: App) -> None:
    owner, _clock = await closure_step(app, "en")
    await owner.cmd("mybusiness")
    assert "I stopped waiting for your answer there" in owner.said()
    assert "Bakkerij De Gouden Korst" in owner.said(), "the listing overview, as /mybusiness shows it"
    assert await stored(app) is None


async def test_two_unreadable_answers_offer_buttons(app: App) -> None:
    owner, _clock = await closure_step(app, "en")
    await owner.send("after the holidays")
    assert "could not read a date" in owner.said() and "For a week" not in owner.labels()
    await owner.send("soonish")
    assert "still could not read a date" in owner.said()
    assert {"Closed today", "Today and tomorrow", "For a week", "Open again", "Cancel"} <= set(owner.labels())
    await owner.press("For a week")
    assert "Saved." in owner.said()
    business = await listing(app)
    assert (business.closed_from, business.closed_until) == (dt.date(2026, 12, 6), dt.date(2026, 12, 12))


async def test_a_typed_answer_step_expires_after_a_day(app: App) -> None:
    owner, clock = await closure_step(app)
    clock.now = DAY0 + steps.STEP_TTL - dt.timedelta(minutes=1)
    await owner.send("nog even niet")
    assert "geen datum" in owner.said(), "within the day the step still reads the answer"
    clock.now = DAY0 + steps.STEP_TTL + dt.timedelta(hours=2)
    await owner.send("brood")
    assert "geen datum" not in owner.said() and "Gouden Korst" in owner.said()
    assert await stored(app) is None


async def test_a_question_during_the_listing_flow_puts_it_aside(app: App) -> None:
    clock = Clock()
    owner = Chat(Conversation(app, clock=clock), OWNER, "nl")
    await start_flow(owner)
    await owner.send("Kaasboer Bart")
    await owner.send("where can I buy bread")
    said = owner.said()
    assert "vermelding even opzijgelegd" in said and "Gouden Korst" in said
    await owner.send("croissants")
    assert "Gouden Korst" in owner.said() or "croissant" in owner.said().casefold()
    assert (await stored(app) or {}).get("state") == "category", "the listing waits where it was"
    await owner.cmd("mybusiness")
    assert "Welkom terug" in owner.said()
    await owner.send("kaaswinkel")
    assert (await stored(app) or {}).get("state") == "category" and owner.labels(), "suggestions shown"
    await owner.cmd("language")
    assert (await stored(app) or {}).get("paused") is None, "/language is answered without leaving"


async def test_an_unfinished_listing_left_for_a_day_stops_reading_messages(app: App) -> None:
    clock = Clock()
    owner = Chat(Conversation(app, clock=clock), OWNER, "en")
    await start_flow(owner)
    await owner.send("Cheese Bart")
    clock.now = DAY0 + dt.timedelta(days=2)
    await owner.send("bread")
    said = owner.said()
    assert "Your unfinished listing is kept" in said and "Gouden Korst" in said
    await owner.cmd("mybusiness")
    assert "Welcome back" in owner.said() and "What kind of business" in owner.said()


async def test_two_unreadable_times_in_the_hours_builder_offer_buttons(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    await owner.send("Cheese Bart")
    await owner.send("cheese")
    await owner.press(1)
    await owner.location(52.3871, 4.6561)
    await owner.press("Help me build them")
    await owner.press("Tuesday to Saturday")
    await owner.send("morning till evening")
    assert "time span" in owner.said() and "09:00–18:00" not in owner.labels()
    await owner.send("all day long")
    assert "09:00–18:00" in owner.labels()
    await owner.press("09:00–18:00")
    assert (await stored(app) or {}).get("state") == "hours_lunch"
    assert "misses" not in (await stored(app) or {})


async def test_two_unmatched_kinds_of_business_offer_the_neighbourhoods_common_ones(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    await owner.send("Zorbl")
    await owner.send("zorbl and quux")
    assert "could not match that to a kind of business" in owner.said() and "Bakery" not in owner.labels()
    await owner.send("kwxq vbnm")
    assert "common in the neighbourhood" in owner.said()
    assert len(owner.labels()) == 6 + 2, "six kinds, then Back and Cancel"
    await owner.press(1)
    state = await stored(app) or {}
    draft = state.get("draft")
    assert state.get("state") == "location" and isinstance(draft, dict)
    listed = {b.categories[0] for b in app.search.businesses() if b.categories}
    assert draft["categories"][0] in listed, "a kind the neighbourhood has"
