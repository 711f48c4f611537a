"""The ``concierge`` command line, an adapter like the Telegram runtimes and the web: it wires the core
(``concierge``) to the adapters it starts. One module per command in this package, each with
``add_arguments(parser)`` and ``run(args) -> int``, imported only when that command runs."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from catalog.db import DatabaseURLError
from concierge.errors import UserError

COMMANDS = {
    "chat": "Talk to the concierge in this terminal, as Telegram would (no token needed).",
    "run": "Run the Telegram bot with long polling.",
    "serve": "Run the webhook and the web app (public API, pages, widget).",
    "import": "Import businesses from a catalogue, Overpass, GeoJSON or CSV file.",
    "ask": "Ask one question (or a batch) through the same search the bot uses.",
    "export": "Export businesses as catalogue JSON, JSON-LD or CSV.",
    "db": "Database maintenance (db upgrade).",
    "digest": "An email-safe digest of local stories for newsletters.",
    "mcp": "A Model Context Protocol server on stdio for AI assistants.",
    "jobs": "Periodic jobs: freshness nudges, weekly summaries, purges (jobs run --once for cron).",
    "moderators": "The neighbourhood's moderators: moderators add|list|remove ID.",
    "hours": "Read opening hours as an owner types them into OSM syntax, and back into words.",
    "demand": "What residents asked for that nobody nearby sells (only wishes of at least 5 people).",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that command's module is imported for its arguments (each
    command imports what it needs, and a command imports the others' libraries for nothing)."""
    parser = _Parser(prog="concierge", description="The neighbourhood shopping concierge.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if command is not None and name != command:
            continue
        module = importlib.import_module(f"handlers.cli.{name}")
        command_parser.add_argument(
            "--db", metavar="URL", help="database URL (overrides CONCIERGE_DATABASE_URL)"
        )
        module.add_arguments(command_parser)
        command_parser.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = argv[0] if argv and argv[0] in COMMANDS else ""
    args = build_parser(chosen).parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (UserError, DatabaseURLError) as exc:
        print(f"concierge {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never show a traceback to the person at the terminal
        logging.getLogger("concierge").debug("unexpected error", exc_info=True)
        print(f"concierge {args.command}: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
