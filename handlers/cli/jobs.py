"""`concierge jobs run [--once] [--at ISO8601]`: the periodic jobs, for cron or a systemd timer.

``serve`` and ``run`` schedule the same jobs themselves; running this beside them is safe, because one
runner sends at a time and every message is recorded before it goes out (:mod:`concierge.jobs`).
Messages go through the Bot API with the configured runtime; without ``CONCIERGE_BOT_TOKEN`` only the
purges run and the messages wait.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys

from concierge.errors import UserError
from concierge.settings import Settings
from handlers.cli.run import open_runtime, settings_from, stop_on_signals


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["run"], help="run: purges, freshness nudges, weekly summaries")
    parser.add_argument("--once", action="store_true", help="one round, then exit (for cron or a timer)")
    parser.add_argument("--at", metavar="ISO8601", help="run as at this moment (default: now)")


def parse_moment(value: str) -> dt.datetime:
    """An ISO 8601 date-time; without an offset it is read as UTC."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise UserError(
            f"--at {value!r} is not an ISO 8601 date-time, e.g. 2026-11-23T10:00:00+01:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def running(settings: Settings, once: bool, at: dt.datetime | None) -> str:
    from concierge.app import open_app
    from concierge.jobs import Send, run_jobs, run_regularly, utc_now
    from concierge.moderation import warn_without_moderators

    app = await open_app(settings)
    runtime = None
    try:
        await warn_without_moderators(app)
        send: Send | None = None
        if settings.bot_token is not None:
            runtime = open_runtime(app, settings.runtime)
            await runtime.start()
            send = runtime.notify
        else:
            print("concierge jobs: CONCIERGE_BOT_TOKEN is not set: only purging", file=sys.stderr)
        if once:
            return (await run_jobs(app, at or utc_now(), send)).line()
        offset = (at - utc_now()) if at is not None else dt.timedelta(0)
        stop = asyncio.Event()
        with stop_on_signals(stop):
            await run_regularly(app, stop, send, clock=lambda: utc_now() + offset)
        return "stopped"
    finally:
        if runtime is not None:
            await runtime.close()
        await app.close()


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    at = parse_moment(args.at) if args.at else None
    print(f"concierge jobs: {asyncio.run(running(settings, args.once, at))}")
    return 0
