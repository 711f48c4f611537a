"""`concierge moderators add|list|remove [ID]`: the neighbourhood's moderators kept in the database.

They moderate together with the ids in ``CONCIERGE_ADMIN_IDS`` (which stay in the environment and are
listed here as such, but cannot be removed here).
"""

from __future__ import annotations

import argparse
import asyncio

from catalog.db import create_engine, session_factory, upgrade
from concierge import moderation
from concierge.errors import UserError
from concierge.settings import Settings
from handlers.cli.run import settings_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["add", "list", "remove"])
    parser.add_argument("id", nargs="?", help="the moderator's numeric Telegram user id (add, remove)")


def user_id(value: str | None) -> int:
    if value is None or not value.strip().lstrip("-").isdigit() or int(value) <= 0:
        raise UserError(f"{value!r} is not a Telegram user id: give the number, e.g. 123456789")
    return int(value)


async def _moderators(settings: Settings, action: str, given: str | None) -> str:
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    try:
        if action == "list":
            stored = await moderation.stored_moderators(sessions)
            lines = [f"{uid}\tdatabase" for uid in stored]
            lines += [f"{uid}\tCONCIERGE_ADMIN_IDS" for uid in sorted(settings.admin_ids - set(stored))]
            return "\n".join(lines) if lines else "no moderators: add one with `concierge moderators add ID`"
        uid = user_id(given)
        if action == "add":
            added = await moderation.add_moderator(sessions, uid)
            return f"{uid} is a moderator" + ("" if added else " already")
        if not await moderation.remove_moderator(sessions, uid):
            where = " (it is in CONCIERGE_ADMIN_IDS; remove it there)" if uid in settings.admin_ids else ""
            raise UserError(f"{uid} is not a moderator in the database{where}")
        return f"{uid} is no longer a moderator"
    finally:
        await engine.dispose()


def run(args: argparse.Namespace) -> int:
    if args.action != "list" and args.id is None:
        raise UserError(f"moderators {args.action} needs the Telegram user id")
    print(asyncio.run(_moderators(settings_from(args), args.action, args.id)))
    return 0
