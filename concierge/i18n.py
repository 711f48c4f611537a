"""Translations: gettext catalogues in ``locales/<lang>/LC_MESSAGES/*.po``, compiled at start.

Each part of the product keeps its own ``.po`` file (``concierge.po`` for the conversation,
``search.po``, ``web.po``, ...); all files of a language are merged into one catalogue.

Message ids are the English source texts. ``translator(lang)`` returns a callable that also formats
``{named}`` placeholders, so call sites read ``t("{n} results", n=3)``.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("nl", "en", "de", "fr")
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def _(message: str) -> str:
    """Marks a message for extraction where it is defined but translated later."""
    return message


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    paths = sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po"))
    if not paths:
        return gettext.NullTranslations()
    merged: Catalog | None = None
    for path in paths:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        if merged is None:
            merged = catalog
        else:
            for message in catalog:
                if message.id:
                    merged[message.id] = message
    assert merged is not None
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def normalise_language(code: str | None, default: str = "nl") -> str:
    if code:
        base = code.lower().replace("_", "-").split("-")[0]
        if base in LANGUAGES:
            return base
    return default


Translate = Callable[..., str]


@cache
def translator(lang: str) -> Translate:
    catalogue = _catalogue(normalise_language(lang))

    def t(message: str, /, **values: object) -> str:
        text = catalogue.gettext(message)
        return text.format(**values) if values else text

    return t


def format_distance(metres: float, lang: str) -> str:
    """ "240 m" under a kilometre, "3,2 km" above, with the locale's decimal sign."""
    if metres < 950:
        return f"{int(round(metres, -1)) if metres >= 100 else round(metres)} m"
    return f"{format_decimal(round(metres / 1000, 1), format='#,##0.#', locale=normalise_language(lang))} km"
