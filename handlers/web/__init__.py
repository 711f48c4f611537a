"""The public web app: read-only API, business pages, sitemap, llms.txt, newsletter digest and widget.

``create_web_app(app)`` builds one aiohttp application; ``concierge serve`` adds the Telegram webhook
route to it and runs it.
"""

from __future__ import annotations

from aiohttp import web

from concierge.app import App
from handlers.web import api, attribution, pages, photos, round_api, widget
from handlers.web.context import APP, LIMITER, error_middleware, headers_middleware
from handlers.web.ratelimit import RateLimiter, TokenBucket, api_limiter

__all__ = ["RateLimiter", "TokenBucket", "create_web_app"]


def create_web_app(app: App, *, limiter: RateLimiter | None = None) -> web.Application:
    """The web application over ``app``; ``limiter`` defaults to ``CONCIERGE_API_RATE`` requests/s per
    client (burst ``CONCIERGE_API_BURST``), shared through Redis when the app has it."""
    web_app = web.Application(middlewares=[headers_middleware, error_middleware], client_max_size=1024 * 1024)
    web_app[APP] = app
    settings = app.settings
    web_app[LIMITER] = limiter or api_limiter(
        app.redis, settings.api_rate, settings.api_burst, settings.redis_prefix
    )
    api.setup(web_app)
    attribution.setup(web_app)
    round_api.setup(web_app)
    pages.setup(web_app)
    photos.setup(web_app)
    widget.setup(web_app)
    return web_app
