"""The embeddable widget in real headless Chromium (Debian's package, driven by selenium).

A host page on one local origin embeds the widget from the app on another, as a newspaper site would.
The browser may only reach 127.0.0.1: other host names do not resolve, and the test checks the
browser's own network log. A screenshot is saved to tests/artifacts/widget.png.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from babel.dates import get_day_names

from concierge.i18n import translator
from handlers.web.widget import MESSAGES
from tests.web_support import running

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
IN_CI = os.environ.get("CI", "").lower() == "true"
LIMIT_BYTES = 50 * 1024


def _require_browser() -> tuple[str, str]:
    if not CHROMIUM or not CHROMEDRIVER:
        if IN_CI:
            pytest.fail("chromium and chromedriver must be installed in CI")
        pytest.skip("chromium / chromedriver not installed")
    return CHROMIUM, CHROMEDRIVER


def _browser(chromium: str, chromedriver: str, profile: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=900,700",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))


def _network(driver: Any, origin: str) -> tuple[list[str], int]:
    """URLs the browser requested and the bytes it received from ``origin``, from Chromium's DevTools log.

    Chromium's own pages (chrome://, the new-tab page) show up too; they are not requests the widget makes.
    """
    urls: list[str] = []
    by_request: dict[str, str] = {}
    received = 0
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls.append(params["request"]["url"])
            by_request[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFinished" and by_request.get(
            params["requestId"], ""
        ).startswith(origin):
            received += int(params["encodedDataLength"])
    return urls, received


def _drive(driver: Any, host_url: str, app_origin: str) -> dict[str, Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 20)
    driver.get(host_url)
    label = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cw label")))
    field = driver.find_element(By.ID, label.get_attribute("for"))
    host_urls, host_bytes = _network(driver, app_origin)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused_is_field = driver.switch_to.active_element == field
    outline = driver.execute_script("return getComputedStyle(arguments[0]).outlineStyle", field)
    driver.switch_to.active_element.send_keys("oat milk", Keys.ENTER)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cw ol li")))
    items = driver.find_elements(By.CSS_SELECTOR, ".cw ol li")
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "widget.png"))
    search_urls, search_bytes = _network(driver, app_origin)
    status = driver.find_element(By.CSS_SELECTOR, ".cw [aria-live]")
    seen = {
        "label": label.text,
        "focused_is_field": focused_is_field,
        "outline": outline,
        "items": [item.text for item in items],
        "status": status.text,
        "first_href": items[0].find_element(By.CSS_SELECTOR, "a").get_attribute("href"),
        "list_tag": items[0].find_element(By.XPATH, "..").tag_name,
    }
    driver.get(f"{app_origin}/widget?lang=fr")
    frame_label = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cw label"))).text
    frame_urls, _ = _network(driver, app_origin)
    return {
        **seen,
        "urls": host_urls + search_urls + frame_urls,
        "widget_bytes": host_bytes + search_bytes,
        "frame_label": frame_label,
    }


async def test_widget_in_headless_chromium(sqlite_url: str, tmp_path: Path) -> None:
    chromium, chromedriver = _require_browser()
    async with running(sqlite_url) as (_, client):
        app_origin = str(client.make_url("")).rstrip("/")
        host = web.Application()

        async def newspaper(request: web.Request) -> web.Response:
            return web.Response(
                text='<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Stadtteilzeitung</title>'
                "</head><body><h1>Stadtteilzeitung</h1><p>Fragen Sie den Concierge:</p>"
                f'<script src="{app_origin}/widget.js" data-lat="52.0907" data-lon="5.1214" async></script>'
                "</body></html>",
                content_type="text/html",
            )

        host.router.add_get("/", newspaper)
        host_server = TestServer(host, host="127.0.0.1")
        await host_server.start_server()
        profile = tempfile.mkdtemp(dir=tmp_path)
        driver = await asyncio.to_thread(_browser, chromium, chromedriver, profile)
        try:
            seen = await asyncio.to_thread(_drive, driver, str(host_server.make_url("/")), app_origin)
        finally:
            await asyncio.to_thread(driver.quit)
            await host_server.close()
    de = translator("de")
    assert seen["label"] == de(MESSAGES["label"])  # the host page's <html lang="de">
    assert seen["frame_label"] == translator("fr")(MESSAGES["label"])
    assert seen["focused_is_field"] and seen["outline"] != "none"
    assert seen["items"], "the widget showed no results"
    assert seen["list_tag"] == "ol"
    assert seen["status"]
    assert seen["first_href"].startswith(f"{app_origin}/b/")
    assert any("Korenbloem" in item or "Bloemen" in item for item in seen["items"])
    assert not any("Kaasboer" in item for item in seen["items"])  # opted out of the public web
    assert (ARTIFACTS / "widget.png").stat().st_size > 1000
    hosts = {urlparse(url).hostname for url in seen["urls"] if url.startswith("http")}
    assert hosts == {"127.0.0.1"}, seen["urls"]
    assert any("/api/v1/search?" in url for url in seen["urls"])
    assert 0 < seen["widget_bytes"] < LIMIT_BYTES


AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from the npm registry (tests/browser/package.json; `npm ci --prefix tests/browser`)."""


