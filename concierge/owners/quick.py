"""Owners' quick product commands ("+ x", "- x", "sold out: x", "back: x"), read without any state.

Kept apart from :mod:`concierge.owners.listing`, which applies them, so that the conversation's
language rule can tell such a line from a resident's question without importing the owners' side.
"""

from __future__ import annotations

SOLD_OUT = ("sold out:", "uitverkocht:", "ausverkauft:", "épuisé:", "epuise:", "épuisés:")
BACK_IN = ("back:", "weer op voorraad:", "wieder da:", "de retour:", "terug:")


def quick_command(text: str) -> tuple[str, str] | None:
    """``("add"|"remove"|"sold_out"|"back", rest)`` for "+ x", "- x", "sold out: x", "back: x"."""
    stripped = text.strip()
    folded = stripped.casefold()
    for prefixes, kind in ((SOLD_OUT, "sold_out"), (BACK_IN, "back")):
        for prefix in prefixes:
            if folded.startswith(prefix):
                return kind, stripped[len(prefix) :]
    if stripped[:1] == "+" and stripped[1:].strip():
        return "add", stripped[1:]
    if stripped[:1] in {"-", "−"} and stripped[1:].strip() and not stripped[1:].strip()[0].isdigit():
        return "remove", stripped[1:]
    return None
