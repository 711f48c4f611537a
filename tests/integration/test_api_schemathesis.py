"""schemathesis against /api/v1/openapi.json: generated requests never get a 5xx and match the document.

The schema is the document the app serves (checked below); the app runs in this process on a real socket (its own event loop in a thread), over a seeded SQLite db.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from concierge.app import open_app
from handlers.web import TokenBucket, create_web_app
from handlers.web.openapi import openapi_document
from tests.support.web_support import MODERATOR_TOKEN, seed
from tests.support.web_support import settings as app_settings


class LiveServer:
    """The web app on 127.0.0.1 in a background thread with its own event loop."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.url = ""
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None or not self.url:
            raise RuntimeError("the web app did not start") from self._error
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from aiohttp import web

        try:
            await seed(self.database_url)
            app = await open_app(app_settings(self.database_url))
            runner = web.AppRunner(create_web_app(app, limiter=TokenBucket(10_000, 10_000)))
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            self.url = f"http://127.0.0.1:{port}"
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
            await app.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path: Path = tmp_path_factory.mktemp("schemathesis")
    with LiveServer(f"sqlite+aiosqlite:///{path}/api.db") as server:
        yield server


DOCUMENT = openapi_document("http://127.0.0.1")
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_served_document_is_the_one_tested(live_server: LiveServer) -> None:
    with urllib.request.urlopen(f"{live_server.url}/api/v1/openapi.json", timeout=10) as response:
        served = json.load(response)
    assert {**served, "servers": DOCUMENT["servers"]} == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    database=None,
)
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case, live_server: LiveServer) -> None:
    # The document cannot express "lat and lon together", so a schema-valid request may rightly get a
    # 400; every other check (no 5xx, status codes, content types, response schemas) applies. Stats are
    # exercised without the token here (401); the authorised answer is checked below.
    case.call_and_validate(base_url=live_server.url, excluded_checks=[positive_data_acceptance])


def test_authorised_stats_match_the_document(live_server: LiveServer) -> None:
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/stats?days=7", headers={"Authorization": f"Bearer {MODERATOR_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.load(response)
    jsonschema.validate(body, DOCUMENT["components"]["schemas"]["Stats"])


def test_authorised_demand_and_a_round_match_the_document(live_server: LiveServer) -> None:
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/demand?period=2026-12",
        headers={"Authorization": f"Bearer {MODERATOR_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.load(response)
    jsonschema.validate(body, {**DOCUMENT["components"]["schemas"]["Demand"]})
    with urllib.request.urlopen(
        f"{live_server.url}/api/v1/round?items=sourdough%20bread,tulips,sushi&at=2026-12-08T12:00", timeout=10
    ) as response:
        planned = json.load(response)
    assert planned["stops"], "the seeded bakery and florist are open on a Tuesday at noon"
    resolver = {"components": DOCUMENT["components"], **DOCUMENT["components"]["schemas"]["Round"]}
    jsonschema.validate(planned, resolver)
