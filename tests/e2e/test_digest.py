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
from tests.support.web_support import MODERATOR_TOKEN, TODAY, running, seed

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


async def _pick(
    app: App, count: int, campaign: str | None, today: dt.date = TODAY, *, record: bool = True
) -> list[str]:
    chosen = await digest.pick(
        app.sessions,
        app.search.businesses(),
        area="lindenhof",
        count=count,
        campaign=campaign,
        today=today,
        record=record,
    )
    return [b.id for b in chosen]


STORIED_INDEPENDENTS = {"bakkerij-de-korenbloem", "bloemen-bij-bo", "fietsmaker-rijn"}
"""The seeded area's published independents with a story; the chain Albert Hein has none and is a chain."""


async def test_rotation_is_fair_recorded_and_never_features_chains(web: Running) -> None:
    app, _ = web
    first = await _pick(app, 2, "krant")
    assert len(first) == 2 and set(first) <= STORIED_INDEPENDENTS
    assert await _pick(app, 2, "krant") == first  # same campaign, same day: the same digest
    second = await _pick(app, 2, "poster", TODAY + dt.timedelta(days=5))
    assert second == list(STORIED_INDEPENDENTS - set(first))  # none twice within 4 weeks, no chain filler
    assert await _pick(app, 3, "flyer", TODAY + dt.timedelta(days=10)) == []
    again = await _pick(app, 4, "maand", TODAY + dt.timedelta(days=29))
    assert set(again) == set(first)  # eligible again after four weeks, the other one not yet
    recorded = await _features(app)
    assert {r[0] for r in recorded} == STORIED_INDEPENDENTS
    assert ("albert-hein", TODAY, "krant") not in recorded


async def test_a_days_digest_grows_consistently(web: Running) -> None:
    app, _ = web
    two = await _pick(app, 2, "krant")
    three = await _pick(app, 3, "krant")
    assert three[:2] == two and len(three) == 3 and set(three) == STORIED_INDEPENDENTS
    assert await _pick(app, 1, "krant") == two[:1]
    assert await _pick(app, 3, "krant", record=False) == three
    assert len(await _features(app)) == 3


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
    assert await _pick(app, 3, None, record=False) == [
        "fietsmaker-rijn",
        "bloemen-bij-bo",
        "bakkerij-de-korenbloem",
    ]
    assert len(await _features(app)) == 2


def test_only_published_storied_independents_not_opted_out_in_the_area() -> None:
    story = {"story_who": "Someone."}
    views = [
        BusinessView("a", "A", ("shop=bakery",), 0, 0, area_id="x", **story),
        BusinessView("b", "B", ("shop=bakery",), 0, 0, area_id="x", opt_out=True, **story),
        BusinessView("c", "C", ("shop=bakery",), 0, 0, area_id="x", status="pending", **story),
        BusinessView("d", "D", ("shop=bakery",), 0, 0, area_id="y", story_why="Because."),
        BusinessView("e", "E", ("shop=bakery",), 0, 0, area_id="x"),
        BusinessView("f", "F", ("shop=bakery",), 0, 0, area_id="x", story_how="  "),
        BusinessView("g", "G", ("shop=bakery",), 0, 0, area_id="x", independent=False, **story),
    ]
    assert [b.id for b in digest.eligible(views, "x")] == ["a"]
    assert [b.id for b in digest.eligible(views, None)] == ["a", "d"]


async def test_a_get_flood_leaves_the_rotation_untouched(web: Running) -> None:
    app, client = web
    first = None
    for _ in range(25):
        response = await client.get("/digest?area=lindenhof&count=3&campaign=krant&format=text")
        assert response.status == 200
        text = await response.text()
        first = first or text
        assert text == first  # a stable preview
    assert "Bakkerij de Korenbloem" in first and "Albert Hein" not in first
    assert await _features(app) == []
    for campaign in ("a", "b", "c", "d", "e"):
        await client.get(f"/digest?count=3&campaign={campaign}")
    assert await _features(app) == []
    assert len(await _pick(app, 3, "later", record=False)) == 3  # nothing was used up


async def test_recording_needs_a_publisher_or_moderator_token(database_url: str) -> None:
    async with running(database_url, publisher_token="editor-secret") as (app, client):
        url = "/digest?area=lindenhof&count=2&campaign=krant&format=text"
        anonymous = await client.post(url)
        assert anonymous.status == 401 and (await anonymous.json())["error"]["code"] == "unauthorized"
        wrong = await client.post(url, headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401
        assert await _features(app) == []
        taken = await client.post(url, headers={"Authorization": "Bearer editor-secret"})
        assert taken.status == 200
        recorded = await _features(app)
        assert len(recorded) == 2 and {r[2] for r in recorded} == {"krant"}
        taken_text = await taken.text()
        assert all(name in taken_text for name in _names(app, recorded))
        preview = await client.get(url)
        assert await preview.text() == taken_text  # the recorded digest, unchanged
        more = await client.post(
            url.replace("count=2", "count=3"), headers={"Authorization": f"Bearer {MODERATOR_TOKEN}"}
        )
        assert more.status == 200 and len(await _features(app)) == 3
        assert await _pick(app, 3, "other", record=False) == []


def _names(app: App, recorded: list[tuple[str, dt.date, str]]) -> list[str]:
    return [b.name for b in app.search.businesses() if b.id in {r[0] for r in recorded}]


async def test_recording_is_off_without_tokens(sqlite_url: str) -> None:
    async with running(sqlite_url, moderator_token=None) as (app, client):
        response = await client.post("/digest?count=2", headers={"Authorization": "Bearer anything"})
        assert response.status == 403 and (await response.json())["error"]["code"] == "disabled"
        assert await _features(app) == []


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


async def test_editors_recording_at_once_get_one_digest(web: Running) -> None:
    app, _ = web
    picks = await asyncio.gather(*(_pick(app, 2, "krant") for _ in range(4)))
    assert all(p == picks[0] for p in picks) and len(picks[0]) == 2, picks
    assert len(await _features(app)) == 2
