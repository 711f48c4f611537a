"""``GET /api/v1/round``: a shopping list answered as a walking round (``concierge.round``), and
``GET /api/v1/demand``: what the neighbourhood asks for that nobody nearby sells (token required)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from concierge import demand
from concierge.app import App
from concierge.i18n import normalise_language
from concierge.round import plan
from concierge.shopping_list import LIST_CHARS, read_list
from handlers.web.context import APP, BadRequest, json_response, query_position, require_token

MAX_EXCLUDE = 20
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|W(0[1-9]|[1-4]\d|5[0-3]))$")


def parse_at(raw: str | None, timezone: str) -> dt.datetime | None:
    """An ISO 8601 moment; without an offset it is read in the area's own time zone."""
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BadRequest("bad_parameter", "at must be an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


def round_json(
    app: App,
    items: str,
    near: tuple[float, float] | None,
    lang: str | None,
    at: str | None = None,
    exclude: list[str] | None = None,
) -> dict[str, Any]:
    """Validates like the API does, then plans; businesses whose owners opted out of the public web
    are left out, and the next best shops take their place."""
    text = items.strip()
    if not text:
        raise BadRequest("missing_items", "items (the shopping list) is required")
    if len(text) > LIST_CHARS:
        raise BadRequest("items_too_long", f"the list is longer than {LIST_CHARS} characters")
    exclude = [e for e in (exclude or []) if e][:MAX_EXCLUDE]
    search = app.search
    request = read_list(text, search, lang or None, strict=False)
    if request is None:
        raise BadRequest("no_items", "no items found in the list")
    area = search.area
    moment = parse_at(at, area.timezone if area else "UTC")

    def public(result: Any) -> bool:
        business = search.business(result.id)
        return business is None or not business.opt_out

    found = plan(
        search,
        request,
        near=near,
        at=moment,
        exclude=exclude,
        reply_language=normalise_language(lang, request.language) if lang else None,
        keep=public,
    )
    return found.to_json()


async def round_endpoint(request: web.Request) -> web.Response:
    app = request.app[APP]
    near = query_position(request)
    lang = request.query.get("lang", "")[:35]
    exclude = request.query.get("exclude", "").split(",")
    data = round_json(app, request.query.get("items", ""), near, lang, request.query.get("at"), exclude)
    return json_response(data, max_age=0)


async def demand_endpoint(request: web.Request) -> web.Response:
    app = request.app[APP]
    require_token(request, "moderator", app.settings.moderator_token)
    areas = {area.id: area for area in app.search.areas}
    area_id = request.query.get("area", "") or (app.search.area.id if app.search.area else "")
    if area_id not in areas:
        raise BadRequest("not_found", "no such area", 404)
    period = request.query.get("period", "")
    if not PERIOD.match(period):
        raise BadRequest("bad_parameter", "period must be YYYY-MM (a month) or YYYY-Www (an ISO week)")
    lang = normalise_language(request.query.get("lang"), app.settings.default_language)
    return json_response(await demand.report(app, area_id, period, lang))


def setup(web_app: web.Application) -> None:
    web_app.router.add_get("/api/v1/round", round_endpoint)
    web_app.router.add_get("/api/v1/demand", demand_endpoint)
