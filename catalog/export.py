"""Export: what an owner or an operator takes away, as catalogue JSON, CSV or schema.org JSON-LD.

Catalogue JSON and CSV read back through :mod:`catalog.importers` unchanged (round trip). Without a
business id only published businesses whose owners did not opt out are exported; with one, that
business is exported whatever its status (an owner's own export).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import fields as registry
from catalog import jsonld
from catalog.importers.csv_file import COLUMNS
from catalog.models import BusinessRole, DailyCount, ModerationItem
from catalog.repository import get_business, load_areas, load_businesses
from catalog.views import AreaView, BusinessView, ProductView

OSM_ATTRIBUTION = (
    "Contains data © OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"
)


class ExportError(LookupError):
    """Nothing to export for the request; the message is one line fit to show as it is."""


async def select_businesses(
    sessions: async_sessionmaker[AsyncSession], business_id: str | None = None
) -> tuple[list[BusinessView], list[AreaView]]:
    """The businesses to export and all areas; raises :class:`ExportError` for an unknown id."""
    async with sessions() as session:
        areas = await load_areas(session)
        if business_id is not None:
            business = await get_business(session, business_id)
            if business is None:
                raise ExportError(f"no business with id {business_id!r}")
            return [business], areas
        businesses = [b for b in await load_businesses(session) if not b.opt_out]
    exported = {b.id for b in businesses}
    return [_only_partners(b, exported) for b in businesses], areas


def _only_partners(business: BusinessView, ids: set[str]) -> BusinessView:
    kept = tuple(p for p in business.partners if p in ids)
    if kept == business.partners:
        return business
    return replace(business, partners=kept)


def _main_area(businesses: list[BusinessView], areas: list[AreaView]) -> AreaView | None:
    counts = Counter(b.area_id for b in businesses if b.area_id)
    by_id = {area.id: area for area in areas}
    for area_id, _ in counts.most_common():
        if area_id in by_id:
            return by_id[area_id]
    return None


def area_json(area: AreaView) -> dict[str, Any]:
    return {
        "id": area.id,
        "name": area.name,
        "city": area.city,
        "country": area.country,
        "timezone": area.timezone,
        "center": [area.center[0], area.center[1]],
        "radius_m": area.radius_m,
        "fictional": area.fictional,
        "places": {name: [pos[0], pos[1]] for name, pos in area.places.items()},
    }


def _product_json(product: ProductView) -> dict[str, Any]:
    item: dict[str, Any] = {"name": product.name, "language": product.language}
    if product.sold_out:
        item["sold_out"] = True
    return item


WHEN_SET = frozenset({"photo", "closed_from", "closed_until", "special_hours"})
"""Fields written only when they hold something (older readers of the format never saw them)."""


def business_json(business: BusinessView) -> dict[str, Any]:
    """One business in the catalogue JSON format: every exported field of :mod:`catalog.fields`."""
    item: dict[str, Any] = {"id": business.id}
    story: dict[str, Any] = {}
    for field in registry.exported():
        value = registry.to_json(field, getattr(business, field.name))
        if field.name in registry.STORY:
            story[registry.STORY[field.name]] = value
        elif field.name not in WHEN_SET or value:
            item[field.name] = value
    item["products"] = [_product_json(p) for p in business.products if p.kind != "service"]
    item["services"] = [_product_json(p) for p in business.products if p.kind == "service"]
    item["story"] = story
    item["partners"] = list(business.partners)
    if business.source_id:
        item["source_id"] = business.source_id
    if business.tags:
        item["tags"] = dict(business.tags)
    if business.status != "published":
        item["status"] = business.status
    if business.opt_out:
        item["opt_out"] = True
    return item


async def export_catalogue(
    sessions: async_sessionmaker[AsyncSession], business_id: str | None = None
) -> dict[str, Any]:
    """Catalogue JSON (DESIGN.md), which :func:`catalog.importers.import_file` reads back."""
    businesses, areas = await select_businesses(sessions, business_id)
    data: dict[str, Any] = {}
    area = _main_area(businesses, areas)
    if area is not None:
        data["area"] = area_json(area)
    used = {b.area_id for b in businesses if b.area_id}
    others = [a for a in areas if a.id in used and (area is None or a.id != area.id)]
    if others:
        data["areas"] = [area_json(a) for a in others]
    data["businesses"] = [business_json(b) for b in businesses]
    if others:
        for item, business in zip(data["businesses"], businesses, strict=True):
            if business.area_id:
                item["area"] = business.area_id
    if any(b.source_id for b in businesses):
        data["attribution"] = OSM_ATTRIBUTION
    return data


def _joined(values: Any) -> str:
    return ";".join(str(v).replace(";", ",") for v in values)


def csv_row(business: BusinessView) -> dict[str, str]:
    row = {
        "id": business.id,
        "source_id": business.source_id or "",
        "products": _joined(p.name for p in business.products if p.kind != "service"),
        "services": _joined(p.name for p in business.products if p.kind == "service"),
        "partners": _joined(business.partners),
    }
    for name in registry.csv_columns():
        row[name] = registry.to_cell(registry.BY_NAME[name], getattr(business, name))
    return row


async def export_csv(sessions: async_sessionmaker[AsyncSession], business_id: str | None = None) -> str:
    """CSV with the columns the CSV importer reads; list fields joined by ``;``."""
    businesses, _ = await select_businesses(sessions, business_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_row(b) for b in businesses)
    return out.getvalue()


async def export_jsonld(
    sessions: async_sessionmaker[AsyncSession],
    business_id: str | None = None,
    *,
    base_url: str,
    bot_username: str,
) -> dict[str, Any]:
    """schema.org JSON-LD: one business, or the whole exportable catalogue as a ``@graph``."""
    businesses, areas = await select_businesses(sessions, business_id)
    if business_id is not None:
        by_id = {area.id: area for area in areas}
        business = businesses[0]
        return jsonld.business_jsonld(business, by_id.get(business.area_id or ""), base_url, bot_username)
    return jsonld.catalogue_jsonld(businesses, areas, base_url, bot_username)


STATISTICS = ("shown", "opened", "mapped", "shared")
PRIVATE_NOTES = frozenset({"claim", "report"})
"""Kinds whose note came from someone other than the listing's people (a claimant's evidence), or who
must stay anonymous: the owner's export leaves the note (and every requester) out."""


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


