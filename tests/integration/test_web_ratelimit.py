"""The public web's rate limit: per real client behind a proxy, shared by workers through Redis."""

from __future__ import annotations

import asyncio
from ipaddress import ip_network

from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from concierge.app import open_app
from concierge.redis_state import open_redis
from handlers.web import create_web_app
from handlers.web.ratelimit import RedisTokenBucket, TokenBucket, client_key
from tests.support.redis_support import private_redis, redis_prefix  # noqa: F401 (fixture)
from tests.support.web_support import seed, settings

PROXIES = (ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8"))


def test_client_key_trusts_forwarded_for_only_from_a_proxy() -> None:
    direct = client_key("203.0.113.7", "198.51.100.1", PROXIES)
    assert direct == client_key("203.0.113.7", "", PROXIES), "an untrusted peer cannot pick its own name"
    via_proxy = client_key("127.0.0.1", "198.51.100.1", PROXIES)
    assert via_proxy == client_key("198.51.100.1", "", PROXIES)
    assert via_proxy != client_key("127.0.0.1", "198.51.100.2", PROXIES)
    spoofed = client_key("127.0.0.1", "6.6.6.6, 198.51.100.1", PROXIES)
    assert spoofed == via_proxy, "addresses the client wrote before the proxy's entry are ignored"
    chained = client_key("127.0.0.1", "198.51.100.1, 10.1.2.3", PROXIES)
    assert chained == via_proxy, "a chain of trusted proxies is walked back to the client"
    assert client_key("127.0.0.1", "garbage", PROXIES) == client_key("garbage", "", PROXIES)
    assert "198.51.100.1" not in via_proxy, "keys are hashed"


async def test_clients_behind_the_proxy_have_their_own_limits(sqlite_url: str) -> None:
    await seed(sqlite_url)
    app = await open_app(settings(sqlite_url, api_rate=0.01, api_burst=2))
    server = TestServer(create_web_app(app), host="127.0.0.1")
    client: TestClient = TestClient(server)  # type: ignore[type-arg]
    await client.start_server()
    try:

        async def status(forwarded_for: str) -> int:
            response = await client.get("/api/v1/businesses", headers={"X-Forwarded-For": forwarded_for})
            return response.status

        assert [await status("198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert [await status("198.51.100.2") for _ in range(2)] == [200, 200]
        assert await status("6.6.6.6, 198.51.100.1") == 429
    finally:
        await client.close()
        await app.close()


async def test_redis_bucket_is_shared_by_workers(redis_url: str, redis_prefix: str) -> None:  # noqa: F811
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        one = RedisTokenBucket(first, TokenBucket(rate=0.5, burst=3), redis_prefix)
        two = RedisTokenBucket(second, TokenBucket(rate=0.5, burst=3), redis_prefix)
        waits = [await one.acquire("k"), await two.acquire("k"), await one.acquire("k")]
        assert waits == [0.0, 0.0, 0.0]
        refused = await two.acquire("k")
        assert 1.0 < refused <= 2.0, refused
        assert await one.acquire("other") == 0.0
        keys = [key async for key in first.scan_iter(match=f"{redis_prefix}*")]
        lifetimes = [await first.pttl(key) for key in keys]
        assert keys and all(0 < ms <= 10_000 for ms in lifetimes), "keys expire"
    finally:
        await first.aclose()
        await second.aclose()


async def test_redis_bucket_refills(redis_url: str, redis_prefix: str) -> None:  # noqa: F811
    redis = Redis.from_url(redis_url)
    try:
        bucket = RedisTokenBucket(redis, TokenBucket(rate=20, burst=1), redis_prefix)
        assert await bucket.acquire("k") == 0.0
        wait = await bucket.acquire("k")
        assert wait > 0
        await asyncio.sleep(wait + 0.02)
        assert await bucket.acquire("k") == 0.0
    finally:
        await redis.aclose()


async def test_redis_outage_limits_in_memory_and_a_restarted_redis_is_used_again() -> None:
    with private_redis() as server:
        redis = open_redis(server.url)
        try:
            bucket = RedisTokenBucket(redis, TokenBucket(rate=0.01, burst=2), "x:", retry_after=0.2)
            assert await bucket.acquire("k") == 0.0
            server.stop()
            assert await bucket.acquire("k") == 0.0, "the memory bucket takes over"
            assert await bucket.acquire("k") == 0.0
            assert await bucket.acquire("k") > 0, "and still limits"
            server.start()
            await asyncio.sleep(0.3)
            waits = [await bucket.acquire("k") for _ in range(3)]
            assert waits[:2] == [0.0, 0.0], "the restarted Redis (no script, no buckets) is used again"
            assert waits[2] > 0
            assert await redis.exists("x:api:rl:k")
        finally:
            await redis.aclose()


async def test_requests_arriving_together_share_one_round_trip(redis_url: str, redis_prefix: str) -> None:  # noqa: F811
    redis = Redis.from_url(redis_url)
    try:
        bucket = RedisTokenBucket(redis, TokenBucket(rate=0.01, burst=5), redis_prefix)
        waits = await asyncio.gather(*(bucket.acquire("k") for _ in range(8)))
        assert sorted(waits)[:5] == [0.0] * 5
        assert all(wait > 0 for wait in sorted(waits)[5:])
    finally:
        await redis.aclose()
