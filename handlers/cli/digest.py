"""`concierge digest`: an email-safe block of local stories for a newsletter.

Without ``--output`` the block goes to stdout and its QR images point at ``<public_url>/qr/…png``, served
by ``concierge serve`` (``CONCIERGE_PUBLIC_URL``; a warning on stderr when it is the local default). With
``--output DIR`` it writes ``digest.<ext>`` and the QR PNGs next to it, referenced by relative file names,
for newsletters that upload their own images.

Running it is an editor's deliberate act, so it records the pick for the day (see ``concierge.digest``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path

from concierge import demand_report, digest
from concierge.deeplinks import valid_campaign
from concierge.errors import UserError
from concierge.i18n import LANGUAGES
from concierge.settings import Settings
from handlers.cli.demand import MONTH

EXTENSIONS = {"html": "html", "markdown": "md", "text": "txt"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--area", help="area id or name (default: all areas)")
    parser.add_argument("--count", type=int, default=3, help=f"businesses to feature, 1-{digest.MAX_COUNT}")
    parser.add_argument("--format", choices=digest.FORMATS, default="html")
    parser.add_argument("--campaign", help="campaign tag carried by the deep links (1-20 letters, digits, -)")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of the block's own texts")
    parser.add_argument("--output", metavar="DIR", help="write the digest and QR PNGs into this directory")
    parser.add_argument(
        "--wanted",
        nargs="?",
        const="",
        metavar="YYYY-MM",
        help="add a 'Wanted in the neighbourhood' block: what residents asked for this month (or the "
        "month given) that nobody nearby sells",
    )


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= digest.MAX_COUNT:
        raise UserError(f"--count must be between 1 and {digest.MAX_COUNT}")
    if args.campaign is not None and not valid_campaign(args.campaign):
        raise UserError("--campaign must be 1-20 letters, digits or hyphens")
    if args.wanted and not MONTH.match(args.wanted):
        raise UserError("--wanted takes a month as YYYY-MM, for example 2026-12")
    settings = Settings(**({"database_url": args.db} if args.db else {}))
    output = Path(args.output) if args.output else None
    if output is not None and output.exists() and not output.is_dir():
        raise UserError(f"{output} is not a directory")
    if output is None:
        problem = settings.public_url_problem()
        if problem:
            raise UserError(problem)
        warning = settings.public_url_warning()
        if warning:
            print(f"concierge digest: {warning}", file=sys.stderr)
    text, featured = asyncio.run(_digest(settings, args, qr_base="" if output else settings.public_url))
    if output is None:
        print(text)
        return 0
    output.mkdir(parents=True, exist_ok=True)
    for item in featured:
        (output / item.qr).write_bytes(digest.qr_png(item.link))
    target = output / f"digest.{EXTENSIONS[args.format]}"
    target.write_text(text + "\n", encoding="utf-8")
    print(target)
    return 0


async def _digest(
    settings: Settings, args: argparse.Namespace, qr_base: str
) -> tuple[str, list[digest.Featured]]:
    from concierge.app import open_app

    app = await open_app(settings)
    try:
        area = None
        if args.area:
            area = next(
                (a for a in app.search.areas if args.area.lower() in (a.id.lower(), a.name.lower())), None
            )
            if area is None:
                known = ", ".join(a.id for a in app.search.areas) or "none"
                raise UserError(f"no area {args.area!r} (known: {known})")
        chosen = await digest.pick(
            app.sessions,
            app.search.businesses(),
            area=area.id if area else None,
            count=args.count,
            campaign=args.campaign,
            today=dt.datetime.now(dt.UTC).date(),
            record=True,
        )
        featured = [
            digest.feature(b, bot_username=settings.bot_username, campaign=args.campaign, qr_base=qr_base)
            for b in chosen
        ]
        only = app.search.areas[0] if len(app.search.areas) == 1 else None
        text = digest.render(featured, args.format, args.lang or settings.default_language, area or only)
        if args.wanted is not None:
            text += "\n" + await demand_report.digest_wanted(
                app, area or only, args.wanted, args.format, args.lang or settings.default_language
            )
    finally:
        await app.close()
    return text, featured
