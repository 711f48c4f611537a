"""Campaign attribution: aggregated counts per campaign and day (no resident identities): bot starts and
questions through a campaign's deep links, business-page visits (``page``) and widget views (``widget``)
from links and embeds carrying the campaign tag."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.models import DailyCount

PREFIX = "campaign:"
KINDS = ("start", "question", "page", "widget")


async def campaign_stats(
    sessions: async_sessionmaker[AsyncSession],
    campaign: str | None = None,
    days: int = 28,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """``{"since", "until", "campaigns": [{"campaign", "start", "question", "days": [{"day", ...}]}]}``.

    Covers the last ``days`` days up to ``today``; campaigns ordered by starts, most first.
    """
    until = today or dt.datetime.now(dt.UTC).date()
    since = until - dt.timedelta(days=max(1, days) - 1)
    query = select(DailyCount).where(
        DailyCount.day >= since, DailyCount.day <= until, DailyCount.kind.in_(KINDS)
    )
    if campaign is not None:
        query = query.where(DailyCount.subject == PREFIX + campaign)
    else:
        query = query.where(DailyCount.subject.startswith(PREFIX))
    per_campaign: dict[str, dict[dt.date, dict[str, int]]] = {}
    async with sessions() as session:
        for row in await session.scalars(query):
            day = per_campaign.setdefault(row.subject[len(PREFIX) :], {}).setdefault(
                row.day, dict.fromkeys(KINDS, 0)
            )
            day[row.kind] += row.count
    campaigns: list[dict[str, Any]] = [
        {
            "campaign": tag,
            **{kind: sum(day[kind] for day in by_day.values()) for kind in KINDS},
            "days": [{"day": day.isoformat(), **counts} for day, counts in sorted(by_day.items())],
        }
        for tag, by_day in per_campaign.items()
    ]
    campaigns.sort(key=lambda item: (-item["start"], item["campaign"]))
    return {"since": since.isoformat(), "until": until.isoformat(), "campaigns": campaigns}
