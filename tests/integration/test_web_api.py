"""The public API over a real socket, on SQLite and PostgreSQL: answers, paging, privacy, errors, limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from catalog.db import create_engine, session_factory
from catalog.models import DailyCount
from concierge.app import App
from concierge.stats import campaign_stats
from handlers.web import TokenBucket
from tests.support.web_support import MODERATOR_TOKEN, running

Running = tuple[App, TestClient[Any, Any]]


@pytest.fixture
async def web(database_url: str) -> AsyncIterator[Running]:
    async with running(database_url) as pair:
        yield pair


@pytest.fixture
async def sqlite_web(sqlite_url: str) -> AsyncIterator[Running]:
    """For input validation, which does not depend on the database."""
    async with running(sqlite_url) as pair:
        yield pair


async def _json(client: TestClient[Any, Any], path: str, status: int = 200, **kwargs: Any) -> Any:
    response = await client.get(path, **kwargs)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    return await response.json()


async def test_search_answers_like_concierge_ask_without_opted_out(web: Running) -> None:
    app, client = web
    for limit in (1, 3, 5):
        body = await _json(
            client, f"/api/v1/search?q=oat%20milk&lat=52.0907&lon=5.1214&lang=en&limit={limit}"
        )
        answer = app.search.ask("oat milk", near=(52.0907, 5.1214), lang_hint="en", limit=limit)
        expected = answer.to_json()
        public = [r.to_json() for r in (*answer.results, *answer.more) if r.id != "geheime-kaasboer"]
        assert body == {**expected, "results": public[:limit]} or (not public and body["results"] == [])
        assert {"query", "language", "understood", "results", "message"} <= set(body)
        ids = {r["id"] for r in body["results"]}
        assert "geheime-kaasboer" not in ids and "nog-niet-open" not in ids
    bot = app.search.ask("oat milk cheese", near=(52.0907, 5.1214), lang_hint="en", limit=5)
    web_answer = await _json(
        client, "/api/v1/search?q=oat%20milk%20cheese&lat=52.0907&lon=5.1214&lang=en&limit=5"
    )
    assert [r["id"] for r in web_answer["results"]] == [
        r.id for r in bot.results if r.id != "geheime-kaasboer"
    ]


async def test_unknown_parameters_are_ignored(sqlite_web: Running) -> None:
    _, client = sqlite_web
    plain = await _json(client, "/api/v1/search?q=tulips")
    extra = await _json(client, "/api/v1/search?q=tulips&utm_source=krant&foo[]=1")
    assert plain == extra


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "missing_query"),
        ("q=", "missing_query"),
        ("q=%20%20%20", "missing_query"),
        ("q=" + "brood" * 61, "query_too_long"),
        ("q=bread&lat=52.1", "bad_parameter"),
        ("q=bread&lat=abc&lon=5", "bad_parameter"),
        ("q=bread&lat=nan&lon=5", "bad_parameter"),
        ("q=bread&lat=52&lon=inf", "bad_parameter"),
        ("q=bread&lat=91&lon=5", "bad_parameter"),
        ("q=bread&lat=52&lon=-181", "bad_parameter"),
        ("q=bread&limit=0", "bad_parameter"),
        ("q=bread&limit=6", "bad_parameter"),
        ("q=bread&limit=three", "bad_parameter"),
        ("q=bread&limit=1.5", "bad_parameter"),
    ],
)
async def test_bad_search_input_is_a_json_400(sqlite_web: Running, query: str, code: str) -> None:
    _, client = sqlite_web
    body = await _json(client, f"/api/v1/search?{query}", 400)
    assert body["error"]["code"] == code
    assert body["error"]["message"]


async def test_business_record_is_public_and_has_no_owner_data(web: Running) -> None:
    _, client = web
    body = await _json(client, "/api/v1/businesses/bakkerij-de-korenbloem")
    assert body["name"] == "Bakkerij de Korenbloem"
    assert body["story"]["who"].startswith("Anna and Piet")
    assert [p["name"] for p in body["products"]] == ["oat milk", "sourdough bread"]
    assert body["url"] == "http://concierge.test/b/bakkerij-de-korenbloem"
    assert body["attribution"] is None
    text = str(body)
    assert "987654321" not in text and "owner" not in text and "roles" not in body
    osm = await _json(client, "/api/v1/businesses/fietsmaker-rijn")
    assert osm["attribution"]["text"] == "© OpenStreetMap contributors, ODbL 1.0"
    assert osm["osm_url"] == "https://www.openstreetmap.org/node/123456"


@pytest.mark.parametrize(
    "business_id", ["geheime-kaasboer", "nog-niet-open", "does-not-exist", "x" * 5000, "%00", "..%2F..%2Fetc"]
)
async def test_hidden_or_unknown_business_is_404(sqlite_web: Running, business_id: str) -> None:
    _, client = sqlite_web
    body = await _json(client, f"/api/v1/businesses/{business_id}", 404)
    assert body["error"]["code"] == "not_found"


async def test_list_pages_through_all_public_businesses(web: Running) -> None:
    _, client = web
    seen: list[str] = []
    path: str | None = "/api/v1/businesses?per_page=2"
    totals = set()
    while path:
        body = await _json(client, path)
        totals.add(body["total"])
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        path = body["next"]
    assert seen == sorted(["albert-hein", "bakkerij-de-korenbloem", "bloemen-bij-bo", "fietsmaker-rijn"])
    assert totals == {4}
    beyond = await _json(client, "/api/v1/businesses?page=99")
    assert beyond["items"] == [] and beyond["next"] is None and beyond["total"] == 4


async def test_list_filters_by_area_and_category(web: Running) -> None:
    _, client = web
    by_tag = await _json(client, "/api/v1/businesses?category=shop%3Dbakery")
    by_value = await _json(client, "/api/v1/businesses?category=bakery&area=lindenhof")
    assert (
        [i["id"] for i in by_tag["items"]]
        == [i["id"] for i in by_value["items"]]
        == ["bakkerij-de-korenbloem"]
    )
    assert (await _json(client, "/api/v1/businesses?area=elsewhere"))["total"] == 0
    assert (await _json(client, "/api/v1/businesses?category=cheese"))["total"] == 0  # opted out


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=x", "per_page=0", "per_page=101", "per_page=1e3"]
)
async def test_bad_paging_is_a_json_400(sqlite_web: Running, query: str) -> None:
    _, client = sqlite_web
    body = await _json(client, f"/api/v1/businesses?{query}", 400)
    assert body["error"]["code"] == "bad_parameter"


async def test_cors_and_methods(sqlite_web: Running) -> None:
    _, client = sqlite_web
    response = await client.get("/api/v1/search?q=bread", headers={"Origin": "https://krant.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    preflight = await client.options(
        "/api/v1/stats", headers={"Origin": "https://krant.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status == 204
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    posted = await client.post("/api/v1/search", data="q=bread")
    assert posted.status == 405
    assert (await posted.json())["error"]["code"] == "method_not_allowed"
    missing = await _json(client, "/api/v1/nothing-here", 404)
    assert missing["error"]["code"] == "not_found"


async def test_rate_limit_answers_429_with_retry_after(sqlite_url: str) -> None:
    async with running(sqlite_url, rate=0.01, burst=3) as (_, client):
        statuses = [(await client.get("/api/v1/search?q=bread")).status for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = await client.get("/api/v1/businesses")
        assert limited.status == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert (await limited.json())["error"]["code"] == "rate_limited"
        page = await client.get("/widget.js")
        assert page.status == 200  # static files are not limited


async def test_token_bucket_refills_per_client() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=2, clock=lambda: now[0], max_keys=2)
    assert [await bucket.acquire("a") for _ in range(2)] == [0.0, 0.0]
    assert await bucket.acquire("a") == pytest.approx(0.5)
    assert await bucket.acquire("b") == 0.0
    now[0] = 0.5
    assert await bucket.acquire("a") == 0.0
    now[0] = 100.0
    await bucket.acquire("c")
    assert len(bucket._buckets) <= 2


async def _count(database_url: str, rows: list[tuple[str, dt.date, str, int]]) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            session.add_all(DailyCount(subject=s, day=d, kind=k, count=c) for s, d, k, c in rows)
            await session.commit()
    finally:
        await engine.dispose()


async def test_stats_need_the_moderator_token(web: Running, database_url: str) -> None:
    app, client = web
    today = dt.datetime.now(dt.UTC).date()
    yesterday = today - dt.timedelta(days=1)
    await _count(
        database_url,
        [
            ("campaign:krant", today, "start", 3),
            ("campaign:krant", today, "question", 5),
            ("campaign:krant", yesterday, "start", 2),
            ("campaign:poster", today, "start", 1),
            ("campaign:krant", today - dt.timedelta(days=60), "start", 100),
            ("business:bloemen-bij-bo", today, "shown", 7),
        ],
    )
    assert (await _json(client, "/api/v1/stats", 401))["error"]["code"] == "unauthorized"
    wrong = {"Authorization": "Bearer nope"}
    assert (await _json(client, "/api/v1/stats", 401, headers=wrong))["error"]["code"] == "unauthorized"
    auth = {"Authorization": f"Bearer {MODERATOR_TOKEN}"}
    response = await client.get("/api/v1/stats", headers=auth)
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    krant, poster = body["campaigns"]
    assert (krant["campaign"], krant["start"], krant["question"]) == ("krant", 5, 5)
    assert krant["days"] == [
        {"day": yesterday.isoformat(), "start": 2, "question": 0, "page": 0, "widget": 0},
        {"day": today.isoformat(), "start": 3, "question": 5, "page": 0, "widget": 0},
    ]
    assert (poster["campaign"], poster["start"]) == ("poster", 1)
    one = await _json(client, "/api/v1/stats?campaign=poster&days=1", headers=auth)
    assert [c["campaign"] for c in one["campaigns"]] == ["poster"]
    assert (await _json(client, "/api/v1/stats?days=0", 400, headers=auth))["error"][
        "code"
    ] == "bad_parameter"
    direct = await campaign_stats(app.sessions, "krant", days=90, today=today)
    assert direct["campaigns"][0]["start"] == 105
    app.settings.moderator_token = None
    assert (await _json(client, "/api/v1/stats", 403, headers=auth))["error"]["code"] == "disabled"


async def test_openapi_document_describes_the_api(web: Running) -> None:
    _, client = web
    document = await _json(client, "/api/v1/openapi.json")
    assert document["openapi"].startswith("3.1")
    assert {"/api/v1/search", "/api/v1/businesses", "/api/v1/businesses/{id}", "/api/v1/stats"} <= set(
        document["paths"]
    )
    assert document["servers"] == [{"url": "http://concierge.test"}]
