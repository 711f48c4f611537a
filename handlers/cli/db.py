"""`concierge db upgrade`: Alembic migrations to head."""

from __future__ import annotations

import argparse

from catalog.db import upgrade_sync
from concierge.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["upgrade"], help="upgrade: apply migrations up to head")
    parser.add_argument("--revision", default="head")


def run(args: argparse.Namespace) -> int:
    url = args.db or Settings().database_url
    upgrade_sync(url, args.revision)
    print(f"database at revision {args.revision}")
    return 0
