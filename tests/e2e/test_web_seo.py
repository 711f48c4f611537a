"""Business pages for search engines and link previews: JSON-LD after Google's LocalBusiness guidance
(read back by pyld and checked against a shape schema), the photo, Open Graph, hreflang, robots.txt."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import jsonschema
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import update

from catalog.models import Business
from tests.support.botapi_emulator import BotAPIEmulator
from tests.support.web_support import PUBLIC_URL, running
from tests.unit.test_jsonld import SCHEMA, expand, values

LOCAL_BUSINESS_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "@type", "@id", "name", "address", "geo", "url", "mainEntityOfPage"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"type": "string"},
        "url": {"type": "string", "pattern": "^http://concierge\\.test/b/"},
        "mainEntityOfPage": {
            "type": "object",
            "required": ["@type", "@id"],
            "properties": {"@type": {"const": "WebPage"}, "@id": {"pattern": "^http://concierge\\.test/b/"}},
        },
        "image": {"type": "string", "pattern": "^https?://"},
        "address": {
            "type": "object",
            "required": ["@type", "addressLocality", "addressCountry"],
            "properties": {
                "@type": {"const": "PostalAddress"},
                "streetAddress": {"type": "string", "not": {"pattern": "\\d{4} ?[A-Z]{2}"}},
                "postalCode": {"type": "string"},
            },
        },
        "geo": {
            "type": "object",
            "required": ["@type", "latitude", "longitude"],
            "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}},
        },
        "sameAs": {"type": "array", "items": {"type": "string", "not": {"pattern": "concierge\\.test"}}},
        "founder": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["@type", "name"],
                "properties": {"@type": {"const": "Person"}},
            },
        },
        "telephone": {"type": "string"},
    },
}
"""What Google's LocalBusiness guidance asks (name, address, and recommended url, geo, image, telephone,
hours) plus the issue's points: our page as url and main entity, the shop's site in sameAs only."""


class Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.alternates: dict[str, str] = {}
        self.images: list[dict[str, str | None]] = []
        self.ld: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta.setdefault(str(a.get("property") or a.get("name")), []).append(str(a.get("content")))
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates[str(a["hreflang"])] = str(a["href"])
        if tag == "img":
            self.images.append(a)
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.ld.append(data)
            self._in_ld = False


def _head(text: str) -> Head:
    head = Head()
    head.feed(text)
    return head


PNG = io.BytesIO()
Image.new("RGB", (40, 30), (200, 120, 40)).save(PNG, format="PNG")


async def test_business_page_structured_data_photo_and_previews(sqlite_url: str) -> None:
    async with BotAPIEmulator() as emulator:
        emulator.files["photo-korenbloem"] = PNG.getvalue()
        async with running(
            sqlite_url,
            bot_token=SecretStr(emulator.token),
            telegram_api_url=emulator.url,
        ) as (app, client):
            async with app.sessions() as session:
                await session.execute(
                    update(Business)
                    .where(Business.id == "bakkerij-de-korenbloem")
                    .values(photo="photo-korenbloem")
                )
                await session.commit()
            await app.rebuild_search()
            page = await client.get("/b/bakkerij-de-korenbloem?lang=de")
            assert page.status == 200
            head = _head(await page.text())
            photo = await client.get("/b/bakkerij-de-korenbloem/photo")
            again = await client.get(
                "/b/bakkerij-de-korenbloem/photo", headers={"If-None-Match": photo.headers["ETag"]}
            )
            photo_bytes = await photo.read()
            assert (await client.get("/b/bloemen-bij-bo/photo")).status == 404  # no photo
    url = f"{PUBLIC_URL}/b/bakkerij-de-korenbloem"
    [ld_text] = head.ld
    document = json.loads(ld_text)
    jsonschema.validate(document, LOCAL_BUSINESS_SHAPE)
    assert document["url"] == url and document["mainEntityOfPage"]["@id"] == url
    assert document["sameAs"] == ["https://korenbloem.example"]
    assert document["image"] == f"{url}/photo"
    assert document["address"]["streetAddress"] == "Lindenstraat 12"
    assert document["address"]["postalCode"] == "3512 AB"
    assert document["address"]["addressLocality"] == "Utrecht"
    assert [f["name"] for f in document["founder"]] == ["Anna Visser", "Piet Visser"]
    [node] = expand(document)
    assert values(node, "image") == [f"{url}/photo"]
    [address] = node[SCHEMA + "address"]
    assert values(address, "postalCode") == ["3512 AB"]
    [main] = node[SCHEMA + "mainEntityOfPage"]
    assert main["@id"] == url and main["@type"] == [SCHEMA + "WebPage"]
    assert {values(f, "name")[0] for f in node[SCHEMA + "founder"]} == {"Anna Visser", "Piet Visser"}
    # the page shows the photo, served through the Bot API, cacheable
    [img] = head.images
    assert img["src"] == f"{url}/photo" and img["alt"] and "Bakkerij de Korenbloem" in str(img["alt"])
    assert photo.status == 200 and photo.content_type == "image/png" and photo_bytes == PNG.getvalue()
    assert "max-age" in photo.headers["Cache-Control"] and again.status == 304
    # link previews and language alternates
    assert head.meta["og:title"] == ["Bakkerij de Korenbloem"]
    assert head.meta["og:url"] == [url] and head.meta["og:image"] == [f"{url}/photo"]
    assert head.meta["og:locale"] == ["de_DE"]
    assert set(head.meta["og:locale:alternate"]) == {"nl_NL", "en_GB", "fr_FR"}
    assert head.meta["og:description"][0].startswith("Anna and Piet Visser")
    assert head.alternates == {
        "nl": f"{url}?lang=nl",
        "en": f"{url}?lang=en",
        "de": f"{url}?lang=de",
        "fr": f"{url}?lang=fr",
        "x-default": url,
    }


async def test_every_public_page_has_valid_structured_data(sqlite_url: str) -> None:
    async with running(sqlite_url) as (_, client):
        for business_id in ("bakkerij-de-korenbloem", "bloemen-bij-bo", "fietsmaker-rijn", "albert-hein"):
            text = await (await client.get(f"/b/{business_id}")).text()
            [ld_text] = _head(text).ld
            document = json.loads(ld_text)
            jsonschema.validate(document, LOCAL_BUSINESS_SHAPE)
            assert expand(document)[0]["@id"] == f"{PUBLIC_URL}/b/{business_id}"
            assert "image" not in document  # none of them has a photo
            if business_id == "bloemen-bij-bo":
                assert [f["name"] for f in document["founder"]] == ["Bo"]
            if business_id == "fietsmaker-rijn":
                assert "founder" not in document  # "Repairs while you wait." names nobody


async def test_robots_txt_names_the_sitemap(sqlite_url: str) -> None:
    async with running(sqlite_url) as (_, client):
        response = await client.get("/robots.txt")
        text = await response.text()
        sitemap = await client.get("/sitemap.xml")
    assert response.status == 200 and response.content_type == "text/plain"
    assert re.search(r"^Sitemap: http://concierge\.test/sitemap\.xml$", text, re.M)
    assert re.search(r"^User-agent: \*$", text, re.M) and "Disallow: /digest" in text
    assert "Disallow: /b/" not in text and "Disallow: /\n" not in text
    assert sitemap.status == 200


async def test_sitemap_lists_language_alternates(sqlite_url: str) -> None:
    import xml.etree.ElementTree as ET

    async with running(sqlite_url) as (_, client):
        text = await (await client.get("/sitemap.xml")).text()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(text)
    entries = {
        url.findtext("s:loc", namespaces=ns): {
            link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)
        }
        for url in root.findall("s:url", ns)
    }
    page = f"{PUBLIC_URL}/b/bakkerij-de-korenbloem"
    assert entries[page] == {
        "nl": f"{page}?lang=nl",
        "en": f"{page}?lang=en",
        "de": f"{page}?lang=de",
        "fr": f"{page}?lang=fr",
        "x-default": page,
    }
    assert f"{PUBLIC_URL}/b/geheime-kaasboer" not in entries
