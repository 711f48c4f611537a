"""`concierge hours "TEXT" [--lang xx]`: opening hours as an owner types them, read into OSM syntax.

The first line of stdout is the OpenStreetMap ``opening_hours`` expression, the second the hours in
words (in ``--lang``, else in the language the text was written in, else the default language). The
same reader serves the owners' flow and CSV imports (:mod:`catalog.typed_hours`).
"""

from __future__ import annotations

import argparse
import sys

from catalog.typed_hours import Unreadable, read
from concierge.hours_text import describe
from concierge.i18n import LANGUAGES
from concierge.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help='the hours as typed, e.g. "ma-vr 9-18, za 10-17, zondag dicht"')
    parser.add_argument("--lang", choices=LANGUAGES, help="the language tried first and used for the words")


def run(args: argparse.Namespace) -> int:
    try:
        reading = read(args.text, args.lang)
    except Unreadable:
        print(
            f"concierge hours: could not read opening hours in {args.text.strip()[:100]!r}; "
            'write days, then times, e.g. "Mon-Fri 9-18, Sat 10-17, Sunday closed"',
            file=sys.stderr,
        )
        return 1
    lang = args.lang or reading.language or Settings().default_language
    print(reading.expression)
    print(describe(reading.expression, lang))
    return 0
