"""Every rejection is JSON (oversize requests too, with CORS headers), and one language per answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from concierge.app import App
from concierge.i18n import translator
from tests.support.web_support import MODERATOR_TOKEN, running

Running = tuple[App, TestClient[Any, Any]]
ORIGIN = {"Origin": "https://krant.example"}


@pytest.fixture
async def web(sqlite_url: str) -> AsyncIterator[Running]:
    async with running(sqlite_url) as pair:
        yield pair


async def _error(response: Any, status: int, code: str) -> None:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    assert (await response.json())["error"]["code"] == code


async def test_a_10_kb_question_is_a_json_error_with_cors(web: Running) -> None:
    _, client = web
    response = await client.get("/api/v1/search", params={"q": "brood " * 1700}, headers=ORIGIN)
    await _error(response, 400, "query_too_long")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_an_oversize_body_is_a_json_413(web: Running) -> None:
    _, client = web
    response = await client.post(
        "/digest",
        data={"count": "2", "note": "x" * (1024 * 1024 + 10)},
        headers={"Authorization": f"Bearer {MODERATOR_TOKEN}"},
    )
    await _error(response, 413, "too_large")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("POST", "/api/v1/search?q=brood", 405, "method_not_allowed"),
        ("DELETE", "/widget", 405, "method_not_allowed"),
        ("GET", "/api/v1/nothing-here", 404, "not_found"),
        ("POST", "/nothing-here", 404, "not_found"),
        ("GET", "/api/v1/search?q=brood&lat=north&lon=5", 400, "bad_parameter"),
    ],
)
async def test_other_rejections_are_json(
    web: Running, method: str, path: str, status: int, code: str
) -> None:
    _, client = web
    await _error(await client.request(method, path, headers=ORIGIN), status, code)


async def test_an_unknown_language_falls_back_to_the_areas_and_says_so(web: Running) -> None:
    app, client = web
    assert app.settings.default_language == "nl"
    unknown = await (await client.get("/api/v1/search", params={"q": "tulips", "lang": "xx"})).json()
    dutch = await (await client.get("/api/v1/search", params={"q": "tulips", "lang": "nl"})).json()
    assert unknown["language"] == "nl"
    assert unknown["notice"]["code"] == "language_unavailable"
    assert "Nederlands" in unknown["notice"]["message"]
    assert unknown["message"] == dutch["message"]
    assert [r["why"] for r in unknown["results"]] == [r["why"] for r in dutch["results"]]
    assert "notice" not in dutch


async def test_one_language_per_answer_whatever_the_question_is_written_in(web: Running) -> None:
    _, client = web
    answers = {
        lang: await (
            await client.get("/api/v1/search", params={"q": "where can I buy tulips?", "lang": lang})
        ).json()
        for lang in ("nl", "en", "de", "fr")
    }
    for lang, answer in answers.items():
        assert answer["language"] == lang
        assert answer["results"], answer
    whys = {answer["results"][0]["why"] for answer in answers.values()}
    assert len(whys) == 4, whys
    empty = [
        await (
            await client.get("/api/v1/search", params={"q": "where can I buy a grand piano?", "lang": lang})
        ).json()
        for lang in ("nl", "en", "de", "fr")
    ]
    assert [answer["results"] for answer in empty] == [[], [], [], []]
    assert len({answer["message"] for answer in empty}) == 4  # why nothing fits, in each language
    detected = await (await client.get("/api/v1/search", params={"q": "waar kan ik tulpen kopen?"})).json()
    assert detected["language"] == "nl"


def test_the_notice_is_translated() -> None:
    for lang, name in (("nl", "Nederlands"), ("en", "English"), ("de", "Deutsch"), ("fr", "français")):
        t = translator(lang)
        text = t(
            "Answers are available in Dutch, English, German and French; this one is in {language}.",
            language=t({"nl": "Dutch", "en": "English", "de": "German", "fr": "French"}[lang]),
        )
        assert name in text
