"""Writing records in one transaction: insert new businesses, update changed ones, count the rest.

Existing keys are loaded once and existing rows in chunks, so an import costs a handful of queries
however many records it holds.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from catalog.importers.records import ProductSpec, Record, derived_id, slugify
from catalog.models import Area, Business, Partner, Product

CHUNK = 500


@dataclass
class StoreCounts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class _Ids:
    """Business ids in the database and claimed by this import, for new unique slugs."""

    def __init__(self, existing: set[str]):
        self.taken = set(existing)

    def new(self, record: Record) -> str:
        base = slugify(record.name) or "business"
        candidates = [base]
        if record.source_id:
            kind, _, number = record.source_id.partition("/")
            candidates.append(f"{base}-{kind[0]}{number}")
        candidates.append(derived_id(record.name, record.lat, record.lon))
        for candidate in candidates:
            if candidate not in self.taken:
                return candidate
        n = 2
        while f"{candidates[-1]}-{n}" in self.taken:
            n += 1
        return f"{candidates[-1]}-{n}"


async def _upsert_area(session: AsyncSession, values: dict[str, Any]) -> None:
    area = await session.get(Area, values["id"])
    if area is None:
        session.add(Area(**values))
        return
    for key, value in values.items():
        if getattr(area, key) != value:
            setattr(area, key, value)


def _product_key(products: Iterable[Product | ProductSpec]) -> list[tuple[str, str, str, bool]]:
    return [(p.name, p.kind, p.language, bool(p.sold_out)) for p in products]


def _new_products(specs: Sequence[ProductSpec]) -> list[Product]:
    return [
        Product(name=p.name, kind=p.kind, language=p.language, sold_out=p.sold_out, position=i)
        for i, p in enumerate(specs)
    ]


async def store(
    session: AsyncSession,
    records: Sequence[Record],
    area_id: str | None,
    areas: Sequence[dict[str, Any]] = (),
    progress: bool = False,
) -> StoreCounts:
    """Write ``records`` into ``area_id``; ``areas`` (column values) are inserted or updated first.

    A record that names another area (``fields["area_id"]``) keeps it when that area exists.
    """
    counts = StoreCounts()
    rows = (await session.execute(select(Business.id, Business.source_id))).all()
    known_ids = {row.id for row in rows}
    by_source = {row.source_id: row.id for row in rows if row.source_id}
    ids = _Ids(known_ids)
    claimed_sources: set[str] = set()
    seen: set[str] = set()
    unique: list[tuple[Record, str, bool]] = []
    for record in records:
        if record.id is None and record.source_id is None:
            record.id = derived_id(record.name, record.lat, record.lon)
        owner = by_source.get(record.source_id) if record.source_id else None
        if record.id is not None and owner is not None and owner != record.id:
            counts.skipped["OSM id used by another business"] += 1
            continue
        target = record.id or owner or ids.new(record)
        if target in seen or (record.source_id is not None and record.source_id in claimed_sources):
            counts.skipped["duplicate id"] += 1
            continue
        seen.add(target)
        ids.taken.add(target)
        if record.source_id:
            claimed_sources.add(record.source_id)
        unique.append((record, target, target in known_ids))

    for values in areas:
        await _upsert_area(session, values)
    await session.flush()
    known_areas = set(await session.scalars(select(Area.id)))

    update_ids = [target for _, target, exists in unique if exists]
    existing: dict[str, Business] = {}
    links: dict[str, dict[str, Partner]] = {}
    for chunk in _chunks(update_ids):
        found = await session.scalars(
            select(Business).where(Business.id.in_(chunk)).options(selectinload(Business.products))
        )
        existing.update((b.id, b) for b in found)
        for link in await session.scalars(select(Partner).where(Partner.business_id.in_(chunk))):
            links.setdefault(link.business_id, {})[link.partner_id] = link
    all_ids = known_ids | {target for _, target, _ in unique}

    new_links: list[Partner] = []
    from tqdm import tqdm  # only what imports pays for it (about 3 MB)

    bar = tqdm(unique, desc="importing", unit="business", file=sys.stderr, disable=not progress)
    for record, target, exists in bar:
        fields = dict(record.fields)
        if fields.get("area_id") not in known_areas:
            fields.pop("area_id", None)
            if area_id is not None:
                fields["area_id"] = area_id
        if record.source_id:
            fields["source_id"] = record.source_id
        wanted = [(pid, note) for pid, note in record.partners or () if pid in all_ids and pid != target]
        if not exists:
            business = Business(id=target, **fields)
            if record.products is not None:
                business.products = _new_products(record.products)
            session.add(business)
            new_links.extend(Partner(business_id=target, partner_id=p, note=n or "") for p, n in wanted)
            counts.imported += 1
            continue
        business = existing[target]
        changed = False
        for key, value in fields.items():
            if getattr(business, key) != value:
                setattr(business, key, value)
                changed = True
        if record.products is not None and _product_key(business.products) != _product_key(record.products):
            business.products = _new_products(record.products)
            changed = True
        if record.partners is not None:
            current = links.get(target, {})
            for pid, old in current.items():
                if pid not in dict(wanted):
                    await session.delete(old)
                    changed = True
            for pid, note in wanted:
                kept = current.get(pid)
                if kept is None:
                    new_links.append(Partner(business_id=target, partner_id=pid, note=note or ""))
                    changed = True
                elif (note is not None and kept.note != note) or not kept.confirmed:
                    kept.note, kept.confirmed = kept.note if note is None else note, True
                    changed = True
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    bar.close()
    await session.flush()
    session.add_all(new_links)
    await session.flush()
    return counts
