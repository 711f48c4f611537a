"""The answer to one question: what ``concierge ask --json``, the bot, the API and MCP all share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Understood:
    what: str
    where: str | None = None
    filters: tuple[str, ...] = ()
    """Any of ``open_now``, ``delivery``, ``pickup``, ``open_day:<0-6>``, ``open_evening``."""


@dataclass(frozen=True, slots=True)
class Result:
    id: str
    name: str
    categories: tuple[str, ...]
    lat: float
    lon: float
    distance_m: int
    open_now: bool | None
    """``None`` when the hours are unknown or cannot be parsed."""
    opens_at: str | None
    """Local ``HH:MM`` (with a weekday prefix when not today) of the next opening, when closed."""
    hours_raw: str
    matched: tuple[str, ...]
    why: str
    """One translated line saying what matched."""
    story: str
    """The first line of the business's own story."""
    independent: bool
    tier: int
    """Relevance tier: 4 exact product, 3 product family or lexicon, 2 category, 1 name or story."""
    source_id: str | None = None
    address: str = ""
    outdated: bool = False
    """Not confirmed by its owner for a long time."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source_id": self.source_id,
            "name": self.name,
            "categories": list(self.categories),
            "lat": self.lat,
            "lon": self.lon,
            "distance_m": self.distance_m,
            "open_now": self.open_now,
            "opens_at": self.opens_at,
            "matched": list(self.matched),
            "why": self.why,
            "story": self.story,
            "independent": self.independent,
            "address": self.address,
            "outdated": self.outdated,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    query: str
    language: str
    understood: Understood
    results: tuple[Result, ...]
    message: str
    """Translated text for the person: a lead-in, or why nothing fits."""
    near: tuple[float, float] | None = None
    near_is_default: bool = False
    """No position was given, so the area's centre was used."""
    nearest_m: int | None = None
    """When nothing fits within reach: how far the nearest relevant business is."""
    more: tuple[Result, ...] = field(default_factory=tuple)
    """Further relevant results beyond ``limit`` (up to 5 in all), for a "More" button."""

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "language": self.language,
            "understood": {
                "what": self.understood.what,
                "where": self.understood.where,
                "filters": list(self.understood.filters),
            },
            "results": [result.to_json() for result in self.results],
            "message": self.message,
        }
