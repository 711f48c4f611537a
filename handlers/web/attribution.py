"""Campaign attribution for the web: visits to business pages and widget views, per campaign and day.

A newsletter links to ``/b/<id>?campaign=<tag>`` or embeds the widget with ``data-campaign``; each visit
adds one to that campaign's daily count (``page`` or ``widget``), next to the bot's ``start`` and
``question`` counts (``concierge.stats``). Nothing about the visitor is stored: no address, no cookie,
no id; counts gather in memory for a moment and are written in one upsert (``Counts``).
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from concierge.conversation.counts import Counts, campaign_subject
from concierge.deeplinks import valid_campaign
from handlers.web.context import APP, BadRequest

COUNTS = web.AppKey("web_counts", Counts)
WEB_KINDS = ("page", "widget")


def count_visit(request: web.Request, campaign: str, kind: str) -> None:
    """One visit of ``kind`` for a valid ``campaign`` tag (anything else is ignored)."""
    if kind in WEB_KINDS and valid_campaign(campaign):
        today = dt.datetime.now(dt.UTC).date()
        request.app[COUNTS].add(today, [(campaign_subject(campaign), kind)])


async def visit(request: web.Request) -> web.Response:
    """``POST /api/v1/visit?campaign=TAG&kind=widget``: the widget, shown on a page with a campaign tag."""
    campaign = request.query.get("campaign", "")
    kind = request.query.get("kind", "widget")
    if not valid_campaign(campaign):
        raise BadRequest("bad_parameter", "campaign is 1-20 letters, digits or hyphens")
    if kind not in WEB_KINDS:
        raise BadRequest("bad_parameter", "kind must be page or widget")
    count_visit(request, campaign, kind)
    return web.Response(status=204, headers={"Cache-Control": "no-store"})


def setup(web_app: web.Application) -> None:
    async def start(web_app: web.Application) -> None:
        web_app[COUNTS] = Counts(web_app[APP].engine)

    async def stop(web_app: web.Application) -> None:
        await web_app[COUNTS].drain()

    web_app.on_startup.append(start)
    web_app.on_cleanup.append(stop)
    web_app.router.add_post("/api/v1/visit", visit)
