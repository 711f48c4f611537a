"""The newsletter digest: fair rotation in the database, email-safe HTML, deep links, QR codes, CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import subprocess
import sys
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image
from sqlalchemy import select

from catalog.models import Area, Business, Feature
from catalog.views import BusinessView
from concierge import digest
from concierge.app import App
from concierge.deeplinks import PAYLOAD_LIMIT, decode, short_ref
from tests.web_support import TODAY, running, seed

Running = tuple[App, TestClient[Any, Any]]
CONCIERGE = str(Path(sys.executable).with_name("concierge"))


@pytest.fixture
async def web(database_url: str) -> AsyncIterator[Running]:
    async with running(database_url) as pair:
        yield pair


async def _features(app: App) -> list[tuple[str, dt.date, str]]:
    async with app.sessions() as session:
        rows = await session.execute(select(Feature.business_id, Feature.featured_on, Feature.campaign))
        return sorted((r[0], r[1], r[2]) for r in rows)


async def _pick(app: App, count: int, campaign: str | None, today: dt.date = TODAY) -> list[str]:
    chosen = await digest.pick(
        app.sessions, app.search.businesses(), area="lindenhof", count=count, campaign=campaign, today=today
    )
    return [b.id for b in chosen]


INDEPENDENTS = {"bakkerij-de-korenbloem", "bloemen-bij-bo", "fietsmaker-rijn"}


async def test_rotation_is_fair_and_recorded(web: Running) -> None:
    app, _ = web
    first = await _pick(app, 2, "krant")
    assert len(first) == 2 and set(first) <= INDEPENDENTS  # independents first
    assert await _pick(app, 2, "krant") == first  # same campaign, same day: the same digest
    second = await _pick(app, 2, "poster", TODAY + dt.timedelta(days=5))
    assert set(second) == (INDEPENDENTS - set(first)) | {"albert-hein"}  # none twice within 4 weeks
    assert await _pick(app, 3, "flyer", TODAY + dt.timedelta(days=10)) == []
    again = await _pick(app, 4, "maand", TODAY + dt.timedelta(days=29))
    assert set(again) == set(first) and len(again) == 2  # eligible again after four weeks, others not yet
    recorded = await _features(app)
    assert ("geheime-kaasboer", TODAY, "krant") not in recorded
    assert {r[0] for r in recorded} == INDEPENDENTS | {"albert-hein"}


async def test_least_recently_featured_first_and_previews_are_not_recorded(web: Running) -> None:
    app, _ = web
    async with app.sessions() as session:
        session.add_all(
            [
                Feature(
                    business_id="bakkerij-de-korenbloem",
                    featured_on=TODAY - dt.timedelta(days=40),
                    campaign="a",
                ),
                Feature(
                    business_id="bloemen-bij-bo", featured_on=TODAY - dt.timedelta(days=90), campaign="a"
                ),
            ]
        )
        await session.commit()
    assert await _pick(app, 3, None) == ["fietsmaker-rijn", "bloemen-bij-bo", "bakkerij-de-korenbloem"]
    assert len(await _features(app)) == 2


def test_only_published_not_opted_out_in_the_area() -> None:
    views = [
        BusinessView("a", "A", ("shop=bakery",), 0, 0, area_id="x"),
        BusinessView("b", "B", ("shop=bakery",), 0, 0, area_id="x", opt_out=True),
        BusinessView("c", "C", ("shop=bakery",), 0, 0, area_id="x", status="pending"),
        BusinessView("d", "D", ("shop=bakery",), 0, 0, area_id="y"),
    ]
    assert [b.id for b in digest.eligible(views, "x")] == ["a"]
    assert [b.id for b in digest.eligible(views, None)] == ["a", "d"]


class EmailCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag in ("script", "style", "link", "iframe", "form", "object", "embed"):
            self.problems.append(f"<{tag}>")
        for name in values:
            if name == "class" or name == "id" or name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
        if tag == "a":
            self.links.append(values.get("href") or "")
        if tag == "img":
            self.images.append(values)


def check_email_html(text: str) -> EmailCheck:
    check = EmailCheck()
    check.feed(text)
    check.close()
    assert check.problems == []
    assert "table" in check.tags and "div" not in check.tags
    return check


async def test_digest_html_is_email_safe_with_valid_links(web: Running) -> None:
    _, client = web
    response = await client.get("/digest?area=lindenhof&count=3&campaign=krant-nov&lang=nl")
    assert response.status == 200 and response.content_type == "text/html"
    text = await response.text()
    check = check_email_html(text)
    assert "Verhalen uit Lindenhof" in text
    assert "Anna and Piet Visser" in text
    assert len(check.images) == 3
    deep_links = [link for link in check.links if link.startswith("https://t.me/")]
    assert len(deep_links) == 6  # a text link and a linked QR image for each
    for link in check.links:
        parsed = urlparse(link)
        assert parsed.scheme == "https" and parsed.netloc == "t.me" and parsed.path == "/lindenhof_bot"
        [payload] = parse_qs(parsed.query)["start"]
        assert len(payload) <= PAYLOAD_LIMIT
        decoded = decode(payload)
        assert decoded is not None and decoded.kind == "business" and decoded.campaign == "krant-nov"
    for image in check.images:
        assert image["alt"] and image["width"] and image["height"]
        src = image["src"] or ""
        assert src.startswith("http://concierge.test/qr/") and src.endswith(".png")
        png = await client.get(src.replace("http://concierge.test", ""))
        assert png.status == 200 and png.content_type == "image/png"
        assert Image.open(io.BytesIO(await png.read())).size[0] >= 100


@pytest.mark.parametrize("fmt", ["markdown", "text"])
async def test_other_formats_carry_the_same_links(web: Running, fmt: str) -> None:
    _, client = web
    text = await (await client.get(f"/digest?count=2&format={fmt}&campaign=krant&lang=en")).text()
    assert text.count("https://t.me/lindenhof_bot?start=bkrant_") >= 2
    assert "<script" not in text


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("format=pdf", 400),
        ("count=0", 400),
        ("count=11", 400),
        ("count=two", 400),
        ("campaign=bad_tag", 400),
        ("campaign=" + "x" * 21, 400),
        ("area=nowhere", 404),
    ],
)
async def test_bad_digest_input_is_a_json_4xx(sqlite_url: str, query: str, status: int) -> None:
    async with running(sqlite_url) as (_, client):
        response = await client.get(f"/digest?{query}")
        assert response.status == status
        assert (await response.json())["error"]["code"]


@pytest.mark.parametrize("payload", ["hello", "b_" + "a" * 8 + "x", "q_!!", "z" * 64])
async def test_qr_only_for_our_payloads(sqlite_url: str, payload: str) -> None:
    async with running(sqlite_url) as (_, client):
        response = await client.get(f"/qr/{payload}.png")
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


def test_cli_writes_digest_and_qr_files(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    asyncio.run(
        seed(
            url,
            [Area(id="oost", name="Oost", city="Utrecht", center_lat=52.0, center_lon=5.0)]
            + [
                Business(
                    id=f"winkel-{i}",
                    name=f"Winkel {i}",
                    categories=["shop=gift"],
                    lat=52.0,
                    lon=5.0,
                    area_id="oost",
                    story_who=f"Owner {i}.",
                )
                for i in range(4)
            ],
        )
    )
    out = tmp_path / "out"
    result = subprocess.run(
        [
            CONCIERGE,
            "digest",
            "--db",
            url,
            "--area",
            "Oost",
            "--count",
            "3",
            "--campaign",
            "buurtkrant",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    html = (out / "digest.html").read_text()
    check = check_email_html(html)
    pngs = sorted(p.name for p in out.glob("qr-*.png"))
    assert len(pngs) == 3 and sorted(str(i["src"]) for i in check.images) == pngs
    refs = {short_ref(f"winkel-{i}") for i in range(4)}
    assert all(p[len("qr-bbuurtkrant_") : -4] in refs for p in pngs)
    bad = subprocess.run(
        [CONCIERGE, "digest", "--db", url, "--campaign", "no spaces"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "campaign" in bad.stderr and "Traceback" not in bad.stderr
