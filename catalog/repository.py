"""Reading the catalogue: published businesses and areas as detached views."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from catalog.models import Area, Business, Partner, Product
from catalog.views import AreaView, BusinessView

LOAD_CHUNK = 500


async def load_areas(session: AsyncSession) -> list[AreaView]:
    rows = await session.scalars(select(Area).order_by(Area.id))
    return [AreaView.from_model(area) for area in rows]


async def load_businesses(
    session: AsyncSession, statuses: tuple[str, ...] = ("published",)
) -> list[BusinessView]:
    """Businesses in the given statuses with their products and confirmed partners."""
    partners = await _partners(session)
    ids = list(
        await session.scalars(select(Business.id).where(Business.status.in_(statuses)).order_by(Business.id))
    )
    return await _views(session, ids, partners)


async def _views(
    session: AsyncSession, ids: list[str], partners: dict[str, tuple[str, ...]]
) -> list[BusinessView]:
    """Views of the businesses ``ids``, in that order, read ``LOAD_CHUNK`` at a time as plain rows.

    Rows, not ORM objects: the views are all that is kept, and building ten thousand tracked objects
    with their products (identity map, instrumented attributes, collections) took a third of a
    worker's start. In chunks: a city's rows all at once cost several times the views made from them,
    and the memory a process took at its peak stays its resident size (freed Python objects leave
    fragmented arenas that are seldom given back), about 60 MB at 10,000 shops."""
    businesses, products = Business.__table__, Product.__table__
    views: list[BusinessView] = []
    for start in range(0, len(ids), LOAD_CHUNK):
        chunk = ids[start : start + LOAD_CHUNK]
        owned: dict[str, list[Row[Any]]] = defaultdict(list)
        for product in await session.execute(
            select(products)
            .where(products.c.business_id.in_(chunk))
            .order_by(products.c.position, products.c.id)
        ):
            owned[product.business_id].append(product)
        rows = {
            row.id: row for row in await session.execute(select(businesses).where(businesses.c.id.in_(chunk)))
        }
        views += [
            BusinessView.from_model(rows[i], partners.get(i, ()), owned.get(i, ()))
            for i in chunk
            if i in rows
        ]
    return views


async def _partners(session: AsyncSession) -> dict[str, tuple[str, ...]]:
    partners: dict[str, list[str]] = defaultdict(list)
    for link in await session.scalars(select(Partner).where(Partner.confirmed.is_(True))):
        partners[link.business_id].append(link.partner_id)
    return {business_id: tuple(sorted(ids)) for business_id, ids in partners.items()}


@dataclass(frozen=True)
class Published:
    """The published businesses as read at one moment, and what is needed to read only changes later."""

    businesses: list[BusinessView]
    product_mark: int
    """The highest product id at that moment: products added since belong to changed businesses."""


async def load_published(session: AsyncSession, known: Published | None = None) -> Published:
    """The published businesses; with ``known`` (an earlier read), only what changed is loaded again.

    A business changed when it is new, or its version or ``updated_at`` moved (every edit through the
    ORM bumps the version), or it has products added since. Views of unchanged businesses are the very
    objects of ``known``, so callers can reuse what they derived from them. Should the products still
    not add up (a product deleted outside the application), everything is read again.
    """
    mark = (await session.execute(select(func.coalesce(func.max(Product.id), 0)))).scalar_one()
    if known is None:
        return Published(await load_businesses(session), int(mark))
    partners = await _partners(session)
    stamps = (
        await session.execute(
            select(Business.id, Business.version, Business.updated_at).where(Business.status == "published")
        )
    ).all()
    previous = {b.id: b for b in known.businesses}
    grown = set(
        await session.scalars(select(Product.business_id).where(Product.id > known.product_mark).distinct())
    )
    views: dict[str, BusinessView] = {}
    changed: list[str] = []
    for business_id, version, updated_at in stamps:
        view = previous.get(business_id)
        if view is None or view.version != version or view.updated_at != updated_at or business_id in grown:
            changed.append(business_id)
            continue
        links = partners.get(business_id, ())
        views[business_id] = view if view.partners == links else dataclasses.replace(view, partners=links)
    for view in await _views(session, changed, partners):
        views[view.id] = view
    products = (
        await session.execute(
            select(func.count(Product.id)).join(Business).where(Business.status == "published")
        )
    ).scalar_one()
    if products != sum(len(view.products) for view in views.values()):
        return Published(await load_businesses(session), int(mark))
    return Published(sorted(views.values(), key=lambda view: view.id), int(mark))


async def get_business(session: AsyncSession, business_id: str) -> BusinessView | None:
    business = await session.get(Business, business_id, options=[selectinload(Business.products)])
    if business is None:
        return None
    links = await session.scalars(
        select(Partner.partner_id).where(Partner.business_id == business_id, Partner.confirmed.is_(True))
    )
    return BusinessView.from_model(business, tuple(sorted(links)))
