"""Residents' slash commands: /start (with deep links), /help, /language, /cancel, and unknown ones.

/near is :func:`location.ask_for_location`; /privacy and /forgetme are :mod:`privacy`'s. ``DESCRIPTIONS``
lists every command people see, whichever feature answers it.
"""

from __future__ import annotations

import dataclasses

from concierge import callbacks, deeplinks
from concierge.conversation import counts, questions, stories
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.conversation.routes import extra_rows
from concierge.events import Button, Reply, SendText
from concierge.i18n import LANGUAGES, _, translator
from concierge.state import CAMPAIGN_TTL

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "de": "Deutsch", "fr": "Français"}
"""Each language in its own words, so anyone can find theirs whatever the current language."""

DESCRIPTIONS = {
    "start": _("Start, with a short introduction"),
    "help": _("How to ask and what I can do"),
    "near": _("Share your location for nearby results"),
    "language": _("Choose your language"),
    "privacy": _("What I keep about you"),
    "forgetme": _("Delete everything I know about you"),
    "cancel": _("Cancel what is going on"),
    "mybusiness": _("Add or edit your own business listing"),
}


def bot_commands(lang: str) -> list[tuple[str, str]]:
    """``(command, description)`` in ``lang``, for Telegram's setMyCommands."""
    t = translator(lang)
    return [(command, t(description)) for command, description in DESCRIPTIONS.items()]


def welcome(turn: Turn) -> SendText:
    area = turn.area_name
    if area:
        text = turn.t(
            "Hello! I help you find independent shops and makers in {area}. "
            "Just ask, for example “where can I buy oat milk?” or “bike repair”.",
            area=area,
        )
    else:
        text = turn.t(
            "Hello! I help you find independent shops and makers nearby. "
            "Just ask, for example “where can I buy oat milk?” or “bike repair”."
        )
    tip = turn.t("Tip: share your location with /near for results close to you.")
    return SendText(f"{say(text)}\n\n{say(tip)}", buttons=extra_rows(turn, "welcome"))


async def start(turn: Turn) -> list[Reply]:
    link = deeplinks.decode(turn.event.text.strip())
    if link is None:
        return [welcome(turn)]
    if link.campaign:
        turn.counts.add(turn.now.date(), [(counts.campaign_subject(link.campaign), "start")])
        await turn.store.set_campaign(turn.event.user_id, link.campaign, turn.now + CAMPAIGN_TTL)
        turn = dataclasses.replace(turn, profile=dataclasses.replace(turn.profile, campaign=link.campaign))
    if link.kind == "business":
        business = turn.app.search.by_ref(link.value)
        if business is not None:
            return await stories.story(turn, business)
    if link.kind == "question":
        return await questions.ask(turn, link.value)
    return [welcome(turn)]


async def help_text(turn: Turn) -> list[Reply]:
    lines = [
        turn.t("Ask me in your own words what you are looking for, for example “oat milk” or “bike repair”."),
        turn.t("I answer with up to three independent places nearby: tap Story, Map or Share."),
        "",
        *(f"/{command} — {turn.t(description)}" for command, description in DESCRIPTIONS.items()),
    ]
    return [SendText(say("\n".join(lines)))]


async def language_menu(turn: Turn) -> list[Reply]:
    buttons = tuple(
        (Button(LANGUAGE_NAMES[code], data=callbacks.Language(code).pack()),) for code in LANGUAGES
    )
    return [SendText(say(turn.t("Which language shall I use?")), buttons=buttons)]


async def cancel(turn: Turn) -> list[Reply]:
    return [SendText(say(turn.t("Okay, stopped. Ask me anything whenever you like.")), remove_keyboard=True)]


async def unknown(turn: Turn) -> list[Reply]:
    return [SendText(say(turn.t("I don't know that command. Type /help to see what I can do.")))]
