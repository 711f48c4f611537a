"""`concierge chat`: the conversation core in this terminal, as Telegram would drive it, with no token."""

from __future__ import annotations

import argparse
import asyncio
import sys

from concierge.errors import UserError
from concierge.i18n import LANGUAGES, translator
from concierge.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="load the bundled demo neighbourhood first")
    parser.add_argument(
        "--lang", metavar="XX", help="your language (nl, en, de, fr), as Telegram would pass it"
    )
    parser.add_argument("--as-owner", action="store_true", help="chat as a business owner")


def run(args: argparse.Namespace) -> int:
    if args.lang is not None and args.lang.lower() not in LANGUAGES:
        raise UserError(f"unknown language {args.lang!r}: use one of {', '.join(LANGUAGES)}")
    settings = Settings()
    if args.db:
        settings = settings.model_copy(update={"database_url": args.db})
    lang = (args.lang or settings.default_language).lower()
    try:
        with asyncio.Runner() as runner:
            return chat(runner, settings, lang, demo=args.demo, as_owner=args.as_owner)
    except KeyboardInterrupt:
        print()
        return 0


def chat(runner: asyncio.Runner, settings: Settings, lang: str, *, demo: bool, as_owner: bool) -> int:
    """Reads lines until end of input; each line's replies print before the next prompt."""
    from concierge.app import open_app
    from concierge.conversation import Conversation
    from handlers.terminal import TerminalSession

    t = translator(lang)
    app = runner.run(open_app(settings, demo=demo))
    conversation = Conversation(app)
    try:
        session = TerminalSession(conversation, language_code=lang)
        interactive = sys.stdin.isatty()
        print(runner.run(session.send("/mybusiness" if as_owner else "/start")))
        if interactive:
            print(
                t(
                    "Type a question, a number to press a button, /loc LAT,LON to share a location, or Ctrl-D to quit."
                )
            )
        while True:
            try:
                line = input("> " if interactive else "")
            except EOFError:
                break
            reply = runner.run(session.send(line))
            if reply:
                print(reply + ("\n" if interactive else ""), flush=True)
    finally:
        runner.run(conversation.drain())
        runner.run(app.close())
    return 0
