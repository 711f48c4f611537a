"""Unmet local demand: what residents ask for that nobody nearby sells, counted without anyone in it.

What is counted: a question that got an honest empty answer, and a round item nobody nearby sells,
as the lexicon concepts they name (``food:oat_milk``), per area and per period (the ISO week and
the month, in the area's time zone). Never the text (free words that name no concept are not
counted at all), never who asked.

Distinct people without storing who: each open period has its own random key (``demand_keys``); a
person is marked by ``HMAC(key, user id)`` cut to 128 bits (``demand_marks``) only to tell a repeat
ask from a new person. When the period ends, :func:`close_ended` deletes its key and every mark, and
only the two numbers per concept stay (``demand_counts``): the marks cannot be tied to anyone once
the key is gone, and are gone themselves. While a period is open, linking a mark to a person needs
both the key and that person's Telegram id, which is the same as the database holding state keyed by
that id anyway, so nothing new is exposed. (HyperLogLog in Redis would avoid even the open-period
marks, but the count must also work on the database alone.)

k-anonymity: only a concept asked by at least ``MIN_PEOPLE`` different people in the period is ever
read out of the database (:func:`wanted` filters in SQL); below that it does not exist for anyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from catalog.db import dialect_insert
from catalog.models import DemandCount, DemandKey, DemandMark
from catalog.views import AreaView
from concierge.answers import Answer
from concierge.lexicon import Lexicon
from concierge.understanding import understand

if TYPE_CHECKING:
    from concierge.app import App
    from concierge.round import Round
    from concierge.search import SearchService

log = logging.getLogger(__name__)

MIN_PEOPLE = 5
"""k of k-anonymity: fewer different people than this in a period, and a concept is never shown."""
CONCEPT_KINDS = frozenset({"product", "shop"})


@dataclass(frozen=True, slots=True)
class Wanted:
    concept: str
    asks: int
    people: int


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def periods(now: dt.datetime, timezone: str) -> list[tuple[str, dt.datetime]]:
    """The week and the month ``now`` falls in, each with the moment it ends (UTC)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    day = local.date()
    monday = day - dt.timedelta(days=day.weekday())
    week_end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(), zone)
    next_month = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    month_end = dt.datetime.combine(next_month, dt.time(), zone)
    return [(week_of(day), week_end.astimezone(dt.UTC)), (month_of(day), month_end.astimezone(dt.UTC))]


def area_at(search: SearchService, position: tuple[float, float] | None) -> AreaView | None:
    """The area whose centre is nearest to ``position`` (the first area without one)."""
    if not search.areas:
        return None
    if position is None:
        return search.areas[0]
    lat, lon = position
    return min(search.areas, key=lambda a: (a.center[0] - lat) ** 2 + (a.center[1] - lon) ** 2)


def concepts_of(search: SearchService, question: str, lang: str | None) -> list[str]:
    """The lexicon concepts a question asks for (products, services, kinds of shop), nothing else."""
    read = understand(question, search.reader, lang_hint=lang)
    concepts = search.lexicon.concepts
    return list(
        dict.fromkeys(
            hit.concept
            for unit in read.units
            if not unit.context
            for hit in unit.hits
            if concepts[hit.concept].kind in CONCEPT_KINDS
        )
    )


def _insert(connection: AsyncConnection, table: Any) -> Any:
    return dialect_insert(connection.dialect.name)(table)


async def _key(connection: AsyncConnection, period: str, ends_at: dt.datetime) -> bytes:
    await connection.execute(
        _insert(connection, DemandKey)
        .values(period=period, key=secrets.token_hex(32), ends_at=ends_at)
        .on_conflict_do_nothing(index_elements=["period"])
    )
    key = await connection.scalar(select(DemandKey.key).where(DemandKey.period == period))
    return bytes.fromhex(str(key))


async def record(
    engine: AsyncEngine, area: AreaView, user_id: int, concepts: list[str], now: dt.datetime
) -> None:
    """Counts one person asking for ``concepts`` in ``area`` now, in the current week and month."""
    if not concepts:
        return
    async with engine.begin() as connection:
        for period, ends_at in periods(now, area.timezone):
            key = await _key(connection, period, ends_at)
            asker = _asker(key, user_id)
            for concept in concepts:
                marked = await connection.execute(
                    _insert(connection, DemandMark)
                    .values(period=period, area_id=area.id, concept=concept, asker=asker)
                    .on_conflict_do_nothing()
                )
                new_person = int(marked.rowcount == 1)
                insert = _insert(connection, DemandCount).values(
                    period=period, area_id=area.id, concept=concept, asks=1, people=new_person
                )
                await connection.execute(
                    insert.on_conflict_do_update(
                        index_elements=["period", "area_id", "concept"],
                        set_={
                            "asks": DemandCount.asks + 1,
                            "people": DemandCount.people + new_person,
                        },
                    )
                )


