"""The search service: one in-memory index over the published catalogue, answering questions.

PLACEHOLDER: a naive substring search with the final public API, replaced by the real engine.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.repository import load_areas, load_businesses
from catalog.views import AreaView, BusinessView
from concierge.answers import Answer, Result, Understood
from concierge.deeplinks import short_ref
from concierge.i18n import normalise_language, translator

MAX_RESULTS = 5


class SearchService:
    def __init__(self, areas: list[AreaView], businesses: list[BusinessView], default_language: str = "nl"):
        self.default_language = default_language
        self._load(areas, businesses)

    def _load(self, areas: list[AreaView], businesses: list[BusinessView]) -> None:
        self.areas = areas
        self._by_id = {b.id: b for b in businesses}
        self._by_ref = {short_ref(b.id): b for b in businesses}

    @property
    def area(self) -> AreaView | None:
        return self.areas[0] if self.areas else None

    def business(self, business_id: str) -> BusinessView | None:
        return self._by_id.get(business_id)

    def by_ref(self, ref: str) -> BusinessView | None:
        """The business behind a ``short_ref`` (callback data and deep links carry those)."""
        return self._by_ref.get(ref)

    def businesses(self) -> list[BusinessView]:
        return list(self._by_id.values())

    def ask(
        self,
        question: str,
        *,
        near: tuple[float, float] | None = None,
        lang_hint: str | None = None,
        limit: int = 3,
        now: dt.datetime | None = None,
    ) -> Answer:
        lang = normalise_language(lang_hint, self.default_language)
        t = translator(lang)
        words = question.lower().split()
        results = [
            Result(
                b.id,
                b.name,
                b.categories,
                b.lat,
                b.lon,
                0,
                None,
                None,
                b.opening_hours,
                (),
                "",
                b.story_line,
                b.independent,
                1,
                b.source_id,
                b.address,
            )
            for b in self._by_id.values()
            if any(w in " ".join(p.name.lower() for p in b.products) for w in words)
        ][: min(limit, MAX_RESULTS)]
        message = "" if results else t("Nothing nearby fits that question.")
        return Answer(question, lang, Understood(question), tuple(results), message, near, near is None)


async def open_search(
    sessions: async_sessionmaker[AsyncSession], default_language: str = "nl"
) -> SearchService:
    async with sessions() as session:
        areas = await load_areas(session)
        businesses = await load_businesses(session)
    return SearchService(areas, businesses, default_language)
