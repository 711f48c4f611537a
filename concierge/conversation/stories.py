"""The Story view and the Map view of one business."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from catalog.views import BusinessView
from concierge.conversation import counts
from concierge.conversation.context import Turn
from concierge.conversation.render import plain_clip, story_replies, text_html
from concierge.conversation.routes import extra_rows
from concierge.deeplinks import short_ref
from concierge.events import Reply, SendLocation, SendText, SendVenue


def partner_names(turn: Turn, business: BusinessView) -> list[str]:
    partners = (turn.app.search.business(partner_id) for partner_id in business.partners)
    return [partner.name for partner in partners if partner is not None]


async def story(turn: Turn, business: BusinessView, *, extras: bool = False) -> list[Reply]:
    """The Story view; with ``extras`` (opened with its Story button, as opposed to a link) it carries
    the rows other features add to the ``story`` view, such as the Report button."""
    turn.counts.add(turn.now.date(), [(counts.business_subject(business.id), "opened")])
    area = turn.app.search.area_of(business)
    today = turn.now.astimezone(ZoneInfo(area.timezone if area else "UTC")).date()
    rows = extra_rows(turn, "story", short_ref(business.id)) if extras else ()
    return list(
        story_replies(
            business, turn.t, partner_names(turn, business), lang=turn.lang, today=today, extra_rows=rows
        )
    )


async def map_view(turn: Turn, business: BusinessView) -> list[Reply]:
    turn.counts.add(turn.now.date(), [(counts.business_subject(business.id), "mapped")])
    title = plain_clip(business.name, 100)
    address = plain_clip(business.address, 200)
    if address:
        return [SendVenue(business.lat, business.lon, title, address)]
    return [SendLocation(business.lat, business.lon), SendText(text_html(title))]
