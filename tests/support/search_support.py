"""Small synthetic neighbourhoods for search tests: businesses placed by metres from a centre."""

from __future__ import annotations

import math

from catalog.views import AreaView, BusinessView, ProductView
from concierge.search import SearchService, default_parts

CENTRE = (52.0900, 5.1200)
AREA = AreaView(
    id="testwijk",
    name="Testwijk",
    city="Utrecht",
    center=CENTRE,
    radius_m=1500,
    timezone="Europe/Amsterdam",
    country="NL",
    places={"het station": (52.0890, 5.1100)},
)
_PARTS = None


def at(north_m: float, east_m: float = 0.0) -> tuple[float, float]:
    lat = CENTRE[0] + north_m / 110_574
    lon = CENTRE[1] + east_m / (111_320 * math.cos(math.radians(CENTRE[0])))
    return lat, lon


def shop(
    id: str,
    categories: tuple[str, ...],
    north_m: float = 0.0,
    east_m: float = 0.0,
    products: tuple[str, ...] = (),
    *,
    independent: bool = True,
    hours: str = "",
    story: str = "",
    **extra: object,
) -> BusinessView:
    lat, lon = at(north_m, east_m)
    return BusinessView(
        id=id,
        name=extra.pop("name", id.replace("-", " ").title()),  # type: ignore[arg-type]
        categories=categories,
        lat=lat,
        lon=lon,
        area_id=AREA.id,
        opening_hours=hours,
        independent=independent,
        story_who=story,
        products=tuple(ProductView(p) for p in products),
        **extra,  # type: ignore[arg-type]
    )


def service(*businesses: BusinessView, area: AreaView = AREA) -> SearchService:
    """A search over these businesses, sharing one loaded lexicon across tests."""
    global _PARTS
    if _PARTS is None:
        _PARTS = default_parts()
    return SearchService([area], list(businesses), "nl", _PARTS)