def _require_axe() -> str:
    if not AXE.exists():
        if IN_CI:
            pytest.fail("run `npm ci --prefix tests/browser` to install axe-core")
        pytest.skip("axe-core not installed (npm ci --prefix tests/browser)")
    return AXE.read_text(encoding="utf-8")


def _axe(driver: Any, source: str) -> list[dict[str, Any]]:
    """axe-core's violations in the current document (the current frame when switched into one)."""
    driver.execute_script(source)
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(function (r) { done(r.violations.map(function (v) {"
        "  return {id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) { return n.html; })}; })); })"
        ".catch(function (e) { done([{id: 'axe-error', nodes: [String(e)]}]); });"
    )
    return list(result)


NEWSPAPER = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Stadtteilzeitung</title></head>'
    "<body><header><p>Stadtteilzeitung</p></header><main><h1>Stadtteilzeitung</h1>"
    "<p>Fragen Sie den Concierge:</p>{embed}</main></body></html>"
)


async def _host(pages: dict[str, str]) -> TestServer:
    host = web.Application()
    for path, text in pages.items():

        async def page(request: web.Request, text: str = text) -> web.Response:
            return web.Response(text=text, content_type="text/html")

        host.router.add_get(path, page)
    server = TestServer(host, host="127.0.0.1")
    await server.start_server()
    return server


def _search(driver: Any, question: str, in_root: Any = None) -> list[Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 20)
    field = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".cw input")))
    field.click()
    field.send_keys(question, Keys.ENTER)
    wait.until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, ".cw ol li")
            or (
                "…" not in d.find_element(By.CSS_SELECTOR, ".cw [role=status]").text
                and d.find_element(By.CSS_SELECTOR, ".cw [role=status]").text
            )
        )
    )
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cw ol li"))
    return list(driver.find_elements(By.CSS_SELECTOR, ".cw ol li"))


def _results(driver: Any) -> list[dict[str, Any]]:
    return list(
        driver.execute_script(
            "return Array.from(document.querySelectorAll('.cw ol li')).map(function (li) {"
            "  var a = li.querySelector('a'), story = li.querySelector('.cw-story'),"
            "      why = li.querySelector('.cw-why'), chain = li.querySelector('.cw-chain'),"
            "      meta = li.querySelector('.cw-meta');"
            "  return {name: a.textContent, href: a.href, target: a.getAttribute('target'),"
            "    why: why && why.textContent, chain: chain && chain.textContent, meta: meta.textContent,"
            "    story: story && story.textContent, story_lang: story && story.getAttribute('lang'),"
            "    fields: Array.from(li.querySelectorAll('.cw-field')).map(function (f) { return f.textContent; })};"
            "});"
        )
    )


