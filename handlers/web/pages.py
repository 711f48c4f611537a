"""Public HTML pages, the sitemap, llms.txt, the newsletter digest and QR codes.

A business whose owner opted out has no public page (404) and is not in the sitemap, the API or
exports; the bot in Telegram still finds it, since the owner keeps their listing there.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from aiohttp import web

from catalog.jsonld import OSM_CREDIT, business_jsonld, exportable, osm_url, page_url, photo_url, schema_type
from catalog.views import AreaView, BusinessView
from concierge import digest
from concierge.app import App
from concierge.deeplinks import DeepLink, decode, short_ref, start_url, valid_campaign
from concierge.hours_text import describe
from concierge.i18n import LANGUAGES, translator
from handlers.web.api import MAX_QUERY, public_business
from handlers.web.attribution import count_visit
from handlers.web.context import (
    APP,
    NOT_FOUND_PAGE,
    BadRequest,
    base_url,
    parse_int,
    request_language,
    require_token,
)

STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:44rem;margin:0 auto;padding:1rem;"
    "line-height:1.55;color:#1d1d1d;background:#fdfcf8}a{color:#1a4d2e}h1{line-height:1.2}"
    "a:focus-visible{outline:3px solid #e0a100;outline-offset:2px}.ask{display:inline-block;padding:.6rem 1rem;"
    "background:#1a4d2e;color:#fff;border-radius:.4rem;text-decoration:none;font-weight:600}"
    "dt{font-weight:600;margin-top:.6rem}dd{margin-left:0}footer{margin-top:2rem;font-size:.85rem;color:#555}"
)


def _page(lang: str, title: str, body: str, head: str = "", status: int = 200) -> web.Response:
    document = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>{head}</head>"
        f"<body>{body}</body></html>"
    )
    return web.Response(text=document, content_type="text/html", status=status)


def not_found_page(lang: str) -> web.Response:
    t = translator(lang)
    body = (
        f"<main><h1>{html.escape(t('Page not found'))}</h1>"
        f"<p>{html.escape(t('There is no public page here. The business may have left or keeps its page private.'))}</p>"
        f'<p><a href="/?lang={lang}">{html.escape(t("Back to the start page"))}</a></p></main>'
    )
    return _page(lang, t("Page not found"), body, status=404)


def hours_in_words(expression: str, lang: str) -> list[str]:
    """One line per rule ("Tue–Fri 7:30–18:00"); forms that cannot be put in words stay as typed."""
    return [part for part in describe(expression, lang).split("; ") if part.strip()]


def _area(app: App, business: BusinessView) -> AreaView | None:
    return next((a for a in app.search.areas if a.id == business.area_id), None)


def _map_url(business: BusinessView) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={business.lat:.6f}&mlon={business.lon:.6f}"
        f"#map=18/{business.lat:.6f}/{business.lon:.6f}"
    )


async def business_page(request: web.Request) -> web.Response:
    app = request.app[APP]
    lang = request_language(request, app.settings.default_language)
    business = public_business(app, request.match_info["id"])
    if business is None:
        return not_found_page(lang)
    count_visit(request, request.query.get("campaign", ""), "page")
    t = translator(lang)
    e = html.escape
    area = _area(app, business)
    data = business_jsonld(business, area, base_url(app), app.settings.bot_username)
    ld = _json(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    ask = start_url(app.settings.bot_username, DeepLink("business", short_ref(business.id)))
    story = [p for p in (business.story_who, business.story_how, business.story_why) if p.strip()]
    lang_attr = f' lang="{e(business.story_language)}"' if business.story_language else ""
    parts = [f"<main><article><h1>{e(business.name)}</h1>"]
    image = photo_url(base_url(app), business)
    if image:
        parts.append(
            f'<figure><img src="{e(image)}" alt="{e(t("Photo of {name}", name=business.name))}" '
            'style="max-width:100%;height:auto;border-radius:.4rem" loading="lazy"></figure>'
        )
    if story:
        parts.append(f"<section{lang_attr}><h2>{e(t('Their story'))}</h2>")
        parts += [f"<p>{e(' '.join(p.split()))}</p>" for p in story]
        parts.append("</section>")
    parts.append(f'<p><a class="ask" href="{e(ask)}">{e(t("Ask the concierge"))}</a></p><dl>')
    if business.address:
        parts.append(f"<dt>{e(t('Address'))}</dt><dd><address>{e(business.address)}</address></dd>")
    parts.append(
        f'<dt>{e(t("Map"))}</dt><dd><a href="{e(_map_url(business))}">{e(t("Show on OpenStreetMap"))}</a></dd>'
    )
    if business.opening_hours:
        hours = "".join(f"<li>{e(line)}</li>" for line in hours_in_words(business.opening_hours, lang))
        parts.append(f"<dt>{e(t('Opening hours'))}</dt><dd><ul>{hours}</ul></dd>")
    if business.phone:
        parts.append(
            f'<dt>{e(t("Phone"))}</dt><dd><a href="tel:{e(business.phone.replace(" ", ""))}">{e(business.phone)}</a></dd>'
        )
    if business.website:
        parts.append(
            f'<dt>{e(t("Website"))}</dt><dd><a href="{e(business.website)}" rel="nofollow">{e(business.website)}</a></dd>'
        )
    parts.append("</dl>")
    if business.products:
        items = "".join(
            f"<li>{e(p.name)}{' (' + e(t('sold out')) + ')' if p.sold_out else ''}</li>"
            for p in business.products
        )
        parts.append(f"<section><h2>{e(t('Products and services'))}</h2><ul>{items}</ul></section>")
    parts.append("</article></main><footer>")
    if business.source_id:
        parts.append(
            f'<p>{e(t("Based on data from OpenStreetMap"))}: <a href="{e(osm_url(business.source_id) or "")}">'
            f"{e(OSM_CREDIT)}</a></p>"
        )
    parts.append(
        f'<p><a href="/?lang={lang}">{e(t("More local businesses"))}</a> · '
        f'<a href="/privacy?lang={lang}">{e(t("Privacy"))}</a></p></footer>'
    )
    description = business.story_line[:200]
    head = (
        f'<link rel="canonical" href="{e(data["@id"])}">'
        f'<meta name="description" content="{e(description)}">'
        + alternates(page_url(base_url(app), business.id))
        + open_graph(lang, business.name, description, data["@id"], image, "business.business")
        + f'<script type="application/ld+json">{ld}</script>'
    )
    return _page(lang, business.name, "".join(parts), head)


OG_LOCALES = {"nl": "nl_NL", "en": "en_GB", "de": "de_DE", "fr": "fr_FR"}


def alternates(url: str) -> str:
    """hreflang links to the page in each of our languages, and ``x-default`` to the plain URL (the
    language from the browser's Accept-Language)."""
    links = [
        f'<link rel="alternate" hreflang="{code}" href="{html.escape(url)}?lang={code}">'
        for code in LANGUAGES
    ]
    links.append(f'<link rel="alternate" hreflang="x-default" href="{html.escape(url)}">')
    return "".join(links)


def open_graph(lang: str, title: str, description: str, url: str, image: str | None, kind: str) -> str:
    """Open Graph tags, so a shared link shows a title, a line of the story and the photo."""
    tags = [
        ("og:type", kind),
        ("og:title", title),
        ("og:url", url),
        ("og:locale", OG_LOCALES[lang]),
        *(("og:locale:alternate", OG_LOCALES[code]) for code in LANGUAGES if code != lang),
    ]
    if description:
        tags.append(("og:description", description))
    if image:
        tags.append(("og:image", image))
    card = "summary_large_image" if image else "summary"
    return (
        "".join(f'<meta property="{name}" content="{html.escape(value)}">' for name, value in tags)
        + f'<meta name="twitter:card" content="{card}">'
    )


def _json(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


async def landing(request: web.Request) -> web.Response:
    app = request.app[APP]
    lang = request_language(request, app.settings.default_language)
    t = translator(lang)
    e = html.escape
    area = app.search.area
    title = (
        t("Independent businesses in {area}", area=area.name) if area else t("Independent local businesses")
    )
    bot = f"https://t.me/{app.settings.bot_username}"
    body = (
        f"<main><h1>{e(title)}</h1><p>{e(t('Ask where to buy something nearby, and meet the people behind the shops.'))}</p>"
        f'<p><a class="ask" href="{e(bot)}">{e(t("Ask the concierge"))}</a></p>'
        f'<div id="concierge-widget"><script src="/widget.js" data-lang="{lang}" async></script></div>'
        f"<h2>{e(t('For developers'))}</h2><ul>"
        f'<li><a href="/api/v1/openapi.json">{e(t("Public API (OpenAPI)"))}</a></li>'
        f'<li><a href="/llms.txt">llms.txt</a></li><li><a href="/sitemap.xml">sitemap.xml</a></li></ul></main>'
        f'<footer><p><a href="/privacy?lang={lang}">{e(t("Privacy"))}</a></p></footer>'
    )
    head = alternates(f"{base_url(app)}/") + open_graph(
        lang,
        title,
        t("Ask where to buy something nearby, and meet the people behind the shops."),
        f"{base_url(app)}/",
        None,
        "website",
    )
    return _page(lang, title, body, head)


async def privacy(request: web.Request) -> web.Response:
    """What the web and the bot keep, in the visitor's language; the bot's part is the same text as its
    /privacy command, so the two cannot drift apart."""
    app = request.app[APP]
    lang = request_language(request, app.settings.default_language)
    t = translator(lang)
    e = html.escape
    web_part = [
        t("This website and its search widget set no cookies and use no trackers."),
        t(
            "Your IP address is used only to limit how many requests one visitor can make: it is kept as a "
            "hash, for a few seconds."
        ),
        t(
            "A visit through a newsletter link or a widget carrying a campaign tag adds one to that "
            "campaign's count for the day. Nothing about you is stored with it."
        ),
    ]
    bot_part = t(
        "What I keep about you: your language choice, and your position rounded to about 100 m "
        "for 24 hours. Your last question is kept for 30 minutes for the More button. "
        "If you came through a link from a newsletter or poster, its campaign tag is kept with your "
        "Telegram user id for 24 hours, so that your questions count in that campaign's daily totals. "
        "Nothing else: no names, no chats, no history. Owners and editors only see daily totals, never "
        "who asked. /forgetme deletes everything at once."
    )
    body = (
        f"<main><h1>{e(t('Privacy'))}</h1><h2>{e(t('On this website'))}</h2>"
        + "".join(f"<p>{e(line)}</p>" for line in web_part)
        + f"<h2>{e(t('In the Telegram bot'))}</h2><p>{e(bot_part)}</p>"
        + f'</main><footer><p><a href="/?lang={lang}">{e(t("Back to the start page"))}</a></p></footer>'
    )
    return _page(lang, t("Privacy"), body, alternates(f"{base_url(app)}/privacy"))


async def robots_txt(request: web.Request) -> web.Response:
    """Everything public may be crawled; the newsletter block and QR images are for editors, and the
    widget's iframe page is a tool, not content. Names the sitemap."""
    base = base_url(request.app[APP])
    text = f"User-agent: *\nAllow: /\nDisallow: /digest\nDisallow: /qr/\n\nSitemap: {base}/sitemap.xml\n"
    return web.Response(
        text=text,
        content_type="text/plain",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _sitemap_entry(url: str, lastmod: str = "") -> str:
    """One ``<url>`` with its language versions (``?lang=``) as hreflang alternates, as Google reads them."""
    links = "".join(
        f'<xhtml:link rel="alternate" hreflang="{code}" href="{xml_escape(f"{url}?lang={code}")}"/>'
        for code in LANGUAGES
    )
    links += f'<xhtml:link rel="alternate" hreflang="x-default" href="{xml_escape(url)}"/>'
    return f"<url><loc>{xml_escape(url)}</loc>{lastmod}{links}</url>"


async def sitemap(request: web.Request) -> web.Response:
    app = request.app[APP]
    base = base_url(app)
    urls = [_sitemap_entry(f"{base}/")]
    for business in sorted(app.search.businesses(), key=lambda b: b.id):
        if not exportable(business):
            continue
        lastmod = (
            f"<lastmod>{business.updated_at.date().isoformat()}</lastmod>" if business.updated_at else ""
        )
        urls.append(_sitemap_entry(f"{base}/b/{business.id}", lastmod))
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
        + "".join(urls)
        + "</urlset>\n"
    )
    return web.Response(text=text, content_type="application/xml")


LLMS = """# {title}

> A catalogue of independent neighbourhood businesses{where}: what they sell, where they are, when they
> are open, and their owners' own stories. Residents ask a Telegram bot (https://t.me/{bot}) in Dutch,
> English, German or French; this site offers the same catalogue to software and AI assistants.

## What is in it
- {count} published businesses with a public page, e.g. {example}
- Each page carries schema.org JSON-LD (LocalBusiness or a more specific type): address, geo,
  openingHoursSpecification, sameAs/website, description and founder from the owner's story, offers.
- Records imported from OpenStreetMap (with a `source_id` such as `node/123`) are
  © OpenStreetMap contributors, available under the Open Database Licence (ODbL 1.0,
  https://opendatacommons.org/licenses/odbl/1-0/); attribute them when you reuse them.
- Owners who opted out have no public page and are left out of the API (search, list and detail),
  the widget, the MCP tools, the sitemap and the open-data export (`concierge export --format jsonld`).
  Residents still find them through the Telegram bot: the owner keeps their listing there.
- No owner or resident identities are published anywhere.

## API (read-only JSON, CORS open, rate-limited per client; 429 with Retry-After when exceeded)
- [OpenAPI 3.1 document]({base}/api/v1/openapi.json)
- `GET {base}/api/v1/search?q=QUESTION&lat=&lon=&lang=&limit=`: the bot's answer to a question, same
  JSON as `concierge ask --json` (`results` is empty when nothing nearby fits; an honest empty answer). `q` is at most {max_query}
  characters; a longer question is refused with 400 `query_too_long` rather than cut.
- `GET {base}/api/v1/round?items=bread,cheese,wine,flowers&lat=&lon=&lang=&at=&exclude=`: a shopping
  list as a walking round: the fewest nearby independent shops open then that together sell every item,
  in the shortest walking order, with items nobody nearby sells named.
- `GET {base}/api/v1/businesses/{{id}}`: one business.
- `GET {base}/api/v1/businesses?area=&category=&page=&per_page=`: a paged list (`total`, `next`).
- Errors are `{{"error": {{"code", "message"}}}}` with a 4xx status (a too long question or too large
  body included; URLs and headers beyond 64 KiB are cut off by the HTTP parser); unknown parameters are
  ignored.
- One language per answer: `lang` (nl, en, de, fr) is the answer's language; without `lang`, the
  question's own; any other `lang` gives the area's language ({default_language}) and a `notice`
  (`language_unavailable`) saying so. Owners' stories stay as written; `story_lang` names their language.

## Other
- [Sitemap]({base}/sitemap.xml) of all public business pages: `{base}/b/{{id}}`
- Newsletter block: `GET {base}/digest?area=&count=3&format=html|markdown|text&campaign=&lang=` is a
  preview that records nothing; an editor takes the day's digest with `POST` and
  `Authorization: Bearer <publisher token>`, which records it for the four-week rotation. A campaign's
  digest of one day stays the same. Only independents with an owner's story are featured.
- Embeddable search: `<script src="{base}/widget.js" data-lang="nl" async></script>`, or with
  `data-iframe` an iframe of `{base}/widget` that sizes itself; `data-campaign=TAG` counts views per day.
- Privacy: {base}/privacy (no cookies; campaign visits are counted per day, never per person)
- MCP server for assistants: `concierge mcp` (stdio), tools `search_local_businesses`, `plan_shopping_round` and `get_business`
"""


async def llms_txt(request: web.Request) -> web.Response:
    app = request.app[APP]
    area = app.search.area
    public = sorted((b for b in app.search.businesses() if exportable(b)), key=lambda b: b.id)
    base = base_url(app)
    text = LLMS.format(
        title=f"Neighbourhood concierge: {area.name}" if area else "Neighbourhood concierge",
        where=f" in {area.name}, {area.city}" if area and area.city else (f" in {area.name}" if area else ""),
        bot=app.settings.bot_username,
        count=len(public),
        example=f"{base}/b/{public[0].id} ({schema_type(public[0].categories)})"
        if public
        else f"{base}/b/ID",
        base=base,
        max_query=MAX_QUERY,
        default_language=app.settings.default_language,
    )
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


def _find_area(app: App, wanted: str) -> AreaView:
    for area in app.search.areas:
        if wanted.lower() in (area.id.lower(), area.name.lower()):
            return area
    raise BadRequest("unknown_area", "no area with that id or name", 404)


async def _digest(request: web.Request, *, record: bool) -> web.Response:
    """The block for the query parameters (and, for POST, form fields, which take precedence)."""
    app = request.app[APP]
    params: dict[str, str] = dict(request.query)
    if request.method == "POST":
        form = await request.post()  # over client_max_size: a JSON 413
        params.update((key, value) for key, value in form.items() if isinstance(value, str))
    lang = request_language(request, app.settings.default_language, params.get("lang", ""))
    fmt = next((f for f in digest.FORMATS if f == params.get("format", "html")), None)
    if fmt is None:
        raise BadRequest("bad_parameter", "format must be html, markdown or text")
    count = parse_int(params.get("count"), "count", 3, 1, digest.MAX_COUNT)
    campaign = params.get("campaign") or None
    if campaign is not None and not valid_campaign(campaign):
        raise BadRequest("bad_parameter", "campaign is 1-20 letters, digits or hyphens")
    area = _find_area(app, params["area"]) if params.get("area") else None
    chosen = await digest.pick(
        app.sessions,
        app.search.businesses(),
        area=area.id if area else None,
        count=count,
        campaign=campaign,
        today=dt.datetime.now(dt.UTC).date(),
        record=record,
    )
    featured = [
        digest.feature(b, bot_username=app.settings.bot_username, campaign=campaign, qr_base=base_url(app))
        for b in chosen
    ]
    only = app.search.areas[0] if len(app.search.areas) == 1 else None
    text = digest.render(featured, fmt, lang, area or only)
    content_type = {"html": "text/html", "markdown": "text/markdown", "text": "text/plain"}[fmt]
    return web.Response(
        text=text, content_type=content_type, charset="utf-8", headers={"Cache-Control": "no-store"}
    )


async def digest_block(request: web.Request) -> web.Response:
    """A preview: what the digest holds today, recording nothing (prefetchers and tools fetch freely)."""
    return await _digest(request, record=False)


async def record_digest(request: web.Request) -> web.Response:
    """An editor takes today's digest: the pick is recorded for the rotation (publisher or moderator token)."""
    settings = request.app[APP].settings
    require_token(request, "publisher", settings.publisher_token, settings.moderator_token)
    return await _digest(request, record=True)


@functools.lru_cache(maxsize=512)
def _qr(link: str) -> bytes:
    return digest.qr_png(link)


async def qr_code(request: web.Request) -> web.Response:
    app = request.app[APP]
    link = decode(request.match_info["payload"])
    if link is None:
        raise BadRequest("not_found", "not a deep-link payload of this bot", 404)
    png = _qr(start_url(app.settings.bot_username, link))
    return web.Response(
        body=png, content_type="image/png", headers={"Cache-Control": "public, max-age=86400"}
    )


def setup(web_app: web.Application) -> None:
    web_app[NOT_FOUND_PAGE] = not_found_page
    web_app.router.add_get("/", landing)
    web_app.router.add_get("/b/{id}", business_page)
    web_app.router.add_get("/sitemap.xml", sitemap)
    web_app.router.add_get("/robots.txt", robots_txt)
    web_app.router.add_get("/privacy", privacy)
    web_app.router.add_get("/llms.txt", llms_txt)
    web_app.router.add_get("/digest", digest_block)
    web_app.router.add_post("/digest", record_digest)
    web_app.router.add_get(r"/qr/{payload:[A-Za-z0-9_-]{1,64}}.png", qr_code)
