"""Unmet local demand, end to end over the demo neighbourhood at a frozen moment.

Residents ask through the real conversation (the terminal session); what they asked comes out of
the API, the CLI (md, csv, json, png), the digest and /mybusiness. The privacy tests check that no
question text, no user id and nothing asked by fewer than five different people ever leaves the
database, and that a closed period keeps only counts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import inspect, select, text

from catalog.models import Business, BusinessRole, DemandCount, DemandKey, DemandMark, Owner
from concierge import demand
from concierge.app import App, open_app
from concierge.retention import purge_expired
from concierge.routing import Conversation
from concierge.settings import Settings
from handlers.terminal import TerminalSession
from handlers.web import TokenBucket, create_web_app

NOW = dt.datetime(2026, 12, 8, 11, 0, tzinfo=dt.UTC)  # Tuesday 12:00 in Haarlem
MONTH, WEEK = "2026-12", "2026-W50"
AREA = "kastanjebuurt-demo"
TOKEN = "demand-test-token"
CONCIERGE = str(Path(sys.executable).with_name("concierge"))

SUSHI = "waar kan ik verse sushi kopen?"
"""Asked by six different people (one of them twice): shown."""
FALAFEL = "where can I buy falafel?"
"""Asked by four different people (one of them three times): never shown anywhere."""
ROUND = "rozen, surfboard"
"""A round whose surfboard nobody sells: counted from rounds too (by five people: shown)."""
SUSHI_PEOPLE = [5001, 5002, 5003, 5004, 5005, 5006]
FALAFEL_PEOPLE = [6001, 6002, 6003, 6004]
ROUND_PEOPLE = [7001, 7002, 7003, 7004, 7005]
OWNER = 8001
ALL_PEOPLE = [*SUSHI_PEOPLE, *FALAFEL_PEOPLE, *ROUND_PEOPLE, OWNER]


def settings(url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        moderator_token=SecretStr(TOKEN),
        public_url="http://concierge.test",
    )


async def ask(conversation: Conversation, user_id: int, question: str, lang: str = "en") -> str:
    return await TerminalSession(conversation, language_code=lang, user_id=user_id).send(question)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo neighbourhood, a draft restaurant of an owner, and the residents' questions."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('demand') / 'demand.db'}"

    async def build() -> None:
        app = await open_app(settings(url), demo=True)
        try:
            async with app.sessions.begin() as session:
                session.add(
                    Business(
                        id="sushi-plans",
                        name="Sushi Plans",
                        categories=["amenity=restaurant"],
                        lat=52.3865,
                        lon=4.6551,
                        area_id=AREA,
                        status="draft",
                    )
                )
                session.add(Owner(user_id=OWNER))
                session.add(BusinessRole(business_id="sushi-plans", user_id=OWNER, role="owner"))
            conversation = Conversation(app, clock=lambda: NOW)
            for user in SUSHI_PEOPLE:
                assert "sushi" in (await ask(conversation, user, SUSHI, "nl")).casefold()
            await ask(conversation, SUSHI_PEOPLE[0], SUSHI, "nl")
            for user in FALAFEL_PEOPLE:
                await ask(conversation, user, FALAFEL)
            for _ in range(2):
                await ask(conversation, FALAFEL_PEOPLE[0], FALAFEL)
            for user in ROUND_PEOPLE:
                assert "Nobody nearby sells: surfboard." in await ask(conversation, user, ROUND)
            await conversation.drain()
        finally:
            await app.close()

    asyncio.run(build())
    return url


@pytest.fixture
async def app(database: str) -> AsyncIterator[App]:
    app = await open_app(settings(database), migrate=False)
    yield app
    await app.close()


def leaks(output: str) -> list[str]:
    """Anything in ``output`` that must never leave the database."""
    found = [q for q in (SUSHI, FALAFEL, ROUND, "verse sushi") if q.casefold() in output.casefold()]
    found += [str(user) for user in ALL_PEOPLE if str(user) in output]
    found += [word for word in ("falafel", "food:falafel") if word in output.casefold()]
    return found


# -- counting ---------------------------------------------------------------------------------------


async def test_counts_by_concept_with_distinct_people_per_week_and_month(app: App) -> None:
    async with app.sessions() as session:
        rows = {
            (r.period, r.concept): (r.asks, r.people)
            for r in await session.scalars(select(DemandCount).where(DemandCount.area_id == AREA))
        }
    for period in (MONTH, WEEK):
        assert rows[(period, "food:sushi")] == (7, 6)
        assert rows[(period, "food:falafel")] == (6, 4)
        assert rows[(period, "goods:water_sports")] == (5, 5)
    assert not any(concept.startswith("goods:flowers") for _, concept in rows), "roses were sold nearby"


async def test_only_concepts_of_at_least_five_people_are_read(app: App) -> None:
    shown = await demand.wanted(app.sessions, AREA, MONTH)
    assert [(w.concept, w.asks, w.people) for w in shown] == [
        ("food:sushi", 7, 6),
        ("goods:water_sports", 5, 5),
    ]
    assert await demand.wanted(app.sessions, AREA, "2026-11") == []


async def test_a_fifth_person_makes_a_wish_visible(database_url: str) -> None:
    """On SQLite and PostgreSQL; four people asking at the same moment are four people."""
    app = await open_app(settings(database_url), demo=True)
    try:
        area = app.search.areas[0]
        await asyncio.gather(
            *(demand.record(app.engine, area, user, ["food:falafel"], NOW) for user in range(1, 5))
        )
        await demand.record(app.engine, area, 1, ["food:falafel"], NOW)
        assert await demand.wanted(app.sessions, area.id, MONTH) == []
        await demand.record(app.engine, area, 5, ["food:falafel"], NOW)
        assert await demand.wanted(app.sessions, area.id, MONTH) == [demand.Wanted("food:falafel", 6, 5)]
    finally:
        await app.close()


def test_periods_are_local_weeks_and_months() -> None:
    # 23:30 UTC on 30 November is already 1 December in Amsterdam, in ISO week 49
    late = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
    (week, week_end), (month, month_end) = demand.periods(late, "Europe/Amsterdam")
    assert (week, month) == ("2026-W49", "2026-12")
    assert week_end == dt.datetime(2026, 12, 6, 23, 0, tzinfo=dt.UTC)
    assert month_end == dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC)


# -- what leaves the database ------------------------------------------------------------------------


async def test_the_api_needs_the_token_and_shows_only_wishes_of_five(app: App) -> None:
    server = TestServer(create_web_app(app, limiter=TokenBucket(1000, 1000)), host="127.0.0.1")
    async with TestClient(server) as client:
        denied = await client.get("/api/v1/demand", params={"period": MONTH})
        assert denied.status == 401
        headers = {"Authorization": f"Bearer {TOKEN}"}
        bad = await client.get("/api/v1/demand", params={"period": "2026-13"}, headers=headers)
        assert bad.status == 400
        response = await client.get(
            "/api/v1/demand", params={"period": MONTH, "area": AREA, "lang": "nl"}, headers=headers
        )
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        raw = await response.text()
    assert body["min_people"] == 5
    assert [(w["concept"], w["asks"], w["people"]) for w in body["wanted"]] == [
        ("food:sushi", 7, 6),
        ("goods:water_sports", 5, 5),
    ]
    assert body["wanted"][0]["label"] == "sushi"
    assert not leaks(raw)


def _cli(database: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCIERGE_")}
    return subprocess.run(
        [CONCIERGE, *args, "--db", database], capture_output=True, env=env, timeout=120, check=False
    )


def test_the_cli_report_in_markdown_csv_and_json(database: str) -> None:
    md = _cli(database, "demand", "--area", AREA, "--month", MONTH, "--lang", "en")
    assert md.returncode == 0, md.stderr
    text_md = md.stdout.decode()
    assert "## Wanted in the neighbourhood" in text_md
    assert "| sushi | 7 | 6 |" in text_md
    csv_out = _cli(database, "demand", "--month", MONTH, "--format", "csv").stdout.decode()
    assert csv_out.splitlines()[0] == "area,period,concept,label,asks,people"
    assert f"{AREA},{MONTH},food:sushi,sushi,7,6" in csv_out.splitlines()
    data = json.loads(_cli(database, "demand", "--week", WEEK, "--format", "json").stdout)
    assert [w["concept"] for w in data["wanted"]] == ["food:sushi", "goods:water_sports"]
    for output in (text_md, csv_out, json.dumps(data)):
        assert not leaks(output)


def test_the_cli_chart_is_a_png(database: str, tmp_path: Path) -> None:
    target = tmp_path / "chart.png"
    done = _cli(database, "demand", "--month", MONTH, "--format", "png", "--output", str(target))
    assert done.returncode == 0, done.stderr
    image = Image.open(io.BytesIO(target.read_bytes()))
    assert image.format == "PNG" and image.width == 900
    assert image.height == 110 + 2 * 34 + 30, "one bar per wish of at least five people"


def test_bad_cli_input_is_one_clear_line(database: str) -> None:
    done = _cli(database, "demand", "--month", "December")
    assert done.returncode == 2
    assert done.stderr.decode().strip() == "concierge demand: --month must be YYYY-MM, for example 2026-12"
    unknown = _cli(database, "demand", "--area", "atlantis", "--month", MONTH)
    assert unknown.returncode == 2 and b"no area 'atlantis'" in unknown.stderr


@pytest.mark.parametrize("fmt", ["html", "markdown", "text"])
def test_the_digest_can_add_a_wanted_block(database: str, fmt: str) -> None:
    done = _cli(database, "digest", "--format", fmt, "--lang", "en", "--wanted", MONTH, "--count", "1")
    assert done.returncode == 0, done.stderr
    output = done.stdout.decode()
    assert "wanted in the neighbourhood" in output.casefold()
    assert "sushi" in output and "asked 7 times by 6 people" in output
    assert not leaks(output)


async def test_an_owner_sees_what_their_kind_of_shop_could_sell(app: App) -> None:
    conversation = Conversation(app, clock=lambda: NOW)
    reply = await TerminalSession(conversation, language_code="en", user_id=OWNER).send("/mybusiness")
    assert "Asked 7 times this month in the neighbourhood, sold nowhere nearby: sushi" in reply
    assert "surfboard" not in reply.casefold(), "a restaurant could not sell that"
    assert not leaks(reply.replace(str(OWNER), ""))
    resident = await TerminalSession(conversation, language_code="en", user_id=9999).send("/mybusiness")
    assert "sold nowhere nearby" not in resident


async def test_the_tables_hold_no_text_and_no_user_id(app: App) -> None:
    async with app.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        dump = ""
        for table in (t for t in tables if t.startswith("demand_")):
            rows = (await connection.execute(text(f"SELECT * FROM {table}"))).all()
            dump += "\n".join(repr(tuple(row)) for row in rows)
    assert "food:sushi" in dump, "the dump is real"
    assert not [q for q in (SUSHI, FALAFEL, ROUND, "verse sushi") if q in dump]
    # as a whole value: a random hex key or hash may hold the same digits by chance
    assert not [user for user in ALL_PEOPLE if re.search(rf"(?<![0-9a-f]){user}(?![0-9a-f])", dump)]


async def test_a_closed_period_keeps_only_counts(database_url: str) -> None:
    app = await open_app(settings(database_url), demo=True)
    try:
        area = app.search.areas[0]
        for user in range(1, 6):
            await demand.record(app.engine, area, user, ["food:sushi"], NOW)
        assert await demand.close_ended(app.engine, NOW) == 0, "the week and month are still open"
        # the regular purge of serve and run closes the week once it has ended
        await purge_expired(app.engine, dt.datetime(2026, 12, 14, 0, 0, tzinfo=dt.UTC))
        async with app.sessions() as session:
            assert set(await session.scalars(select(DemandKey.period))) == {MONTH}
            assert set(await session.scalars(select(DemandMark.period))) == {MONTH}
        assert await demand.close_ended(app.engine, dt.datetime(2027, 1, 1, tzinfo=dt.UTC)) == 1
        async with app.sessions() as session:
            assert list(await session.scalars(select(DemandKey))) == []
            assert list(await session.scalars(select(DemandMark))) == []
        assert await demand.wanted(app.sessions, area.id, WEEK) == [demand.Wanted("food:sushi", 5, 5)]
        # a new asker after the month closed starts a new month, not a new count in the old one
        await demand.record(app.engine, area, 1, ["food:sushi"], dt.datetime(2027, 1, 5, tzinfo=dt.UTC))
        assert await demand.wanted(app.sessions, area.id, MONTH) == [demand.Wanted("food:sushi", 5, 5)]
    finally:
        await app.close()


async def test_forget_me_removes_the_persons_marks_but_not_the_counts(tmp_path: Path) -> None:
    app = await open_app(settings(f"sqlite+aiosqlite:///{tmp_path}/forget.db"), demo=True)
    try:
        area = app.search.areas[0]
        for user in (1, 2):
            await demand.record(app.engine, area, user, ["food:sushi"], NOW)
        conversation = Conversation(app, clock=lambda: NOW)
        reply = await TerminalSession(conversation, language_code="en", user_id=1).send("/forgetme")
        assert "deleted" in reply
        async with app.sessions() as session:
            marks = list(await session.scalars(select(DemandMark)))
            counts = {(c.period, c.asks, c.people) for c in await session.scalars(select(DemandCount))}
        assert len(marks) == 2, "one mark per period left: the other person's"
        assert counts == {(MONTH, 2, 2), (WEEK, 2, 2)}
        # asking again after forgetting counts as a new person, as nothing ties the two together
        await demand.record(app.engine, area, 1, ["food:sushi"], NOW)
        assert await demand.wanted(app.sessions, area.id, MONTH) == []
        async with app.sessions() as session:
            assert {c.people for c in await session.scalars(select(DemandCount))} == {3}
    finally:
        await app.close()
