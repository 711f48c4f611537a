"""Reading the catalogue: published businesses and areas as detached views."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from catalog.models import Area, Business, Partner
from catalog.views import AreaView, BusinessView


async def load_areas(session: AsyncSession) -> list[AreaView]:
    rows = await session.scalars(select(Area).order_by(Area.id))
    return [AreaView.from_model(area) for area in rows]


async def load_businesses(
    session: AsyncSession, statuses: tuple[str, ...] = ("published",)
) -> list[BusinessView]:
    """Businesses in the given statuses with their products and confirmed partners."""
    partners: dict[str, list[str]] = defaultdict(list)
    for link in await session.scalars(select(Partner).where(Partner.confirmed.is_(True))):
        partners[link.business_id].append(link.partner_id)
    rows = await session.scalars(
        select(Business)
        .where(Business.status.in_(statuses))
        .options(selectinload(Business.products))
        .order_by(Business.id)
    )
    return [BusinessView.from_model(b, tuple(sorted(partners.get(b.id, ())))) for b in rows]


async def get_business(session: AsyncSession, business_id: str) -> BusinessView | None:
    business = await session.get(Business, business_id, options=[selectinload(Business.products)])
    if business is None:
        return None
    links = await session.scalars(
        select(Partner.partner_id).where(Partner.business_id == business_id, Partner.confirmed.is_(True))
    )
    return BusinessView.from_model(business, tuple(sorted(links)))