async def export_account(sessions: async_sessionmaker[AsyncSession], business_id: str) -> dict[str, str]:
    """What the catalogue formats leave out, as CSV files by name: the people and their roles, the
    moderation history (decisions, before and after of each change) and the daily statistics."""
    async with sessions() as session:
        roles = list(
            await session.execute(
                select(BusinessRole.user_id, BusinessRole.role)
                .where(BusinessRole.business_id == business_id)
                .order_by(BusinessRole.user_id)
            )
        )
        items = list(
            await session.scalars(
                select(ModerationItem)
                .where(ModerationItem.business_id == business_id)
                .order_by(ModerationItem.created_at, ModerationItem.id)
            )
        )
        counts = list(
            await session.execute(
                select(DailyCount.day, DailyCount.kind, DailyCount.count)
                .where(DailyCount.subject == f"business:{business_id}")
                .order_by(DailyCount.day)
            )
        )
    days: dict[str, dict[str, int]] = {}
    for day, kind, count in counts:
        if kind in STATISTICS:
            days.setdefault(day.isoformat(), dict.fromkeys(STATISTICS, 0))[kind] += count

    def moment(value: Any) -> str:
        return value.isoformat() if value is not None else ""

    history = [
        [
            item.id,
            item.kind,
            item.status,
            moment(item.created_at),
            moment(item.decided_at),
            item.reason,
            "" if item.kind in PRIVATE_NOTES else item.note,
            json.dumps(item.changes, ensure_ascii=False) if item.changes else "",
            json.dumps(item.previous, ensure_ascii=False) if item.previous else "",
        ]
        for item in items
    ]
    return {
        f"{business_id}-roles.csv": _csv(["telegram_user_id", "role"], [[u, r] for u, r in roles]),
        f"{business_id}-moderation.csv": _csv(
            ["item", "kind", "status", "created_at", "decided_at", "reason", "note", "changes", "before"],
            history,
        ),
        f"{business_id}-statistics.csv": _csv(
            ["day", *STATISTICS],
            [[day, *(values[k] for k in STATISTICS)] for day, values in sorted(days.items())],
        ),
    }
