"""`concierge import PATH [--format ...] [--area NAME]`: idempotent import with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from catalog.db import create_engine, session_factory, upgrade
from catalog.importers import FORMATS, ImportFileError, ImportSummary, import_file
from catalog.importers.source import read_text
from concierge.errors import UserError
from concierge.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="catalogue JSON, Overpass JSON, GeoJSON or CSV file")
    parser.add_argument(
        "--format", choices=FORMATS, default="auto", help="file format (default: tell from the content)"
    )
    parser.add_argument(
        "--area", metavar="NAME", help="area the businesses belong to (default: the file's own or its city)"
    )
    parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")


async def _import(url: str, path: Path, fmt: str, area: str | None, progress: bool) -> ImportSummary:
    await upgrade(url)
    engine = create_engine(url)
    try:
        return await import_file(session_factory(engine), path, fmt, area, progress)
    finally:
        await engine.dispose()


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    url = args.db or Settings().database_url
    try:
        read_text(path)  # a missing or empty file is reported before the database is touched
        summary = asyncio.run(_import(url, path, args.format, args.area, not args.no_progress))
    except ImportFileError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot reach the database: {exc}") from None
    area = f" into area {summary.area_id}" if summary.area_id else ""
    print(f"{path.name} ({summary.format}){area}: {summary}")
    return 0