def _drive_parity(driver: Any, host_url: str, axe_source: str) -> dict[str, Any]:
    driver.get(host_url)
    seen: dict[str, Any] = {}
    _search(driver, "oat milk")
    seen["focus_kept"] = driver.execute_script(
        "return document.activeElement === document.querySelector('.cw input')"
    )
    seen["oat"] = _results(driver)
    driver.execute_script("document.querySelector('.cw input').value = ''")
    _search(driver, "rice crackers")
    seen["chain"] = _results(driver)
    driver.execute_script("document.querySelector('.cw input').value = ''")
    _search(driver, "tulips")
    seen["tulips"] = _results(driver)
    seen["axe"] = _axe(driver, axe_source)
    return seen


async def _api(client: Any, question: str, lang: str) -> dict[str, Any]:
    params = {"q": question, "lang": lang, "limit": "3", "lat": "52.0907", "lon": "5.1214"}
    response = await client.get("/api/v1/search", params=params)
    data: dict[str, Any] = await response.json()
    return data


async def test_widget_shows_what_the_bot_shows_and_passes_axe(sqlite_url: str, tmp_path: Path) -> None:
    """Embedded by script in a page of another origin: same fields as the API answer, chain label, why,
    next opening, the story's language; links to the top window; focus kept; 0 axe violations."""
    chromium, chromedriver = _require_browser()
    axe_source = _require_axe()
    async with running(sqlite_url) as (app, client):
        await _closed_florist_and_chain_crackers(app)
        app_origin = str(client.make_url("")).rstrip("/")
        embed = f'<script src="{app_origin}/widget.js" data-lat="52.0907" data-lon="5.1214" async></script>'
        host = await _host({"/": NEWSPAPER.format(lang="de", embed=embed)})
        expected = {q: await _api(client, q, "de") for q in ("oat milk", "rice crackers", "tulips")}
        driver = await asyncio.to_thread(_browser, chromium, chromedriver, tempfile.mkdtemp(dir=tmp_path))
        try:
            seen = await asyncio.to_thread(_drive_parity, driver, str(host.make_url("/")), axe_source)
        finally:
            await asyncio.to_thread(driver.quit)
            await host.close()
    de = translator("de")
    assert seen["axe"] == [], seen["axe"]
    assert seen["focus_kept"]
    for key, question in (("oat", "oat milk"), ("chain", "rice crackers"), ("tulips", "tulips")):
        api = expected[question]["results"]
        shown = seen[key]
        assert [r["name"] for r in shown] == [r["name"] for r in api]
        for item, result in zip(shown, api, strict=True):
            assert item["target"] == "_top"
            assert item["href"].startswith(f"{app_origin}/b/{result['id']}?lang=de")
            assert item["why"] == result["why"]
            is_chain = result.get("chain") is True or result["independent"] is False
            assert item["chain"] == (de(MESSAGES["chain"]) if is_chain else None)
            if result["story"]:
                assert item["story"] == result["story"]
                assert item["story_lang"] == result.get("story_lang")
    [bakery] = [r for r in seen["oat"] if r["name"] == "Bakkerij de Korenbloem"]
    assert bakery["fields"] == ["Bezahlen: bar, Karte", "Rollstuhl: zugänglich"]  # what its listing says
    assert all(r["fields"] == [] for r in seen["tulips"])  # the florist says neither
    [chain] = [r for r in seen["chain"] if r["name"] == "Albert Hein"]
    assert chain["chain"] == de(MESSAGES["chain"])
    [florist] = [r for r in seen["tulips"] if r["name"] == "Bloemen bij Bo"]
    [florist_api] = [r for r in expected["tulips"]["results"] if r["id"] == "bloemen-bij-bo"]
    assert florist_api["open_now"] is False and florist_api["opens_at"]
    assert de(MESSAGES["closed"]) in florist["meta"]
    assert de(MESSAGES["opens"]).split("{")[0].strip() in florist["meta"]  # "öffnet …"
    assert "03:00" in florist["meta"]
    if re.match(r"\d{4}-\d{2}-\d{2}T", florist_api["opens_at"]):  # ISO: the weekday in the page's language
        weekday = dt.date.fromisoformat(florist_api["opens_at"][:10]).weekday()
        abbreviated = get_day_names("abbreviated", locale="de")[weekday].rstrip(".")
        assert abbreviated in florist["meta"]


