"""Owners' input checked and normalised; each check returns the clean value or a reason code.

Reason codes map to translated explanations in :mod:`concierge.owners.texts`. Nothing here escapes
HTML: values are stored as typed and escaped wherever they are shown.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from babel.dates import get_day_names

from catalog.ownership import MAX_PRODUCT_CHARS, MAX_PRODUCTS
from catalog.typed_hours import Unreadable, read_span

NAME_CHARS = 80
STORY_CHARS = 600


class Invalid(ValueError):
    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


def one_line(text: str) -> str:
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == "\n")
    return " ".join(kept.split())


def name(text: str) -> str:
    value = one_line(text)
    if not value or len(value) > NAME_CHARS or not any(ch.isalnum() for ch in value):
        raise Invalid("name")
    return value


def story_part(text: str) -> str:
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == "\n").strip()
    if len(kept) > STORY_CHARS:
        raise Invalid("story", n=len(kept))
    return kept


def product_lines(text: str) -> list[str]:
    """One product per line (commas separate too when there is a single line)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = lines[0].split(",")
    names = [one_line(line).lstrip("-•*·+ ").strip() for line in lines]
    names = [n for n in names if n]
    too_long = [n for n in names if len(n) > MAX_PRODUCT_CHARS]
    if too_long:
        raise Invalid("product_long", name=too_long[0][:40])
    return names


def check_product_count(count: int) -> None:
    if count > MAX_PRODUCTS:
        raise Invalid("products_many")


def phone(text: str, country: str) -> str:
    import phonenumbers  # imported when an owner edits, not by every worker at start

    try:
        number = phonenumbers.parse(text.strip(), country.upper() or None)
    except phonenumbers.NumberParseException as error:
        raise Invalid("phone") from error
    if not phonenumbers.is_valid_number(number):
        raise Invalid("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_HOST = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.[a-z]{2,63}$")


def website(text: str) -> str:
    value = text.strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value):
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as error:
        raise Invalid("website") from error
    if parts.scheme not in {"http", "https"} or not _HOST.match(host) or " " in value or len(value) > 300:
        raise Invalid("website")
    return value


_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*$")


def clock(text: str) -> str:
    match = _TIME.match(text)
    if match is None or int(match[1]) > 24 or int(match[2] or 0) > 59:
        raise Invalid("time")
    return f"{int(match[1]):02d}:{match[2] or '00'}"


def time_span(text: str, lang: str = "") -> tuple[str, str]:
    """ "7:30-18:00", "7.30 tot 18", "9am-6pm", "9h à midi" → ("07:30", "18:00"); a span that runs
    past midnight is refused here (the builder's spans lie within one day)."""
    try:
        start, end = read_span(text, lang or None)
    except Unreadable as problem:
        raise Invalid("time") from problem
    if end <= start:
        raise Invalid("time")
    return start, end


OSM_DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


def _day_numbers(lang: str) -> dict[str, int]:
    names = {code: i for i, code in enumerate(OSM_DAYS)}
    for locale in dict.fromkeys([lang, "en"]):
        for width in ("wide", "abbreviated", "short"):
            for context in ("format", "stand-alone"):
                for number, day in get_day_names(width, context, locale=locale).items():
                    names[day.casefold().rstrip(".")] = number
    return names


def weekdays(text: str, lang: str) -> list[int]:
    """Typed days in the owner's language or OSM style: "di-za", "Mo,We,Fr", "maandag tot vrijdag"."""
    names = _day_numbers(lang)
    tokens = re.findall(r"[^\W\d_]+|[-–,]", text.casefold())
    days: set[int] = set()
    pending: int | None = None
    ranged = False
    for token in tokens:
        if token in {"-", "–", "to", "tot", "bis", "à", "au", "t/m", "tm"}:
            ranged = pending is not None
            continue
        if token == ",":
            continue
        day = names.get(token.rstrip("."))
        if day is None:
            if token in {"and", "en", "und", "et"}:
                continue
            raise Invalid("days")
        if ranged and pending is not None:
            span = range(pending, day + 1) if pending <= day else [*range(pending, 7), *range(0, day + 1)]
            days.update(span)
            ranged = False
        days.add(day)
        pending = day
    if not days:
        raise Invalid("days")
    return sorted(days)


# -- typed answers where buttons are offered ----------------------------------------------------------

YES_WORDS = frozenset(
    [
        "ja",
        "jawel",
        "jazeker",
        "klopt",
        "zeker",
        "prima",
        "goed",
        "graag",
        "oké",
        "oke",
        "ok",
        "okay",
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "correct",
        "right",
        "indeed",
        "doch",
        "genau",
        "stimmt",
        "richtig",
        "gerne",
        "natürlich",
        "natuerlich",
        "jawohl",
        "oui",
        "ouais",
        "exact",
        "exactement",
        "absolument",
        "volontiers",
        "bien",
        "d'accord",
        "👍",
        "✅",
    ]
)
NO_WORDS = frozenset(
    ["nee", "neen", "nope", "no", "nah", "nein", "nö", "noe", "non", "niet", "nicht", "pas", "👎", "❌"]
)
DELIVERY_WORDS = {
    "bike": frozenset(
        [
            "fiets",
            "fietskoerier",
            "bakfiets",
            "fietsbezorging",
            "bike",
            "bicycle",
            "bikes",
            "cargo",
            "courier",
            "fahrrad",
            "rad",
            "lastenrad",
            "fahrradkurier",
            "velo",
            "vélo",
            "coursier",
        ]
    ),
    "post": frozenset(
        [
            "post",
            "postnl",
            "pakket",
            "pakketpost",
            "verzenden",
            "opsturen",
            "mail",
            "shipping",
            "ship",
            "ships",
            "parcel",
            "versand",
            "paket",
            "dhl",
            "poste",
            "courrier",
            "colis",
            "envoi",
            "expédition",
        ]
    ),
    "none": frozenset(
        ["geen", "niet", "none", "nothing", "keine", "nicht", "kein", "aucune", "aucun", "pas"]
    ),
}
"""Words that carry the answer; everything else ("met de", "by", "par la") is ignored."""


def _words(text: str | None) -> list[str]:
    if not text:
        return []
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?|[👍👎✅❌]", text.casefold().replace("’", "'"))


def yes_no(text: str | None, lang: str = "") -> str | None:
    """ "yes" or "no" for a typed answer in any of the four languages ("ja hoor", "oui", "nein
    danke"), judged by its first word; None when it is neither."""
    words = _words(text)
    if not words or len(words) > 6:
        return None
    if words[0] in YES_WORDS:
        return "yes"
    if words[0] in NO_WORDS:
        return "no"
    return None


def delivery(text: str | None) -> str | None:
    """ "bike", "post" or "none" for "met de fiets", "by post", "nein", "pas de livraison"…; a way of
    delivering beats a "no" in the same answer; None when the answer names none."""
    words = _words(text)
    if not words or len(words) > 8:
        return None
    for choice in ("bike", "post"):
        if any(word in DELIVERY_WORDS[choice] for word in words):
            return choice
    if any(word in DELIVERY_WORDS["none"] or word in NO_WORDS for word in words):
        return "none"
    return None
