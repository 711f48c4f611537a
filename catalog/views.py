"""Read-only views of catalogue records: what search, the conversation and the web show.

Views are plain frozen dataclasses, detached from any database session, so the search index can keep
tens of thousands of them in memory and hand them to any runtime without lazy loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from sys import intern
from typing import Any

from sqlalchemy import Row

from catalog import fields as registry
from catalog.links import safe_link
from catalog.models import Area, Business


def _shared(text: str | None) -> str | None:
    return None if text is None else intern(text)


def _shared_tags(tags: dict[str, Any] | None) -> dict[str, Any]:
    """OSM tags with their keys and short values shared between businesses: tens of thousands of views
    read from the database would each hold their own copy of "shop", "cuisine", "yes" or an area id;
    interned, each is one string (the same goes for categories, kinds, languages, common hours)."""
    return {
        intern(k): intern(v) if isinstance(v, str) and len(v) <= 40 else v for k, v in (tags or {}).items()
    }


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC, and search compares with aware ones."""
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


def _view_value(field: registry.Field, value: Any) -> Any:
    """A column's value as a view holds it: tuples for lists, a dict for ``days``, "" for no text.

    Low-variety strings (tags, choices, hours) are interned: ten thousand shops share a few hundred."""
    if field.kind in ("tags", "choices"):
        return tuple(map(intern, value or ()))
    if field.kind == "days":
        return dict(value or {})
    if field.kind in ("choice", "hours"):
        return intern(value or "")
    if value is None and field.kind not in ("date", "float", "bool"):
        return ""
    return value


@dataclass(frozen=True, slots=True)
class ProductView:
    name: str
    kind: str = "product"
    language: str = ""
    sold_out: bool = False


@dataclass(frozen=True, slots=True)
class AreaView:
    id: str
    name: str
    city: str
    center: tuple[float, float]
    radius_m: int
    timezone: str = "Europe/Amsterdam"
    country: str = "NL"
    fictional: bool = False
    places: dict[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def from_model(cls, area: Area) -> AreaView:
        return cls(
            id=area.id,
            name=area.name,
            city=area.city,
            center=(area.center_lat, area.center_lon),
            radius_m=area.radius_m,
            timezone=area.timezone,
            country=area.country,
            fictional=area.fictional,
            places={name: (float(pos[0]), float(pos[1])) for name, pos in (area.places or {}).items()},
        )


@dataclass(frozen=True, slots=True)
class BusinessView:
    id: str
    name: str
    categories: tuple[str, ...]
    lat: float
    lon: float
    area_id: str | None = None
    source_id: str | None = None
    tags: dict[str, Any] = field(default_factory=dict)
    address: str = ""
    opening_hours: str = ""
    phone: str = ""
    website: str = ""
    languages: tuple[str, ...] = ()
    independent: bool = True
    pickup: bool = False
    delivery: str = "none"
    payment: tuple[str, ...] = ()
    wheelchair: str = ""
    story_who: str = ""
    story_how: str = ""
    story_why: str = ""
    story_language: str = ""
    photo: str = ""
    status: str = "published"
    opt_out: bool = False
    closed_from: dt.date | None = None
    closed_until: dt.date | None = None
    special_hours: dict[str, str] = field(default_factory=dict)
    confirmed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    version: int = 1
    products: tuple[ProductView, ...] = ()
    partners: tuple[str, ...] = ()
    """Ids of confirmed partner businesses."""

    @property
    def story_line(self) -> str:
        """The first sentence-ish line of the story, for a result list."""
        for part in (self.story_who, self.story_how, self.story_why):
            text = " ".join(part.split())
            if text:
                return text
        return ""

    def closed_on(self, day: dt.date) -> bool:
        if self.closed_from is None and self.closed_until is None:
            return False
        start = self.closed_from or dt.date.min
        end = self.closed_until or dt.date.max
        return start <= day <= end

    @classmethod
    def from_model(
        cls,
        business: Business | Row[Any],
        partners: tuple[str, ...] = (),
        products: Iterable[Any] | None = None,
    ) -> BusinessView:
        """Build a view of a business object or a row of its table; ``products`` (rows or objects, in
        their order) default to ``business.products``, which must then be loaded."""
        values = {field.name: _view_value(field, getattr(business, field.name)) for field in registry.FIELDS}
        values["website"] = safe_link(business.website)
        return cls(
            id=business.id,
            area_id=_shared(business.area_id),
            source_id=business.source_id,
            tags=_shared_tags(business.tags),
            status=intern(business.status or "published"),  # the column default, for a row not yet flushed
            opt_out=business.opt_out,
            confirmed_at=_utc(business.confirmed_at),
            updated_at=business.updated_at,
            version=business.version,
            products=tuple(
                ProductView(p.name, intern(p.kind), intern(p.language), p.sold_out)
                for p in (business.products if products is None else products)
            ),
            partners=partners,
            **values,
        )
