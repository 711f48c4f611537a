"""The embeddable search widget: /widget.js (one script tag), /widget.css and /widget (iframe page).

The script's texts come from web.po for all four languages, baked into the served file, so the widget
makes no request beyond this server's CSS and API.
"""

from __future__ import annotations

import functools
import html
import json
from importlib.resources import files

from aiohttp import web

from concierge.i18n import LANGUAGES, translator
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
}


def _static(name: str) -> str:
    return files("handlers.web.static").joinpath(name).read_text(encoding="utf-8")


@functools.cache
def widget_js() -> bytes:
    texts = {lang: {key: translator(lang)(msgid) for key, msgid in MESSAGES.items()} for lang in LANGUAGES}
    return _static("widget.js").replace("/*I18N*/ {}", json.dumps(texts, ensure_ascii=False)).encode()


@functools.cache
def widget_css() -> bytes:
    return _static("widget.css").encode()


CACHE = {"Cache-Control": "public, max-age=3600"}


async def script(request: web.Request) -> web.Response:
    return web.Response(
        body=widget_js(), content_type="application/javascript", charset="utf-8", headers=CACHE
    )


async def stylesheet(request: web.Request) -> web.Response:
    return web.Response(body=widget_css(), content_type="text/css", charset="utf-8", headers=CACHE)


async def frame(request: web.Request) -> web.Response:
    """A page made to be embedded in an ``<iframe>``; language from ``?lang=`` or the browser."""
    app = request.app[APP]
    lang = request_language(request, app.settings.default_language)
    position = "".join(
        f' data-{name}="{html.escape(request.query[name])}"'
        for name in ("lat", "lon")
        if _is_number(request.query.get(name, ""))
    )
    title = html.escape(translator(lang)(MESSAGES["label"]))
    document = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
        f'<body style="margin:0;padding:.5rem"><script src="/widget.js" data-lang="{lang}"{position}></script>'
        "</body></html>"
    )
    return web.Response(text=document, content_type="text/html")


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
