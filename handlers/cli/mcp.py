"""`concierge mcp`: a Model Context Protocol server on stdio for AI assistants."""

from __future__ import annotations

import argparse
import asyncio

from concierge.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from handlers.mcp_server import serve_stdio

    settings = Settings(**({"database_url": args.db} if args.db else {}))
    asyncio.run(serve_stdio(settings))
    return 0
