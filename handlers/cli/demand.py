"""`concierge demand`: what residents asked for that nobody nearby sells, for an area and a month
(or an ISO week), as Markdown, CSV, JSON or a PNG chart. Only concepts asked by at least
``MIN_PEOPLE`` different people are ever shown."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import sys
from pathlib import Path

from concierge import demand, demand_report
from concierge.errors import UserError
from concierge.i18n import LANGUAGES
from concierge.settings import Settings

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--area", help="area id or name (default: the first area)")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--month", help="YYYY-MM (default: this month)")
    when.add_argument("--week", help="an ISO week, YYYY-Www")
    parser.add_argument("--format", choices=demand_report.FORMATS, default="md")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of labels and titles")
    parser.add_argument(
        "--output", metavar="FILE", help="write here instead of stdout (png: default demand.png)"
    )


def period_of(args: argparse.Namespace, today: dt.date) -> str:
    if args.week:
        if not WEEK.match(args.week):
            raise UserError("--week must be an ISO week like 2026-W49")
        return str(args.week)
    if args.month:
        if not MONTH.match(args.month):
            raise UserError("--month must be YYYY-MM, for example 2026-12")
        return str(args.month)
    return demand.month_of(today)


def run(args: argparse.Namespace) -> int:
    settings = Settings(**({"database_url": args.db} if args.db else {}))
    period = period_of(args, dt.datetime.now(dt.UTC).date())
    lang = args.lang or settings.default_language
    output = Path(args.output) if args.output else (Path("demand.png") if args.format == "png" else None)
    if output is not None and output.is_dir():
        raise UserError(f"{output} is a directory")
    content = asyncio.run(_report(settings, args.area, period, args.format, lang))
    if output is None:
        sys.stdout.write(content if isinstance(content, str) else content.decode())
        return 0
    if isinstance(content, bytes):
        output.write_bytes(content)
    else:
        output.write_text(content, encoding="utf-8")
    print(output)
    return 0


async def _report(settings: Settings, area_arg: str | None, period: str, fmt: str, lang: str) -> str | bytes:
    from concierge.app import open_app

    app = await open_app(settings)
    try:
        areas = app.search.areas
        if area_arg:
            area = next((a for a in areas if area_arg.lower() in (a.id.lower(), a.name.lower())), None)
            if area is None:
                known = ", ".join(a.id for a in areas) or "none"
                raise UserError(f"no area {area_arg!r} (known: {known})")
        elif areas:
            area = areas[0]
        else:
            raise UserError("the catalogue has no areas yet")
        if fmt == "json":
            return (
                json.dumps(await demand.report(app, area.id, period, lang), ensure_ascii=False, indent=2)
                + "\n"
            )
        rows = await demand.wanted(app.sessions, area.id, period)
        lexicon = app.search.lexicon
        if fmt == "png":
            return demand_report.png(rows, lexicon, area.name, period, lang)
        if fmt == "csv":
            return demand_report.csv_text(rows, lexicon, area.id, period, lang)
        return demand_report.markdown(rows, lexicon, area.name, period, lang) + "\n"
    finally:
        await app.close()
