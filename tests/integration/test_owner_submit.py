"""A new listing whose save fails keeps its draft: the owner is told, stays at the preview, and the
next Submit (once the database takes it) sends it to the moderators. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text

from catalog.models import Business, FlowState
from concierge.app import App, open_app
from concierge.routing import Conversation
from tests.integration.test_owner_flow import STEPS_EN
from tests.support.drivers import CoreDriver
from tests.support.owners import MODERATOR, owner_settings, run_steps

OWNER = 802
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
NAME = "Bakkerij <b>Proef</b>"


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    opened = await open_app(owner_settings(database_url), migrate=False)  # the demo neighbourhood
    try:
        yield opened
    finally:
        await opened.close()


async def refuse_new_businesses(app: App, refuse: bool) -> None:
    """A real constraint of the database that no new business passes (existing rows are left alone)."""
    sqlite = app.engine.dialect.name == "sqlite"
    if refuse:
        statement = (
            "CREATE TRIGGER refuse_new BEFORE INSERT ON businesses BEGIN SELECT RAISE(ABORT, 'full'); END"
            if sqlite
            else "ALTER TABLE businesses ADD CONSTRAINT refuse_new CHECK (false) NOT VALID"
        )
    else:
        statement = (
            "DROP TRIGGER refuse_new" if sqlite else "ALTER TABLE businesses DROP CONSTRAINT refuse_new"
        )
    async with app.engine.begin() as connection:
        await connection.execute(text(statement))


async def listings_named(app: App, name: str) -> int:
    async with app.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Business).where(Business.name == name))
        return int(count or 0)


async def kept_flow(app: App) -> dict[str, object] | None:
    async with app.sessions() as session:
        row = await session.get(FlowState, f"owner:{OWNER}")
        return dict(row.data) if row is not None else None


async def test_a_failed_submit_keeps_the_draft_and_tells_the_owner(app: App) -> None:
    conversation = Conversation(app, clock=lambda: NOW)
    owner = CoreDriver(conversation, OWNER, "en")
    await owner.cmd("mybusiness")
    await owner.press("Create a new listing")
    await run_steps(owner, STEPS_EN)
    assert "Submit" in owner.buttons()

    await refuse_new_businesses(app, True)
    await owner.press("Submit")
    said = owner.said()
    assert (
        "Sorry, your listing could not be saved just now. Nothing is lost: press Submit to try again." in said
    )
    assert "Thank you" not in said
    assert "Submit" in owner.buttons(), "back at the preview, with its Submit button"
    assert owner.notes_to(MODERATOR) == [], "no moderator hears of a listing that was not saved"
    assert await listings_named(app, NAME) == 0
    kept = await kept_flow(app)
    assert kept is not None and kept["state"] == "preview"
    draft = kept["draft"]
    assert isinstance(draft, dict)
    assert draft["name"] == NAME and draft["phone"] and draft["story_who"] == "Ann & Bob <i>bakers</i>"

    await refuse_new_businesses(app, False)
    await owner.press("Submit")
    assert "Thank you! Your listing is sent to the neighbourhood's moderators." in owner.said()
    assert owner.notes_to(MODERATOR), "the moderator gets the card once the listing is saved"
    assert await listings_named(app, NAME) == 1
    assert await kept_flow(app) is None, "the draft goes once the listing is saved"
