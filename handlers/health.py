"""``/healthz`` and ``/metrics`` for load balancers, orchestrators and Prometheus.

``/healthz`` answers 200 only when the database and (if configured) Redis answer, and 503 while the
worker drains for a shutdown, so a load balancer stops sending it new webhook updates. ``/metrics``
serves the process's own registry (:class:`concierge.metrics.Metrics`); keep it behind the reverse
proxy (see ``deploy/``), although it holds counts and timings only.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

if TYPE_CHECKING:
    from concierge.app import App

CHECK_SECONDS = 2.0
DRAINING: web.AppKey[asyncio.Event] = web.AppKey("draining", asyncio.Event)


async def check_database(app: App) -> str:
    try:
        async with asyncio.timeout(CHECK_SECONDS), app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return "unreachable"
    return "ok"


async def check_redis(app: App) -> str:
    if app.redis is None:
        return "not configured"
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            await app.redis.ping()
    except Exception:
        return "unreachable"
    return "ok"


def add_health_routes(web_app: web.Application, app: App) -> asyncio.Event:
    """Adds both routes; returns the event to set when the worker starts draining."""
    draining = asyncio.Event()
    web_app[DRAINING] = draining

    async def healthz(request: web.Request) -> web.Response:
        database, redis = await asyncio.gather(check_database(app), check_redis(app))
        healthy = database == "ok" and redis in {"ok", "not configured"} and not draining.is_set()
        body = {
            "status": "ok" if healthy else ("draining" if draining.is_set() else "unhealthy"),
            "database": database,
            "redis": redis,
        }
        return web.json_response(body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})

    async def metrics(request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(app.metrics.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    return draining
