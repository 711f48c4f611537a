"""A small seeded neighbourhood and a running web app, shared by the web, digest and MCP tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from catalog.db import create_engine, session_factory, upgrade
from catalog.models import Area, Business, BusinessRole, Owner, Product
from concierge.app import App, open_app
from concierge.settings import Settings
from handlers.web import TokenBucket, create_web_app
from handlers.web.context import REQUEST_LIMITS

MODERATOR_TOKEN = "test-moderator-token"
PUBLIC_URL = "http://concierge.test"


def _business(id: str, name: str, category: str, lat: float, lon: float, **extra: object) -> Business:
    fields: dict[str, object] = {
        "area_id": "lindenhof",
        "address": "",
        "opening_hours": "",
        "story_who": "",
        "story_how": "",
        "story_why": "",
    }
    fields.update(extra)
    return Business(id=id, name=name, categories=[category], lat=lat, lon=lon, **fields)


def neighbourhood() -> list[object]:
    """Rows for one area: published independents, a chain, an OSM record, an opted-out and a draft one."""
    bakery = _business(
        "bakkerij-de-korenbloem",
        "Bakkerij de Korenbloem",
        "shop=bakery",
        52.0907,
        5.1214,
        address="Lindenstraat 12, 3512 AB Utrecht",
        opening_hours="Mo-Fr 08:00-18:00; Sa 08:00-16:00",
        phone="+31 30 123 4567",
        website="https://korenbloem.example",
        story_who="Anna and Piet Visser, bakers since 1998.",
        story_how="Sourdough from organic Dutch grain, baked every night <in the shop>.",
        story_why="Because good bread belongs to the neighbourhood.",
        story_language="en",
        languages=["nl", "en"],
        payment=["cash", "card"],
        wheelchair="yes",
    )
    bakery.products = [Product(name="oat milk", position=0), Product(name="sourdough bread", position=1)]
    florist = _business(
        "bloemen-bij-bo",
        "Bloemen bij Bo",
        "shop=florist",
        52.0912,
        5.1230,
        opening_hours="Tu-Sa 09:00-17:30",
        story_who="Bo, florist.",
        story_why="Seasonal flowers from local growers.",
    )
    florist.products = [Product(name="tulips", position=0), Product(name="oat milk soap", position=1)]
    bikes = _business(
        "fietsmaker-rijn",
        "Fietsmaker Rijn",
        "shop=bicycle",
        52.0890,
        5.1190,
        source_id="node/123456",
        opening_hours="Mo-Sa 09:00-18:00",
        story_how="Repairs while you wait.",
    )
    bikes.products = [Product(name="bike repair", kind="service", position=0)]
    chain = _business("albert-hein", "Albert Hein", "shop=supermarket", 52.0920, 5.1200, independent=False)
    chain.products = [Product(name="oat milk", position=0)]
    private = _business(
        "geheime-kaasboer",
        "De Geheime Kaasboer",
        "shop=cheese",
        52.0901,
        5.1221,
        opt_out=True,
        story_who="Kees.",
    )
    private.products = [Product(name="oat milk cheese", position=0)]
    draft = _business("nog-niet-open", "Nog Niet Open", "shop=deli", 52.0903, 5.1211, status="draft")
    draft.products = [Product(name="oat milk", position=0)]
    area = Area(
        id="lindenhof", name="Lindenhof", city="Utrecht", center_lat=52.0907, center_lon=5.1214, radius_m=1500
    )
    owner = Owner(user_id=987654321)
    role = BusinessRole(business_id="bakkerij-de-korenbloem", user_id=987654321, role="owner")
    return [area, bakery, florist, bikes, chain, private, draft, owner, role]


async def seed(database_url: str, rows: list[object] | None = None) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            session.add_all(neighbourhood() if rows is None else rows)
            await session.commit()
    finally:
        await engine.dispose()


def settings(database_url: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "public_url": PUBLIC_URL,
        "bot_username": "lindenhof_bot",
        "moderator_token": SecretStr(MODERATOR_TOKEN),
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running(
    database_url: str, *, rate: float = 1000.0, burst: float = 1000.0, seeded: bool = True, **extra: object
) -> AsyncIterator[tuple[App, TestClient[Any, Any]]]:
    """The seeded app behind a real socket on 127.0.0.1; ``extra`` are settings."""
    if seeded:
        await seed(database_url)
    app = await open_app(settings(database_url, **extra))
    server = TestServer(create_web_app(app, limiter=TokenBucket(rate, burst)), host="127.0.0.1")
    await server.start_server(**REQUEST_LIMITS)  # as concierge serve runs it
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    try:
        yield app, client
    finally:
        await client.close()
        await app.close()


TODAY = dt.date(2026, 11, 20)
