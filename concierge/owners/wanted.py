"""/mybusiness: what residents asked for this month that nobody nearby sells and that an owner's kind
of shop could sell ("Asked 37 times this month in the neighbourhood, sold nowhere nearby: oat milk").
Only wishes of at least ``demand.MIN_PEOPLE`` different people exist here at all."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from catalog.views import BusinessView
from concierge import demand, demand_report
from concierge.conversation.context import Turn
from concierge.conversation.render import clip, join_blocks, say
from concierge.events import Reply, SendText

LINES = 5


async def wanted_for(turn: Turn, businesses: list[BusinessView]) -> list[Reply]:
    """One message for an owner's businesses, or nothing when no wish fits their kind of shop."""
    search = turn.app.search
    lexicon = search.lexicon
    lines: list[str] = []
    seen: set[str] = set()
    for business in businesses:
        area = next((a for a in search.areas if a.id == business.area_id), None) or search.area
        if area is None:
            continue
        month = demand.month_of(turn.now.astimezone(ZoneInfo(area.timezone)).date())
        rows = [
            row
            for row in await demand.wanted(turn.app.sessions, area.id, month)
            if row.concept not in seen and demand.could_sell(lexicon, row.concept, business.categories)
        ]
        seen.update(row.concept for row in rows)
        lines += demand_report.owner_lines(rows, lexicon, turn.lang)
    if not lines:
        return []
    blocks = [f"<b>{say(demand_report.title(turn.lang))}</b>", *(clip(line, 300) for line in lines[:LINES])]
    return [SendText(join_blocks(blocks))]
