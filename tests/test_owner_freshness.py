"""Freshness: one nudge after 90 days unconfirmed, outdated marks after 180, and the weekly summary."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image
from sqlalchemy import update

from catalog import ownership
from catalog.models import Business, DailyCount
from concierge.app import App
from concierge.events import Notify, SendDocument, SendText
from concierge.owners import freshness
from concierge.routing import Conversation
from tests.test_owner_support import Chat

pytest_plugins = ["tests.test_owner_support"]

OWNER = 701
BAKERY = "bakkerij-de-gouden-korst"
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


async def confirmed(app: App, days_ago: int) -> None:
    async with app.sessions.begin() as session:
        await session.execute(
            update(Business)
            .where(Business.id == BAKERY)
            .values(confirmed_at=NOW - dt.timedelta(days=days_ago), nudged_at=None)
        )


async def test_one_nudge_after_ninety_days_until_confirmed(app: App) -> None:
    async with app.sessions.begin() as session:
        await ownership.add_role(session, BAKERY, OWNER, "owner", "de")
    await confirmed(app, 89)
    assert [n for n in await freshness.nudges(app, NOW) if n.chat_id == OWNER] == []
    await confirmed(app, 91)
    notes = [n for n in await freshness.nudges(app, NOW) if n.chat_id == OWNER]
    assert len(notes) == 1 and isinstance(notes[0].reply, SendText)
    assert "noch" in notes[0].reply.html, "in the owner's language"
    assert [n for n in await freshness.nudges(app, NOW + dt.timedelta(days=1)) if n.chat_id == OWNER] == []
    owner = Chat(Conversation(app, clock=lambda: NOW), OWNER, "de")
    await owner.data(notes[0].reply.buttons[0][0].data or "")
    async with app.sessions() as session:
        business = await session.get(Business, BAKERY)
        assert business is not None and business.nudged_at is None
    later = NOW + dt.timedelta(days=95)
    assert [n.chat_id for n in await freshness.nudges(app, later)] == [OWNER]


async def test_search_marks_a_listing_unconfirmed_for_180_days(app: App) -> None:
    await confirmed(app, 181)
    await app.refresh_search()
    answer = app.search.ask("speltbrood", limit=10, now=NOW)
    bakery = next(r for r in answer.results if r.id == BAKERY)
    assert bakery.outdated
    await confirmed(app, 10)
    await app.refresh_search()
    answer = app.search.ask("speltbrood", limit=10, now=NOW)
    assert not next(r for r in answer.results if r.id == BAKERY).outdated


async def test_weekly_summary_text_and_chart_from_daily_counts(app: App) -> None:
    async with app.sessions.begin() as session:
        await ownership.add_role(session, BAKERY, OWNER, "owner", "en")
        last = dt.date(2026, 11, 21)
        for offset, shown in enumerate((5, 0, 7, 2, 0, 1, 4)):
            day = last - dt.timedelta(days=6 - offset)
            session.add(DailyCount(subject=f"business:{BAKERY}", day=day, kind="shown", count=shown))
        session.add(DailyCount(subject=f"business:{BAKERY}", day=last, kind="opened", count=3))
        session.add(
            DailyCount(subject=f"business:{BAKERY}", day=last - dt.timedelta(days=8), kind="shown", count=99)
        )
    notes = [n for n in await freshness.weekly_summaries(app, last) if n.chat_id == OWNER]
    text = next(n.reply for n in notes if isinstance(n.reply, SendText))
    assert "shown 19 times" in text.html and "opened 3 times" in text.html and "shared 0 times" in text.html
    chart = next(n.reply for n in notes if isinstance(n.reply, SendDocument))
    image = Image.open(io.BytesIO(chart.content))
    assert image.format == "PNG" and image.size == freshness.CHART_SIZE
    assert all(isinstance(n, Notify) for n in notes)
