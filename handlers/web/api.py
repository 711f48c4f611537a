"""The public read-only API under /api/v1: search, one business, a paged list, stats, OpenAPI.

Decisions a client can rely on (also in /llms.txt and the OpenAPI document):
- a question longer than ``MAX_QUERY`` characters is refused with 400 ``query_too_long``, not cut;
- unknown query parameters are ignored;
- one language per answer (``language``; ``message`` and every ``why`` are in it): ``lang`` when it is
  one of nl, en, de, fr (a regional tag such as ``de-CH`` counts as its language), else the language the
  question is written in when ``lang`` is absent; any other ``lang`` falls back to the area's language
  (``CONCIERGE_DEFAULT_LANGUAGE``) and the answer says so in ``notice`` (code ``language_unavailable``).
  Owners' stories stay as they wrote them, with ``story_lang`` saying in which language;
- search answers are the bot's answers (same engine, same JSON) minus businesses whose owners opted
  out of the public web; the list, the detail endpoint, the pages, the sitemap and the open-data
  export leave them out too, while the bot in Telegram still finds them;
- owners' identities and roles are never part of any response.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from catalog import fields as registry
from catalog.jsonld import ODBL_URL, OSM_CREDIT, exportable, osm_url, page_url
from catalog.views import BusinessView
from concierge.app import App
from concierge.i18n import LANGUAGES, normalise_language, translator
from concierge.stats import campaign_stats
from handlers.web.context import (
    APP,
    BadRequest,
    base_url,
    json_response,
    query_int,
    query_position,
    require_token,
)
from handlers.web.openapi import api_fields, openapi_document

MAX_QUERY = 300
MAX_RESULTS = 5
MAX_PER_PAGE = 100


def business_json(business: BusinessView, public_url: str) -> dict[str, Any]:
    """The public record of one business: catalogue facts and the owner's story, nothing personal."""
    return {
        "id": business.id,
        "source_id": business.source_id,
        **{field.name: registry.to_json(field, getattr(business, field.name)) for field in api_fields()},
        "area": business.area_id,
        "products": [{"name": p.name, "kind": p.kind, "sold_out": p.sold_out} for p in business.products],
        "story": {key: getattr(business, name) for name, key in registry.STORY.items()},
        "partners": list(business.partners),
        "url": page_url(public_url, business.id),
        "osm_url": osm_url(business.source_id) if business.source_id else None,
        "attribution": {"text": OSM_CREDIT, "license": ODBL_URL} if business.source_id else None,
        "updated_at": business.updated_at.isoformat() if business.updated_at else None,
    }


def public_business(app: App, business_id: str) -> BusinessView | None:
    business = app.search.business(business_id)
    return business if business is not None and exportable(business) else None


def answer_language(app: App, lang: str | None) -> tuple[str | None, dict[str, str] | None]:
    """The answer's language for the ``lang`` a client asked for, and a notice when it was not ours.

    ``None`` means the question's own language (no ``lang`` given); see the module docstring.
    """
    asked = (lang or "").strip()
    if not asked:
        return None, None
    chosen = normalise_language(asked, "")
    if chosen in LANGUAGES:
        return chosen, None
    fallback = app.settings.default_language
    t = translator(fallback)
    notice = {
        "code": "language_unavailable",
        "message": t(
            "Answers are available in Dutch, English, German and French; this one is in {language}.",
            language=t(LANGUAGE_NAMES[fallback]),
        ),
    }
    return fallback, notice


LANGUAGE_NAMES = {"nl": "Dutch", "en": "English", "de": "German", "fr": "French"}
"""English names, translated when shown (t(...) of a variable is looked up in web.po)."""


