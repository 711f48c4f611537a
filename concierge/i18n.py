"""Translations: gettext catalogues in ``locales/<lang>/LC_MESSAGES/concierge.po``, compiled at start.

Message ids are the English source texts. ``translator(lang)`` returns a callable that also formats
``{named}`` placeholders, so call sites read ``t("{n} results", n=3)``.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("nl", "en", "de", "fr")
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "concierge"


def _(message: str) -> str:
    """Marks a message for extraction where it is defined but translated later."""
    return message


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
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
    """"240 m" under a kilometre, "3,2 km" above, with the locale's decimal sign."""
    if metres < 950:
        return f"{int(round(metres, -1)) if metres >= 100 else int(round(metres))} m"
    return f"{format_decimal(round(metres / 1000, 1), format='#,##0.#', locale=normalise_language(lang))} km"
