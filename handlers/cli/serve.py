"""`concierge serve`: the web app and the Telegram webhook in one aiohttp process.

The webhook route ``POST /telegram/webhook`` accepts an update only with the secret header Telegram
sends (``X-Telegram-Bot-Api-Secret-Token`` = ``CONCIERGE_WEBHOOK_SECRET``), records it in the inbox
and answers at once: 200 once it is stored, 503 when it could not be (Telegram then delivers it again).
Handling and replies follow from the inbox and outbox (docs/delivery.md, handlers/delivery.py).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from concierge.errors import UserError
from concierge.heap import share_one_arena
from concierge.logs import configure_logging
from concierge.settings import Settings
from handlers.cli.run import RUNTIMES, TelegramRuntime, open_runtime, settings_from, stop_on_signals
from handlers.delivery import Delivery
from handlers.health import add_health_routes
from handlers.web.context import REQUEST_LIMITS
from handlers.workers import Services

if TYPE_CHECKING:
    from concierge.app import App

WEBHOOK_PATH = "/telegram/webhook"
REQUEST_GRACE = 10.0
"""On shutdown, how long requests in progress may finish (webhook updates are only recorded, API answers
take milliseconds); with the delivery's own grace (handlers/delivery.py) well within the 70 s stop
grace of deploy/compose.yaml and the systemd units."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runtime", choices=RUNTIMES, help="Telegram library behind the webhook (default: CONCIERGE_RUNTIME)"
    )
    parser.add_argument("--host", help="address to listen on (default: CONCIERGE_WEB_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default: CONCIERGE_WEB_PORT)")


def web_app_for(app: App) -> web.Application:
    """The public web app when ``handlers.web`` is installed, else an empty one."""
    try:
        from handlers.web import create_web_app
    except ModuleNotFoundError as exc:
        if exc.name not in {"handlers.web", "handlers"}:
            raise
        return web.Application()
    return create_web_app(app)


def webhook_handler(
    delivery: Delivery, secret: str
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            update = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.json_response({"error": "not a Telegram update"}, status=400)
        try:
            await delivery.accept([update])
        except Exception as exc:
            reason = type(exc).__name__  # never the message: it can quote the update's text
            log.warning(
                "update %s not recorded (%s): Telegram will deliver it again", update["update_id"], reason
            )
            return web.json_response({"error": "not recorded, try again"}, status=503)
        return web.Response()

    return receive


def _warn(line: str) -> None:
    print(f"concierge serve: {line}", file=sys.stderr, flush=True)


async def serving(
    settings: Settings,
    runtime_name: str,
    stop: asyncio.Event | None = None,
    ready: asyncio.Future[str] | None = None,
) -> None:
    """Serve until ``stop`` is set (or a signal arrives); ``ready`` gets the base URL once listening."""
    from concierge.app import open_app
    from concierge.heap import freeze_heap
    from concierge.moderation import warn_without_moderators

    stop = stop or asyncio.Event()
    problem = settings.public_url_problem()
    if problem:
        raise UserError(problem)
    app = await open_app(settings)
    services: Services | None = None
    runtime: TelegramRuntime | None = None
    delivery: Delivery | None = None
    try:
        await warn_without_moderators(app)
        web_app = web_app_for(app)
        draining = add_health_routes(web_app, app)
        if settings.bot_token is None:
            _warn("CONCIERGE_BOT_TOKEN is not set: serving the web app without the Telegram webhook")
        elif settings.webhook_secret is None:
            _warn("CONCIERGE_WEBHOOK_SECRET is not set: serving the web app without the Telegram webhook")
        else:
            runtime = open_runtime(app, runtime_name)
            await runtime.start()
            secret = settings.webhook_secret.get_secret_value()
            delivery = Delivery(app, runtime)  # type: ignore[arg-type]
            delivery.start()
            web_app.router.add_post(WEBHOOK_PATH, webhook_handler(delivery, secret))
            if settings.webhook_url:
                await runtime.set_webhook(settings.webhook_url, secret)
        if runtime is None:
            freeze_heap()  # a runtime's start does it otherwise
        services = Services(app, runtime.notify if runtime is not None else None)
        runner = web.AppRunner(
            web_app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=REQUEST_GRACE,
            max_line_size=REQUEST_LIMITS["max_line_size"],
            max_field_size=REQUEST_LIMITS["max_field_size"],
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.web_host, settings.web_port)
            try:
                await site.start()
            except OSError as exc:
                raise UserError(
                    f"cannot listen on {settings.web_host}:{settings.web_port}: {exc.strerror or exc}"
                ) from None
            host, port = runner.addresses[0][:2]
            url = f"http://{host}:{port}"
            _warn(f"listening on {url}")
            if settings.public_url_derived:
                app.settings = settings.with_address(settings.web_host, port)  # the actual port (--port 0)
                _warn(app.settings.public_url_warning() or "")
            if ready is not None and not ready.done():
                ready.set_result(url)
            with stop_on_signals(stop):
                await stop.wait()
            draining.set()
        finally:
            await runner.cleanup()  # stops listening, then waits for the updates in flight
    finally:
        if delivery is not None:
            await delivery.stop()
        if services is not None:
            await services.stop()
        if runtime is not None:
            await runtime.close()
        await app.close()


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    settings = settings.with_address(
        args.host or settings.web_host, settings.web_port if args.port is None else args.port
    )
    configure_logging(settings)
    share_one_arena()  # before any thread starts
    asyncio.run(serving(settings, args.runtime or settings.runtime))
    return 0