async def _safely(
    engine: AsyncEngine, area: AreaView | None, user_id: int, concepts: list[str], now: dt.datetime
) -> None:
    """Counting never costs a resident their answer: a failure is logged by type and dropped."""
    if area is None or not concepts:
        return
    try:
        await record(engine, area, user_id, concepts, now)
    except Exception as exc:
        log.warning("counting unmet demand failed: %s", type(exc).__name__)


async def record_empty_answer(
    app: App, user_id: int, question: str, answer: Answer, lang: str | None, now: dt.datetime
) -> None:
    """An honest empty answer (nothing nearby, no filter to blame) counts its concepts."""
    if answer.results or answer.understood.filters:
        return
    concepts = concepts_of(app.search, question, lang)
    await _safely(app.engine, area_at(app.search, answer.near), user_id, concepts, now)


async def record_round(app: App, user_id: int, found: Round, now: dt.datetime) -> None:
    """Round items nobody nearby sells count their concepts (closed-now items do not: they are sold)."""
    items = found.request.items
    concepts = [
        concept
        for gap in found.unavailable
        if gap.reason == "missing"
        for concept in items[gap.item].concepts
    ]
    await _safely(app.engine, area_at(app.search, found.start), user_id, list(dict.fromkeys(concepts)), now)


async def forget(connection: AsyncConnection, user_id: int) -> None:
    """/forgetme: the person's marks in the open periods go (the counts, which name nobody, stay);
    on the caller's connection, so it is one transaction with the rest of what is forgotten."""
    for period, key in (await connection.execute(select(DemandKey.period, DemandKey.key))).all():
        asker = _asker(bytes.fromhex(key), user_id)
        await connection.execute(
            delete(DemandMark).where(DemandMark.period == period, DemandMark.asker == asker)
        )


def _asker(key: bytes, user_id: int) -> str:
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


async def close_ended(engine: AsyncEngine, now: dt.datetime) -> int:
    """Deletes the key and the marks of every period that has ended; returns how many periods."""
    async with engine.begin() as connection:
        ended = list(await connection.scalars(select(DemandKey.period).where(DemandKey.ends_at <= now)))
        if ended:
            await connection.execute(delete(DemandMark).where(DemandMark.period.in_(ended)))
            await connection.execute(delete(DemandKey).where(DemandKey.period.in_(ended)))
    return len(ended)


async def wanted(
    sessions: async_sessionmaker[AsyncSession], area_id: str, period: str, limit: int = 50
) -> list[Wanted]:
    """Concepts asked for in ``area_id`` during ``period`` by at least ``MIN_PEOPLE`` people, most asked
    first. The threshold is applied by the database query: nothing below it is ever read out."""
    async with sessions() as session:
        rows = await session.execute(
            select(DemandCount.concept, DemandCount.asks, DemandCount.people)
            .where(
                DemandCount.area_id == area_id,
                DemandCount.period == period,
                DemandCount.people >= MIN_PEOPLE,
            )
            .order_by(DemandCount.asks.desc(), DemandCount.concept)
            .limit(limit)
        )
        return [Wanted(concept, asks, people) for concept, asks, people in rows]


def label(lexicon: Lexicon, concept: str, lang: str) -> str:
    found = lexicon.concepts.get(concept)
    return found.label(lang) if found else concept.partition(":")[2].replace("_", " ")


def could_sell(lexicon: Lexicon, concept: str, categories: tuple[str, ...] | list[str]) -> bool:
    """Whether a business of these OSM categories is of a kind that sells or does ``concept``."""
    found = lexicon.concepts.get(concept)
    if found is None:
        return False
    tags = set(found.tags) | set(found.also)
    return bool(tags & set(categories))


async def report(app: App, area_id: str, period: str, lang: str) -> dict[str, Any]:
    """The public shape of :func:`wanted`, for the API and ``concierge demand --format json``."""
    lexicon = app.search.lexicon
    rows = await wanted(app.sessions, area_id, period)
    return {
        "area": area_id,
        "period": period,
        "min_people": MIN_PEOPLE,
        "wanted": [
            {
                "concept": row.concept,
                "label": label(lexicon, row.concept, lang),
                "asks": row.asks,
                "people": row.people,
                "shop_types": sorted(lexicon.concepts[row.concept].tags)
                if row.concept in lexicon.concepts
                else [],
            }
            for row in rows
        ],
    }
