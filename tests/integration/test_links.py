"""Only http(s) links reach people: imported records of every format, pages, JSON-LD, the API, the chat."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import upgrade
from catalog.importers import import_file
from catalog.links import safe_link
from catalog.models import Business
from tests.support.web_support import running

HOSTILE = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.nl/file",
    "https://",
    "http:///path-only",
    "https://exa mple.nl",
    "java\tscript:alert(1)",
]
SAFE = {
    "https://bakkerij.nl": "https://bakkerij.nl",
    "http://bakkerij.nl/over-ons?x=1": "http://bakkerij.nl/over-ons?x=1",
    "www.bakkerij.nl": "https://www.bakkerij.nl",
    "bakkerij.nl": "https://bakkerij.nl",
    "HTTPS://Bakkerij.NL": "HTTPS://Bakkerij.NL",
}


@pytest.mark.parametrize("link", HOSTILE)
def test_a_link_that_is_not_http_is_dropped(link: str) -> None:
    assert safe_link(link) == ""


@pytest.mark.parametrize(("link", "kept"), SAFE.items())
def test_http_links_are_kept(link: str, kept: str) -> None:
    assert safe_link(link) == kept


def write_sources(folder: Path) -> dict[str, Path]:
    """One record per hostile link in each format the importer reads."""
    area = {"name": "Linkdorp", "city": "Utrecht", "center": [52.09, 5.12], "radius_m": 1500}
    businesses = [
        {
            "id": f"winkel-{n}",
            "name": f"Winkel {n}",
            "categories": ["shop=bakery"],
            "lat": 52.09,
            "lon": 5.12,
            "website": link,
        }
        for n, link in enumerate(HOSTILE)
    ]
    catalogue = folder / "catalogue.json"
    catalogue.write_text(json.dumps({"area": area, "businesses": businesses}))
    overpass = folder / "area.overpass.json"
    elements = [
        {
            "type": "node",
            "id": 9000 + n,
            "lat": 52.09,
            "lon": 5.12,
            "tags": {"name": f"OSM winkel {n}", "shop": "bakery", key: link},
        }
        for n, (link, key) in enumerate(zip(HOSTILE, itertools.cycle(["website", "contact:website", "url"])))
    ]
    overpass.write_text(json.dumps({"elements": elements}))
    table = folder / "shops.csv"
    with table.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "name", "categories", "lat", "lon", "website"])
        writer.writeheader()
        for n, link in enumerate(HOSTILE):
            writer.writerow(
                {
                    "id": f"csv-{n}",
                    "name": f"CSV winkel {n}",
                    "categories": "shop=bakery",
                    "lat": "52.09",
                    "lon": "5.12",
                    "website": link,
                }
            )
    return {"catalogue": catalogue, "overpass": overpass, "csv": table}


async def test_no_import_keeps_a_link_that_is_not_http_and_nothing_shows_one(
    sqlite_url: str, tmp_path: Path
) -> None:
    await upgrade(sqlite_url)
    async with running(sqlite_url) as (app, client):
        for fmt, path in write_sources(tmp_path).items():
            summary = await import_file(app.sessions, path, fmt=fmt, progress=False)
            assert summary.imported == len(HOSTILE), (fmt, summary.reasons)
        async with app.sessions() as session:
            websites = list(await session.scalars(select(Business.website)))
        assert len(websites) >= 3 * len(HOSTILE)
        assert all(site == "" or site.startswith(("http://", "https://")) for site in websites)

        # Rendering checks too, for rows written before imports checked (or by hand).
        async with app.sessions.begin() as session:
            for business in await session.scalars(select(Business)):
                business.website = "javascript:alert(1)"
        await app.rebuild_search()
        for business in app.search.businesses():
            assert business.website == ""
        bakery = next(b for b in app.search.businesses() if b.id == "bakkerij-de-korenbloem")
        for path in (f"/b/{bakery.id}", f"/api/v1/businesses/{bakery.id}", "/api/v1/search?q=brood"):
            response = await client.get(path)
            assert response.status == 200, path
            assert "javascript" not in (await response.text()).lower(), path