def search_json(
    app: App, question: str, near: tuple[float, float] | None, lang: str | None, limit: int
) -> dict[str, Any]:
    """Validate like the API does, then answer as ``concierge ask --json``, without opted-out businesses.

    Opted-out businesses are dropped from the results and the next relevant ones (the answer's ``more``)
    move up; when none is left the message says so.
    """
    question = " ".join(question.split())
    if not question:
        raise BadRequest("missing_query", "q (the question) is required")
    if len(question) > MAX_QUERY:
        raise BadRequest("query_too_long", f"the question is longer than {MAX_QUERY} characters")
    language, notice = answer_language(app, lang)
    answer = app.search.ask(question, near=near, lang_hint=language, limit=limit, reply_language=language)
    data = answer.to_json()
    data["language"] = language or answer.language
    if notice:
        data["notice"] = notice
    hidden = {r.id for r in (*answer.results, *answer.more) if not _public_id(app, r.id)}
    if hidden:
        kept = [r for r in (*answer.results, *answer.more) if r.id not in hidden][:limit]
        data["results"] = [r.to_json() for r in kept]
        if not kept:
            data["message"] = translator(data["language"])("No local results.")
    return data


def _public_id(app: App, business_id: str) -> bool:
    business = app.search.business(business_id)
    return business is None or not business.opt_out


async def search(request: web.Request) -> web.Response:
    app = request.app[APP]
    near = query_position(request)
    limit = query_int(request, "limit", 3, 1, MAX_RESULTS)
    lang = request.query.get("lang", "")[:35]
    return json_response(search_json(app, request.query.get("q", ""), near, lang, limit), max_age=60)


async def business(request: web.Request) -> web.Response:
    app = request.app[APP]
    found = public_business(app, request.match_info["id"])
    if found is None:
        raise BadRequest("not_found", "no published business with that id", 404)
    return json_response(business_json(found, base_url(app)), max_age=300)


def _matches_category(business: BusinessView, category: str) -> bool:
    if "=" in category:
        return category in business.categories
    return any(
        tag.partition("=")[2] == category or tag.partition("=")[0] == category for tag in business.categories
    )


async def businesses(request: web.Request) -> web.Response:
    app = request.app[APP]
    page = query_int(request, "page", 1, 1, 1_000_000)
    per_page = query_int(request, "per_page", 20, 1, MAX_PER_PAGE)
    area = request.query.get("area", "")
    category = request.query.get("category", "").strip().lower()
    selected = [
        b
        for b in app.search.businesses()
        if exportable(b)
        and (not area or b.area_id == area)
        and (not category or _matches_category(b, category))
    ]
    selected.sort(key=lambda b: b.id)
    start = (page - 1) * per_page
    items = selected[start : start + per_page]
    next_url = None
    if start + per_page < len(selected):
        query = {key: value for key, value in (("area", area), ("category", category)) if value}
        next_url = str(
            request.url.with_query({**query, "page": str(page + 1), "per_page": str(per_page)}).relative()
        )
    return json_response(
        {
            "items": [business_json(b, base_url(app)) for b in items],
            "total": len(selected),
            "page": page,
            "per_page": per_page,
            "next": next_url,
        }
    )


async def stats(request: web.Request) -> web.Response:
    app = request.app[APP]
    require_token(request, "moderator", app.settings.moderator_token)
    campaign = request.query.get("campaign") or None
    if campaign is not None and len(campaign) > 64:
        raise BadRequest("bad_parameter", "campaign is at most 64 characters")
    days = query_int(request, "days", 28, 1, 366)
    return json_response(await campaign_stats(app.sessions, campaign, days))


async def openapi(request: web.Request) -> web.Response:
    return json_response(openapi_document(base_url(request.app[APP])), max_age=3600)


def setup(web_app: web.Application) -> None:
    web_app.router.add_get("/api/v1/search", search)
    web_app.router.add_get("/api/v1/businesses", businesses)
    web_app.router.add_get("/api/v1/businesses/{id}", business)
    web_app.router.add_get("/api/v1/stats", stats)
    web_app.router.add_get("/api/v1/openapi.json", openapi)
