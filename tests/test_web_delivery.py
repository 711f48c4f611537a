"""How the web reaches strangers: compressed, cacheable widget files; campaign attribution of page and
widget visits (aggregated per day); the public URL behind every link."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from concierge.errors import UserError
from concierge.settings import Settings
from handlers.cli.serve import serving
from handlers.web.attribution import COUNTS
from tests.web_support import MODERATOR_TOKEN, running, seed

CONCIERGE = str(Path(sys.executable).with_name("concierge"))


@pytest.mark.parametrize(
    ("path", "content_type"), [("/widget.js", "application/javascript"), ("/widget.css", "text/css")]
)
async def test_widget_files_are_compressed_and_cacheable(
    sqlite_url: str, path: str, content_type: str
) -> None:
    async with running(sqlite_url) as (_, client):
        plain = await client.get(path, headers={"Accept-Encoding": "identity"}, auto_decompress=False)
        plain_body = await plain.read()
        packed = await client.get(path, headers={"Accept-Encoding": "gzip, br"}, auto_decompress=False)
        packed_body = await packed.read()
        again = await client.get(path, headers={"If-None-Match": packed.headers["ETag"]})
    assert plain.status == packed.status == 200 and plain.content_type == content_type
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed_body) == plain_body
    assert len(packed_body) < len(plain_body) * 0.6
    assert plain.headers["ETag"] == packed.headers["ETag"]
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert "public" in packed.headers["Cache-Control"] and "max-age=3600" in packed.headers["Cache-Control"]
    assert again.status == 304 and await again.read() == b""


async def test_page_and_widget_visits_count_per_campaign_and_day(sqlite_url: str) -> None:
    async with running(sqlite_url) as (_, client):
        for _ in range(3):
            assert (await client.get("/b/bakkerij-de-korenbloem?campaign=krant-dec")).status == 200
        assert (await client.get("/b/bloemen-bij-bo?campaign=poster")).status == 200
        assert (await client.get("/b/bloemen-bij-bo?campaign=not_valid!")).status == 200  # not counted
        assert (await client.get("/widget?lang=nl&campaign=krant-dec")).status == 200
        visit = await client.post("/api/v1/visit?campaign=krant-dec&kind=widget")
        bad = await client.post("/api/v1/visit?campaign=bad tag&kind=widget")
        await client.server.app[COUNTS].drain()
        stats = await client.get("/api/v1/stats", headers={"Authorization": f"Bearer {MODERATOR_TOKEN}"})
        body = await stats.json()
    assert visit.status == 204 and bad.status == 400
    by_tag = {c["campaign"]: c for c in body["campaigns"]}
    assert set(by_tag) == {"krant-dec", "poster"}
    assert (by_tag["krant-dec"]["page"], by_tag["krant-dec"]["widget"]) == (3, 2)
    assert (by_tag["poster"]["page"], by_tag["poster"]["widget"]) == (1, 0)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert by_tag["krant-dec"]["days"] == [{"day": today, "start": 0, "question": 0, "page": 3, "widget": 2}]


def test_the_default_public_url_follows_the_port_and_is_refused_outside_loopback() -> None:
    settings = Settings(_env_file=None, web_port=9123)  # type: ignore[call-arg]
    assert settings.public_url == "http://127.0.0.1:9123" and settings.public_url_derived
    assert settings.public_url_problem() is None and settings.public_url_warning()
    moved = settings.with_address("::1", 8081)
    assert moved.public_url == "http://[::1]:8081"
    assert "CONCIERGE_PUBLIC_URL" in str(settings.with_address("0.0.0.0", 80).public_url_problem())
    given = Settings(_env_file=None, public_url="https://buurt.example/")  # type: ignore[call-arg]
    assert given.with_address("0.0.0.0", 80).public_url == "https://buurt.example"
    assert given.with_address("0.0.0.0", 80).public_url_problem() is None and not given.public_url_warning()


async def test_serve_links_to_its_actual_port_and_warns(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(sqlite_url)
    settings = Settings(_env_file=None, database_url=sqlite_url).with_address("127.0.0.1", 0)  # type: ignore[call-arg]
    stop = asyncio.Event()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serving(settings, "aiogram", stop, ready))
    try:
        url = await asyncio.wait_for(ready, 60)
        async with aiohttp.ClientSession() as session, session.get(f"{url}/robots.txt") as response:
            robots = await response.text()
    finally:
        stop.set()
        await task
    port = url.rsplit(":", 1)[1]
    assert port != "0" and f"Sitemap: http://127.0.0.1:{port}/sitemap.xml" in robots
    assert "CONCIERGE_PUBLIC_URL is not set" in capsys.readouterr().err


async def test_serve_refuses_a_public_address_without_a_public_url(sqlite_url: str) -> None:
    settings = Settings(_env_file=None, database_url=sqlite_url).with_address("0.0.0.0", 0)  # type: ignore[call-arg]
    with pytest.raises(UserError, match="CONCIERGE_PUBLIC_URL is required"):
        await serving(settings, "aiogram", asyncio.Event())


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCIERGE_")}
    return {**env, **extra}


@pytest.mark.parametrize("command", [["digest", "--count", "1"], ["mcp"]])
def test_digest_and_mcp_need_the_public_url_outside_loopback(tmp_path: Path, command: list[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/p.db"
    asyncio.run(seed(url))
    result = subprocess.run(
        [CONCIERGE, *command, "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
        env=_clean_env(CONCIERGE_WEB_HOST="0.0.0.0"),
    )
    assert result.returncode != 0 and "CONCIERGE_PUBLIC_URL is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_digest_on_this_machine_warns_about_the_default(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/p.db"
    asyncio.run(seed(url))
    result = subprocess.run(
        [CONCIERGE, "digest", "--count", "1", "--format", "markdown", "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=_clean_env(CONCIERGE_WEB_PORT="8099"),
    )
    assert result.returncode == 0, result.stderr
    assert "CONCIERGE_PUBLIC_URL is not set" in result.stderr
    assert "(http://127.0.0.1:8099/qr/" in result.stdout


@pytest.mark.parametrize(
    ("lang", "campaign_words"),
    [("nl", "campagnecode"), ("en", "campaign tag"), ("de", "Kampagnenkennung"), ("fr", "code de campagne")],
)
async def test_privacy_page_says_what_the_web_and_the_bot_keep(
    sqlite_url: str, lang: str, campaign_words: str
) -> None:
    async with running(sqlite_url) as (_, client):
        response = await client.get(f"/privacy?lang={lang}")
        text = await response.text()
        business = await (await client.get(f"/b/bloemen-bij-bo?lang={lang}")).text()
    assert response.status == 200 and f'<html lang="{lang}"' in text
    assert "<main>" in text and text.count("<h1>") == 1
    assert text.count(campaign_words) >= 2  # web visits and the bot's 24 hours
    assert "24" in text and "/forgetme" in text
    assert f'href="/privacy?lang={lang}"' in business
