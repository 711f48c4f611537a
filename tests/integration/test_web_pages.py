"""Public pages over a real socket: business page with JSON-LD, language choice, opt-out, sitemap, llms.txt."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from catalog.jsonld import business_jsonld
from concierge.app import App
from concierge.deeplinks import decode, short_ref
from concierge.i18n import translator
from handlers.web.context import accept_language
from tests.support.web_support import running

Running = tuple[App, TestClient[Any, Any]]


@pytest.fixture
async def web(sqlite_url: str) -> AsyncIterator[Running]:
    async with running(sqlite_url) as pair:
        yield pair


class Page(HTMLParser):
    """Collects what the tests look at: links, JSON-LD blocks, the html lang, and the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.jsonld: list[str] = []
        self.lang = ""
        self.text: list[str] = []
        self._in_ld = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang") or ""
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        self._in_ld = tag == "script" and values.get("type") == "application/ld+json"

    def handle_endtag(self, tag: str) -> None:
        self._in_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.jsonld.append(data)
        else:
            self.text.append(data)


async def _page(client: TestClient[Any, Any], path: str, status: int = 200, **kwargs: Any) -> Page:
    response = await client.get(path, **kwargs)
    assert response.status == status
    assert response.content_type == "text/html"
    return Page(await response.text())


async def test_business_page_has_story_hours_map_deep_link_and_jsonld(web: Running) -> None:
    app, client = web
    page = await _page(client, "/b/bakkerij-de-korenbloem?lang=en")
    assert page.lang == "en"
    text = " ".join(page.text)
    assert "Anna and Piet Visser" in text and "<in the shop>" in text  # escaped, shown as text
    assert "Opening hours" in text and "18:00" in text
    [ld] = page.jsonld
    business = app.search.business("bakkerij-de-korenbloem")
    assert business is not None
    area = app.search.areas[0]
    assert json.loads(ld) == business_jsonld(business, area, "http://concierge.test", "lindenhof_bot")
    assert "</" not in ld
    map_link = next(link for link in page.links if link.startswith("https://www.openstreetmap.org/"))
    assert "mlat=52.090700" in map_link and "mlon=5.121400" in map_link
    ask = next(link for link in page.links if link.startswith("https://t.me/lindenhof_bot?start="))
    link = decode(ask.split("start=", 1)[1])
    assert link is not None and link.kind == "business" and link.value == short_ref("bakkerij-de-korenbloem")


@pytest.mark.parametrize(
    ("query", "header", "lang"),
    [
        ("?lang=de", "", "de"),
        ("", "fr-BE,fr;q=0.9,en;q=0.5", "fr"),
        ("", "ja, en;q=0.2", "en"),
        ("?lang=xx", "", "nl"),
    ],
)
async def test_page_language_from_query_or_accept_language(
    web: Running, query: str, header: str, lang: str
) -> None:
    _, client = web
    headers = {"Accept-Language": header} if header else {}
    page = await _page(client, f"/b/bloemen-bij-bo{query}", headers=headers)
    assert page.lang == lang
    assert translator(lang)("Ask the concierge") in " ".join(page.text)


def test_accept_language_weights() -> None:
    assert accept_language("en;q=0.3, de;q=0.8") == "de"
    assert accept_language("da, nl-BE;q=0.7") == "nl"
    assert accept_language("q=;;,,") is None
    assert accept_language("fr;q=abc, en") == "en"


@pytest.mark.parametrize("path", ["/b/geheime-kaasboer", "/b/nog-niet-open", "/b/nope", "/no/such/page"])
async def test_opted_out_hidden_or_unknown_business_has_no_page(web: Running, path: str) -> None:
    _, client = web
    page = await _page(client, f"{path}?lang=nl", 404)
    assert translator("nl")("Page not found") in " ".join(page.text)
    assert page.jsonld == []


async def test_osm_page_credits_openstreetmap(web: Running) -> None:
    _, client = web
    page = await _page(client, "/b/fietsmaker-rijn")
    assert "https://www.openstreetmap.org/node/123456" in page.links
    assert "© OpenStreetMap contributors, ODbL 1.0" in " ".join(page.text)


async def test_sitemap_lists_public_pages_only(web: Running) -> None:
    _, client = web
    response = await client.get("/sitemap.xml")
    assert response.status == 200
    root = ET.fromstring(await response.text())
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = {loc.text for loc in root.findall("s:url/s:loc", ns)}
    assert "http://concierge.test/b/bakkerij-de-korenbloem" in locations
    assert "http://concierge.test/b/geheime-kaasboer" not in locations
    assert "http://concierge.test/b/nog-niet-open" not in locations
    for location in locations - {"http://concierge.test/"}:
        assert location is not None
        page = await client.get(location.replace("http://concierge.test", ""))
        assert page.status == 200


async def test_llms_txt_describes_catalogue_api_and_licence(web: Running) -> None:
    _, client = web
    response = await client.get("/llms.txt")
    assert response.status == 200 and response.content_type == "text/plain"
    text = await response.text()
    assert text.startswith("# ")
    for needle in (
        "/api/v1/search",
        "/api/v1/businesses",
        "openapi.json",
        "ODbL",
        "opted out",
        "query_too_long",
    ):
        assert needle in text
    assert re.search(r"\b4 published businesses\b", text)


async def test_landing_page_embeds_the_widget(web: Running) -> None:
    _, client = web
    response = await client.get("/", headers={"Accept-Language": "de"})
    text = await response.text()
    assert response.status == 200
    assert '<html lang="de">' in text and 'src="/widget.js"' in text
    assert "Lindenhof" in text
