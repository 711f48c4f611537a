"""`concierge run`: the Telegram bot with long polling, on aiogram or python-telegram-bot.

The runtimes live in ``handlers/`` and are imported only here, when the bot really starts, so the rest
of ``concierge`` never depends on a Telegram library.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from concierge.errors import UserError
from concierge.heap import share_one_arena
from concierge.logs import configure_logging
from concierge.settings import Settings

if TYPE_CHECKING:
    from concierge.app import App
    from concierge.events import Notify
    from concierge.routing import Conversation

RUNTIMES = ("aiogram", "ptb")
NO_TOKEN = "CONCIERGE_BOT_TOKEN is not set: create a bot with @BotFather and put its token there"


class TelegramRuntime(Protocol):
    """What ``handlers.aiogram_runtime.AiogramRuntime`` and ``handlers.ptb_runtime.PtbRuntime`` offer."""

    async def start(self) -> None: ...
    async def poll(self, stop: asyncio.Event) -> None: ...
    async def set_webhook(self, url: str, secret: str | None) -> None: ...
    async def notify(self, note: Notify) -> None: ...
    async def close(self) -> None: ...


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runtime", choices=RUNTIMES, help="Telegram library to run on (default: CONCIERGE_RUNTIME, aiogram)"
    )


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return settings


def open_runtime(app: App, name: str, conversation: Conversation | None = None) -> TelegramRuntime:
    """The runtime ``name`` (aiogram or ptb) over ``app``; ``conversation`` defaults to a new one."""
    if app.settings.bot_token is None:
        raise UserError(NO_TOKEN)
    if name == "ptb":
        from handlers.ptb_runtime import PtbRuntime

        return PtbRuntime(app, conversation)
    from handlers.aiogram_runtime import AiogramRuntime

    return AiogramRuntime(app, conversation)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (a graceful shutdown) instead of killing the process."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def polling(settings: Settings, runtime_name: str, stop: asyncio.Event | None = None) -> None:
    """Run the bot until ``stop`` is set (or a signal arrives), then shut down cleanly."""
    from concierge.app import open_app
    from concierge.moderation import warn_without_moderators
    from handlers.workers import Services

    stop = stop or asyncio.Event()
    app = await open_app(settings)
    services: Services | None = None
    try:
        await warn_without_moderators(app)
        runtime = open_runtime(app, runtime_name)
        try:
            await runtime.start()
            services = Services(app, runtime.notify)
            with stop_on_signals(stop):
                await runtime.poll(stop)
        finally:
            if services is not None:
                await services.stop()
            await runtime.close()
    finally:
        await app.close()


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.bot_token is None:
        raise UserError(NO_TOKEN)
    configure_logging(settings)
    share_one_arena()  # before any thread starts
    asyncio.run(polling(settings, args.runtime or settings.runtime))
    return 0
