"""The embeddable search widget: /widget.js (one script tag), /widget.css and /widget (iframe page).

The script's texts come from web.po for all four languages, baked into the served file, so the widget
makes no request beyond this server's CSS and API. The static files are built once per process and served
gzip-compressed when the browser accepts it, with an ETag (a 304 when unchanged) and an hour of caching,
so a newspaper's readers fetch them once.

The iframe page is a page of its own for assistive technology: a ``main`` landmark with an ``h1``, the
widget inside it, result links opening in the top window (``target="_top"``), and its height posted to
the embedding page (``postMessage``), which ``widget.js data-iframe`` uses to size the iframe.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import html
import json
from dataclasses import dataclass
from importlib.resources import files

from aiohttp import web

from catalog import fields as registry
from concierge.deeplinks import valid_campaign
from concierge.i18n import LANGUAGES, translator
from handlers.web.attribution import count_visit
from handlers.web.context import APP, request_language

MESSAGES = {
    "label": "Ask about local shops and services",
    "placeholder": "e.g. where can I buy oat milk?",
    "search": "Search",
    "results": "Results",
    "searching": "Searching…",
    "found": "{n} local results",
    "none": "No local results.",
    "failed": "The search is not available right now. Please try again later.",
    "open": "open now",
    "closed": "closed now",
    "opens": "opens {when}",
    "closed_until": "closed until {date}",
    "chain": "chain store",
}


@dataclass(frozen=True, slots=True)
class Static:
    body: bytes
    gzipped: bytes
    etag: str
    content_type: str


def _static(name: str) -> str:
    return files("handlers.web.static").joinpath(name).read_text(encoding="utf-8")


def _built(text: str, content_type: str) -> Static:
    body = text.encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    return Static(body, gzip.compress(body, compresslevel=9, mtime=0), etag, content_type)


def field_texts(lang: str) -> dict[str, dict[str, object]]:
    """The lines the story card shows (:func:`catalog.fields.on_card`): each result key's label and
    its values in words, for the script to say "Pay: cash, card"."""
    t = translator(lang)
    return {
        field.name: {"label": t(field.card), "values": {v: t(field.says(v)) for v in field.choices}}
        for field in registry.on_card()
    }


@functools.cache
def widget_js() -> Static:
    texts = {
        lang: {
            **{key: translator(lang)(msgid) for key, msgid in MESSAGES.items()},
            "fields": field_texts(lang),
        }
        for lang in LANGUAGES
    }
    script = _static("widget.js").replace("/*I18N*/ {}", json.dumps(texts, ensure_ascii=False))
    return _built(script, "application/javascript")


@functools.cache
def widget_css() -> Static:
    return _built(_static("widget.css"), "text/css")


CACHE = "public, max-age=3600, stale-while-revalidate=86400"


def serve_static(request: web.Request, static: Static) -> web.Response:
    headers = {"Cache-Control": CACHE, "ETag": static.etag, "Vary": "Accept-Encoding"}
    if static.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    body = static.body
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        body = static.gzipped
    return web.Response(body=body, content_type=static.content_type, charset="utf-8", headers=headers)


async def script(request: web.Request) -> web.Response:
    return serve_static(request, widget_js())


async def stylesheet(request: web.Request) -> web.Response:
    return serve_static(request, widget_css())


FRAME_STYLE = (
    "body{margin:0;padding:.5rem;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1d;"
    "background:#fff}h1{font-size:1.1rem;margin:0 0 .5rem}"
)


async def frame(request: web.Request) -> web.Response:
    """A page made to be embedded in an ``<iframe>``; language from ``?lang=`` or the browser."""
    app = request.app[APP]
    lang = request_language(request, app.settings.default_language)
    t = translator(lang)
    options = "".join(
        f' data-{name}="{html.escape(request.query[name])}"'
        for name in ("lat", "lon")
        if _is_number(request.query.get(name, ""))
    )
    campaign = request.query.get("campaign", "")
    if campaign and valid_campaign(campaign):
        options += f' data-campaign="{html.escape(campaign)}"'
        count_visit(request, campaign, "widget")
    title = html.escape(t(MESSAGES["label"]))
    heading = html.escape(t("Independent local businesses"))
    document = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
        f'<meta name="robots" content="noindex"><style>{FRAME_STYLE}</style></head>'
        f"<body><main><h1>{heading}</h1>"
        f'<script src="/widget.js" data-lang="{lang}" data-frame-page{options}></script>'
        "</main></body></html>"
    )
    cache = "no-store" if "data-campaign" in options else "public, max-age=300"  # a tagged view is counted
    response = web.Response(text=document, content_type="text/html", headers={"Cache-Control": cache})
    response.enable_compression()
    return response


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return len(text) < 20


def setup(web_app: web.Application) -> None:
    web_app.router.add_get("/widget.js", script)
    web_app.router.add_get("/widget.css", stylesheet)
    web_app.router.add_get("/widget", frame)
