"""`concierge export [--business ID] [--format catalogue|jsonld|csv] [--output FILE]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from catalog.db import check_url, create_engine, session_factory, upgrade
from catalog.export import ExportError, export_catalogue, export_csv, export_jsonld
from concierge.errors import UserError
from concierge.settings import Settings

FORMATS = ("catalogue", "jsonld", "csv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--business", metavar="ID", help="export only this business (an owner's own export)")
    parser.add_argument("--format", choices=FORMATS, default="catalogue", help="default: catalogue JSON")
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")


async def _export(settings: Settings, url: str, fmt: str, business_id: str | None) -> str:
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        if fmt == "csv":
            return await export_csv(sessions, business_id)
        if fmt == "jsonld":
            data = await export_jsonld(
                sessions, business_id, base_url=settings.public_url, bot_username=settings.bot_username
            )
        else:
            data = await export_catalogue(sessions, business_id)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    finally:
        await engine.dispose()


def _missing_sqlite_file(url: str) -> str | None:
    parsed = make_url(check_url(url))
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        return None if Path(database).exists() else database
    return None


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    url = args.db or settings.database_url
    missing = _missing_sqlite_file(url)
    if missing:
        raise UserError(f"no database at {missing}: import something first (concierge import)")
    try:
        text = asyncio.run(_export(settings, url, args.format, args.business))
    except ExportError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot reach the database: {exc}") from None
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    return 0
