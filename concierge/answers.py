"""The answer to one question: what ``concierge ask --json``, the bot, the API and MCP all share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Understood:
    what: str
    where: str | None = None
    filters: tuple[str, ...] = ()
    """Any of ``open_now``, ``delivery``, ``pickup``, ``open_day:<0-6>``, ``open_evening``, or
    ``<field>:<value>`` of a listing field (``payment:card``, ``wheelchair:yes``)."""


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
    opens_at: dt.datetime | None
    """The next opening, in the shop's local time with its offset, when closed (None when open or unknown)."""
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
    closed_until: dt.date | None = None
    """The last day of the owner's temporary closure, when one covers the moment of asking."""
    opening: str = ""
    """Open now, or when it opens next, in words of the answer's language ("opens tomorrow at 09:00")."""
    story_lang: str = ""
    """The language the owner wrote the story in (stories are never translated)."""
    fields: tuple[tuple[str, Any], ...] = ()
    """``(name, JSON value)`` of the listing fields the story card shows (:func:`catalog.fields.on_card`:
    payment methods, wheelchair access), each a key of its own in the JSON."""

    @property
    def chain(self) -> bool:
        """A branch of a chain brand: listed after the independents that fit and always labelled."""
        return not self.independent

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
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
            "closed_until": self.closed_until.isoformat() if self.closed_until else None,
            "matched": list(self.matched),
            "why": self.why,
            "story": self.story,
            "story_lang": self.story_lang or None,
            "independent": self.independent,
            "chain": self.chain,
            "address": self.address,
            "outdated": self.outdated,
            **dict(self.fields),
        }


def chain_label(result: Result, t: Callable[..., str]) -> str:
    """ " (chain store)" after a chain's name in the reader's language, else nothing: every surface
    that names a result labels chains with this."""
    return f" ({t('chain store')})" if result.chain else ""


@dataclass(frozen=True, slots=True)
class Answer:
    query: str
    language: str
    """The language of the answer's texts (``message``, each ``why`` and ``opening``)."""
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
