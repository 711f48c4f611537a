"""A tiny neighbourhood with awkward names, seeded into a real database, for the conversation tests.

Testwijk around ``CENTRE`` (Utrecht), on a Sunday morning (``START``):

- ``bakkerij-korenbloem`` "Bakkerij <De Korenbloem> & Zn": HTML in its name and story, about 200 m
  from the centre, sells havermelk and zuurdesembrood, open Mo-Sa 08:00-18:00 (closed at ``START``),
  partner of the café;
- ``cafe-koffie`` "Café Koffie": a photo, no address, about 490 m from the centre, sells havermelk
  and koffie, no opening hours;
- ``fietsmaker-snel`` "Fietsmaker Snel": repairs bikes (fietsreparatie);
- ``draft-shop`` "Nog Niet Open": a draft that sells havermelk and must never be shown.
"""

from __future__ import annotations

import datetime as dt

from catalog.db import create_engine, session_factory, upgrade
from catalog.models import Area, Business, Partner, Product

START = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
CENTRE = (52.0900, 5.1100)


async def seed_neighbourhood(url: str) -> None:
    """A tiny neighbourhood with awkward names: HTML in a name, a photo, a partner, a missing address."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            session.add(
                Area(
                    id="testwijk",
                    name="Test & Wijk",
                    city="Utrecht",
                    center_lat=CENTRE[0],
                    center_lon=CENTRE[1],
                )
            )
            session.add_all(
                [
                    Business(
                        id="bakkerij-korenbloem",
                        area_id="testwijk",
                        name="Bakkerij <De Korenbloem> & Zn",
                        categories=["shop=bakery"],
                        lat=52.0912,
                        lon=5.1121,
                        address="Lindenlaan 1",
                        opening_hours="Mo-Sa 08:00-18:00",
                        phone="+31 30 123 4567",
                        website="https://korenbloem.example",
                        story_who="Anna & Piet <b>bakken</b>",
                        story_how="Met de hand, elke nacht.",
                        story_why="Omdat brood ertoe doet.",
                        products=[Product(name="havermelk"), Product(name="zuurdesembrood", position=1)],
                    ),
                    Business(
                        id="cafe-koffie",
                        area_id="testwijk",
                        name="Café Koffie",
                        categories=["amenity=cafe"],
                        lat=52.0931,
                        lon=5.1150,
                        photo="https://example.org/cafe.jpg",
                        story_who="Wij schenken koffie.",
                        products=[Product(name="havermelk"), Product(name="koffie", position=1)],
                    ),
                    Business(
                        id="fietsmaker-snel",
                        area_id="testwijk",
                        name="Fietsmaker Snel",
                        categories=["shop=bicycle"],
                        lat=52.0880,
                        lon=5.1080,
                        address="Stationsweg 9",
                        products=[Product(name="fietsreparatie", kind="service")],
                    ),
                    Business(
                        id="draft-shop",
                        area_id="testwijk",
                        name="Nog Niet Open",
                        categories=["shop=deli"],
                        lat=52.09,
                        lon=5.11,
                        status="draft",
                        products=[Product(name="havermelk")],
                    ),
                ]
            )
            await session.flush()
            session.add(Partner(business_id="bakkerij-korenbloem", partner_id="cafe-koffie"))
    finally:
        await engine.dispose()
