"""The embeddable widget in real headless Chromium (Debian's package, driven by selenium).

A host page on one local origin embeds the widget from the app on another, as a newspaper site would.
The browser may only reach 127.0.0.1: other host names do not resolve, and the test checks the
browser's own network log. A screenshot is saved to tests/artifacts/widget.png.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

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
