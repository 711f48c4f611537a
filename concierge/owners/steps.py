"""Typed-input steps that never trap: when a step lets go, and what it says when it does.

A step that waits for typed text (a closure's dates, a business name, the next answer of the listing
flow) must not swallow everything else the person sends. So:

- a command (other than /cancel, /mybusiness, /start) leaves the step and is handled as usual;
- a question ("waar kan ik brood kopen?", "où acheter du pain") leaves a step that expects dates or a
  name, and is answered as usual;
- a single typed answer ("input" and "moderate" states) expires a day after it was asked; an
  unfinished listing is kept (the person may come back to it with /mybusiness), but after a day of
  silence, or once the person turned to something else, messages are no longer read as its answers;
- after two unreadable answers in a row the step offers buttons.

Each stored state carries ``at``, the time it was last saved (ISO 8601), for the expiry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from concierge.i18n import LANGUAGES
from concierge.owners.machine import END
from concierge.text import tokens
from concierge.understanding import language_data

STEP_TTL = dt.timedelta(days=1)
SINGLE_ANSWER_MODES = frozenset({"input", "moderate"})
FLOW_MODES = frozenset({"create", "edit"})
QUESTIONS_LEAVE_INPUTS = frozenset({"closure", "special", "code", "claim", "partner"})
"""Single answers a question cannot be: dates, an invite code, a business name."""
FREE_TEXT_STATES = frozenset({"story_who", "story_how", "story_why"})
"""Flow steps whose answer may well read like a question ("Why? Because…")."""
FLOW_COMMANDS = frozenset({"cancel", "mybusiness", "start"})
"""Commands that stay with an unfinished listing: Cancel stops it, /mybusiness and /start resume it."""
MISSES_FOR_BUTTONS = 2


def mode_of(data: dict[str, Any] | None) -> str:
    """The open step's state in the router's table of steps (``router.MODES``, ``modes.mmd``)."""
    if not data:
        return END
    mode = data.get("mode")
    if mode in FLOW_MODES:
        return "paused" if data.get("paused") else "listing"
    if mode == "input":
        return str(data.get("input"))
    return str(mode)


def stamped(data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """``data`` with the time it is saved, for :func:`stale`."""
    return {**data, "at": now.isoformat()}


def saved_at(data: dict[str, Any]) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(data["at"]))
    except (KeyError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def stale(data: dict[str, Any], now: dt.datetime) -> bool:
    """Saved more than a day ago (a state without a time, from an older version, is not stale)."""
    moment = saved_at(data)
    return moment is not None and now - moment > STEP_TTL


def looks_like_question(text: str) -> bool:
    """Starts like a resident's question in any of the four languages ("waar kan ik", "where can i",
    "wo gibt es", "où acheter"), from the same phrase lists the question reader uses."""
    words = tuple(tokens(text))
    if not words:
        return False
    for lang in LANGUAGES:
        for phrase in language_data(lang).question_phrases:
            if len(phrase) > 1 and words[: len(phrase)] == phrase:
                return True
    return False


def leaves(data: dict[str, Any], kind: str, command: str, text: str | None) -> bool:
    """Whether this event leaves the open step, to be handled as if no step were open."""
    mode = data.get("mode")
    if kind == "command":
        return command != "cancel" if mode in SINGLE_ANSWER_MODES else command not in FLOW_COMMANDS
    if kind != "text" or text is None:
        return False
    if mode == "input":
        wanted = data.get("input")
        dates = wanted in {"closure", "special"} and text.strip().endswith("?")
        return wanted in QUESTIONS_LEAVE_INPUTS and (looks_like_question(text) or dates)
    if mode in FLOW_MODES:
        return data.get("state") not in FREE_TEXT_STATES and looks_like_question(text)
    return False
