"""The owners' write side on both databases (SQLite and PostgreSQL): a whole listing's life, the version
check between two sessions, and delete removing every row."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, or_, select

from catalog import ownership
from catalog.models import (
    Business,
    BusinessRole,
    DailyCount,
    FlowState,
    Invite,
    ModerationItem,
    Partner,
    Product,
)
from concierge.app import App, open_app
from concierge.routing import Conversation
from tests.test_owner_flow import STEPS_EN, run_steps
from tests.test_owner_support import MODERATOR, Chat, owner_settings

OWNER = 801
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def db_app(database_url: str) -> AsyncIterator[App]:
    """The demo neighbourhood (loaded into the empty database) and one more shop."""
    opened = await open_app(owner_settings(database_url), migrate=False)
    try:
        async with opened.sessions.begin() as session:
            session.add(
                Business(
                    id="buur",
                    name="Buurwinkel",
                    categories=["shop=convenience"],
                    lat=52.3862,
                    lon=4.6551,
                    address="Kastanjeplein 7, 2031 KP Haarlem",
                    products=[Product(name="melk")],
                )
            )
        await opened.refresh_search()
        yield opened
    finally:
        await opened.close()


async def test_a_listing_from_chat_to_published_to_deleted(db_app: App) -> None:
    conversation = Conversation(db_app, clock=lambda: NOW)
    owner = Chat(conversation, OWNER, "en")
    await owner.cmd("mybusiness")
    await owner.press("Create a new listing")
    await run_steps(owner, STEPS_EN)
    await owner.press("Submit")
    async with db_app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Bakkerij <b>Proef</b>"))
        assert business is not None and business.status == "pending"
        assert db_app.search.area is not None and business.area_id == db_app.search.area.id
        known = await session.execute(
            select(Business.lat, Business.lon).where(Business.address.startswith("Kastanjeplein 7,"))
        )
        assert (business.lat, business.lon) in {tuple(row) for row in known}, (
            "geocoded offline from a known address"
        )
        business_id = business.id
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    await moderator.press("Approve")
    assert db_app.search.business(business_id) is not None
    await owner.send("sold out: croissants")
    await owner.cmd("mybusiness")
    await owner.press("Delete my business")
    await owner.press("Yes, delete everything")
    assert db_app.search.business(business_id) is None
    async with db_app.sessions() as session:
        for model, column in (
            (Business, Business.id),
            (Product, Product.business_id),
            (BusinessRole, BusinessRole.business_id),
            (ModerationItem, ModerationItem.business_id),
            (Invite, Invite.business_id),
        ):
            assert (
                await session.scalar(select(func.count()).select_from(model).where(column == business_id))
                == 0
            )
        assert await session.scalar(select(func.count()).select_from(FlowState)) == 0


async def test_version_check_between_two_sessions(db_app: App) -> None:
    async with db_app.sessions.begin() as session:
        version = (await ownership.load(session, "buur")).version
    async with db_app.sessions.begin() as session:
        await ownership.update_fields(session, "buur", version, {"name": "First"}, NOW)
    with pytest.raises(ownership.VersionConflict):
        async with db_app.sessions.begin() as session:
            await ownership.update_fields(session, "buur", version, {"name": "Second"}, NOW)
    async with db_app.sessions() as session:
        assert (await ownership.load(session, "buur")).name == "First"


async def test_delete_takes_partners_counts_and_invites_along(db_app: App) -> None:
    async with db_app.sessions.begin() as session:
        await ownership.add_role(session, "buur", OWNER, "owner", "en")
        other = await ownership.create_draft(
            session, OWNER, "en", {"name": "Ander", "lat": 52.0, "lon": 4.0}, ["brood", "Brood"]
        )
        assert [p.name for p in other.products] == ["brood"]
        await ownership.request_partner(session, other.id, "buur", "pairs well")
        await ownership.create_invite(session, "buur", OWNER, "staff", NOW)
        session.add(DailyCount(subject="business:buur", day=NOW.date(), kind="shown", count=2))
    async with db_app.sessions.begin() as session:
        await ownership.delete_business(session, "buur")
    async with db_app.sessions() as session:
        assert await session.get(Business, "buur") is None
        assert (
            await session.scalar(
                select(func.count())
                .select_from(Partner)
                .where(or_(Partner.business_id == "buur", Partner.partner_id == "buur"))
            )
            == 0
        )
        assert (
            await session.scalar(
                select(func.count()).select_from(DailyCount).where(DailyCount.subject == "business:buur")
            )
            == 0
        )
        assert (
            await session.scalar(select(func.count()).select_from(Invite).where(Invite.business_id == "buur"))
            == 0
        )
        assert await session.get(Business, other.id) is not None
