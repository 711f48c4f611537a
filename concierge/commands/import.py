"""`concierge import`."""

from __future__ import annotations

import argparse

from concierge.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise UserError("not implemented yet")