async def _closed_florist_and_chain_crackers(app: Any) -> None:
    """The florist opens only at 03:00 on the day after tomorrow (closed whenever the test runs); only
    the chain sells rice crackers."""
    from sqlalchemy import update

    from catalog.models import Business, Product

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    day = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")[later.weekday()]
    async with app.sessions() as session:
        await session.execute(
            update(Business).where(Business.id == "bloemen-bij-bo").values(opening_hours=f"{day} 03:00-03:30")
        )
        session.add(Product(business_id="albert-hein", name="rice crackers", position=5))
        await session.commit()
    await app.rebuild_search()


def _drive_iframe(driver: Any, host_url: str, axe_source: str) -> dict[str, Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 20)
    driver.get(host_url)
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "iframe")))
    title = frame.get_attribute("title")
    driver.switch_to.frame(frame)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cw input")))
    driver.switch_to.default_content()
    wait.until(lambda d: d.execute_script("return arguments[0].style.height", frame) != "12rem")
    before = driver.execute_script("return arguments[0].getBoundingClientRect().height", frame)
    driver.switch_to.frame(frame)
    items = _search(driver, "oat milk")
    landmarks = driver.execute_script(
        "return {main: document.querySelectorAll('main').length, h1: document.querySelectorAll('h1').length,"
        " outside: Array.from(document.body.children).filter(function (n) {"
        "   return n.tagName !== 'MAIN' && n.tagName !== 'SCRIPT'; }).length}"
    )
    inner = driver.execute_script("return Math.ceil(document.documentElement.getBoundingClientRect().height)")
    targets = [item.find_element(By.CSS_SELECTOR, "a").get_attribute("target") for item in items]
    frame_axe = _axe(driver, axe_source)
    driver.switch_to.default_content()
    wait.until(
        lambda d: (
            abs(d.execute_script("return arguments[0].getBoundingClientRect().height", frame) - inner) <= 1
        )
    )
    after = driver.execute_script("return arguments[0].getBoundingClientRect().height", frame)
    host_axe = _axe(driver, axe_source)
    return {
        "title": title,
        "before": before,
        "after": after,
        "inner": inner,
        "landmarks": landmarks,
        "targets": targets,
        "frame_axe": frame_axe,
        "host_axe": host_axe,
    }


async def test_iframe_page_is_accessible_and_sizes_itself(sqlite_url: str, tmp_path: Path) -> None:
    chromium, chromedriver = _require_browser()
    axe_source = _require_axe()
    async with running(sqlite_url) as (_, client):
        app_origin = str(client.make_url("")).rstrip("/")
        embed = f'<script src="{app_origin}/widget.js" data-iframe data-lang="nl" async></script>'
        host = await _host({"/": NEWSPAPER.format(lang="nl", embed=embed)})
        driver = await asyncio.to_thread(_browser, chromium, chromedriver, tempfile.mkdtemp(dir=tmp_path))
        try:
            seen = await asyncio.to_thread(_drive_iframe, driver, str(host.make_url("/")), axe_source)
        finally:
            await asyncio.to_thread(driver.quit)
            await host.close()
    assert seen["frame_axe"] == [], seen["frame_axe"]
    assert seen["host_axe"] == [], seen["host_axe"]
    assert seen["title"] == translator("nl")(MESSAGES["label"])
    assert seen["landmarks"] == {"main": 1, "h1": 1, "outside": 0}
    assert seen["targets"] and set(seen["targets"]) == {"_top"}
    assert seen["after"] > seen["before"]  # grew with the results, through postMessage
    assert abs(seen["after"] - seen["inner"]) <= 1
