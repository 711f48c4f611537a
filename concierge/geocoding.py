"""Typed addresses to positions, for owners who would rather type their address than share a pin.

Two geocoders behind one call, chosen by ``CONCIERGE_GEOCODER``: OpenStreetMap's Nominatim through
geopy (with an identifying user agent and at most one request a second, as its usage policy asks), and
an offline one that only knows the neighbourhood: its named places and the addresses of businesses
already in the catalogue. Tests and demos use the offline one, and a fictional area always does (its
streets exist nowhere else). Both return ``None`` rather than raise: the owner can still share a pin.
"""

from __future__ import annotations

import logging
import re
import statistics
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.models import Business
from catalog.views import AreaView

log = logging.getLogger(__name__)

USER_AGENT = "concierge-neighbourhood-bot/0.1 (+https://github.com/concierge; owners' listings)"
MIN_DELAY_SECONDS = 1.0
MIN_SCORE = 85
MAX_QUERY_CHARS = 200


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float
    address: str


Geocode = Callable[[str], Awaitable[Place | None]]


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


_NUMBER = re.compile(r"^(?P<street>.*?\D)\s*(?P<number>\d+\s*[a-zA-Z]?)\b")


def _street_and_number(text: str) -> tuple[str, str]:
    first = text.split(",")[0].strip()
    match = _NUMBER.match(first)
    if match is None:
        return _fold(first), ""
    return _fold(match["street"]), match["number"].replace(" ", "").lower()


@dataclass(frozen=True, slots=True)
class KnownAddress:
    address: str
    lat: float
    lon: float


def offline_lookup(
    query: str, known: Iterable[KnownAddress], places: dict[str, tuple[float, float]]
) -> Place | None:
    """The best match in the neighbourhood's own data: an exact address, then a street, then a place."""
    query = query.strip()[:MAX_QUERY_CHARS]
    if not _fold(query):
        return None
    street, number = _street_and_number(query)
    by_street: dict[str, list[KnownAddress]] = {}
    for item in known:
        if item.address.strip():
            by_street.setdefault(_street_and_number(item.address)[0], []).append(item)
    found = (
        process.extractOne(street, list(by_street), scorer=fuzz.ratio, score_cutoff=MIN_SCORE)
        if street
        else None
    )
    if found is not None:
        matches = by_street[found[0]]
        exact = [m for m in matches if _street_and_number(m.address)[1] == number and number]
        if exact:
            return Place(exact[0].lat, exact[0].lon, exact[0].address)
        lat = statistics.fmean(m.lat for m in matches)
        lon = statistics.fmean(m.lon for m in matches)
        street_name = matches[0].address.split(",")[0]
        numbered = _NUMBER.match(street_name)
        street_name = numbered["street"].strip() if numbered else street_name
        label = f"{street_name} {number}".strip() if number else street_name
        return Place(lat, lon, label)
    names = {_fold(name): name for name in places}
    hit = process.extractOne(_fold(query), list(names), scorer=fuzz.WRatio, score_cutoff=MIN_SCORE)
    if hit is not None:
        name = names[hit[0]]
        lat, lon = places[name]
        return Place(lat, lon, name)
    return None


async def known_addresses(sessions: async_sessionmaker[AsyncSession]) -> list[KnownAddress]:
    async with sessions() as session:
        rows = await session.execute(
            select(Business.address, Business.lat, Business.lon).where(Business.address != "")
        )
        return [KnownAddress(address, lat, lon) for address, lat, lon in rows]


def offline_geocoder(sessions: async_sessionmaker[AsyncSession], area: AreaView | None) -> Geocode:
    async def geocode(query: str) -> Place | None:
        return offline_lookup(query, await known_addresses(sessions), dict(area.places) if area else {})

    return geocode


@cache
def _nominatim(user_agent: str) -> Callable[..., Awaitable[object]]:
    """One rate-limited geocoder per process, so the one-request-a-second limit holds across owners.
    geopy is imported here, when Nominatim is first used: it loads all its geocoders (about 15 MB)."""
    from geopy.adapters import AioHTTPAdapter
    from geopy.extra.rate_limiter import AsyncRateLimiter
    from geopy.geocoders import Nominatim

    geolocator = Nominatim(user_agent=user_agent, adapter_factory=AioHTTPAdapter, timeout=10)
    return AsyncRateLimiter(geolocator.geocode, min_delay_seconds=MIN_DELAY_SECONDS, max_retries=1)


def nominatim_geocoder(area: AreaView | None, user_agent: str = USER_AGENT) -> Geocode:
    async def geocode(query: str) -> Place | None:
        text = query.strip()[:MAX_QUERY_CHARS]
        if not text:
            return None
        if area and area.city and area.city.casefold() not in text.casefold():
            text = f"{text}, {area.city}"
        country = area.country.lower() if area else None
        try:
            location = await _nominatim(user_agent)(text, country_codes=country, exactly_one=True)
        except Exception as error:
            log.warning("geocoding failed: %s", type(error).__name__)
            return None
        if location is None:
            return None
        return Place(location.latitude, location.longitude, location.address)  # type: ignore[attr-defined]

    return geocode


def geocoder_for(kind: str, sessions: async_sessionmaker[AsyncSession], area: AreaView | None) -> Geocode:
    """``kind`` is the setting; a fictional area is always resolved offline."""
    if kind == "offline" or (area is not None and area.fictional):
        return offline_geocoder(sessions, area)
    return nominatim_geocoder(area)
