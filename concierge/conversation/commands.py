"""Slash commands: /start (with deep links), /help, /language, /near, /privacy, /forgetme, /cancel."""

from __future__ import annotations

import dataclasses

from catalog import ownership
from concierge import deeplinks, demand
from concierge.conversation import counts, location, questions, stories
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.events import Button, Reply, SendText
from concierge.i18n import LANGUAGES, _, translator
from concierge.state import CAMPAIGN_TTL
from concierge.uow import unit_of_work

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
    return SendText(f"{say(text)}\n\n{say(tip)}")


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


def help_text(turn: Turn) -> list[Reply]:
    lines = [
        turn.t("Ask me in your own words what you are looking for, for example “oat milk” or “bike repair”."),
        turn.t("I answer with up to three independent places nearby: tap Story, Map or Share."),
        "",
        *(f"/{command} — {turn.t(description)}" for command, description in DESCRIPTIONS.items()),
    ]
    return [SendText(say("\n".join(lines)))]


def language_menu(turn: Turn) -> list[Reply]:
    buttons = tuple((Button(LANGUAGE_NAMES[code], data=f"lang:{code}"),) for code in LANGUAGES)
    return [SendText(say(turn.t("Which language shall I use?")), buttons=buttons)]


def privacy(turn: Turn) -> list[Reply]:
    text = turn.t(
        "What I keep about you: your language choice, and your position rounded to about 100 m "
        "for 24 hours. Your last question is kept for 30 minutes for the More button. "
        "If you came through a link from a newsletter or poster, its campaign tag is kept with your "
        "Telegram user id for 24 hours, so that your questions count in that campaign's daily totals. "
        "Nothing else: no names, no chats, no history. Owners and editors only see daily totals, never "
        "who asked. /forgetme deletes everything at once."
    )
    groups = turn.t(
        "In a group, the group's last question is kept for 30 minutes so that every member can use the "
        "buttons under its answer. Nobody's position is used there."
    )
    wanted = turn.t(
        "What nobody nearby sells is counted per product and month, so shops can see what the "
        "neighbourhood misses: never your words or your name, and only once five people asked."
    )
    return [SendText(f"{say(text)}\n\n{say(groups)}\n\n{say(wanted)}")]


async def forget_me(turn: Turn) -> list[Reply]:
    """The resident's state and flows (database and Redis), and anything the catalogue keeps naming
    them as an owner; tests/test_forget.py walks every table and key afterwards."""
    await turn.store.forget(turn.event.user_id)
    async with unit_of_work(turn.app) as uow:  # the demand marks and the catalogue's rows, or neither
        await demand.forget(await uow.session.connection(), turn.event.user_id)
        await ownership.forget_person(uow.session, turn.event.user_id)
    text = turn.t("Done. I have deleted everything I kept about you: language, position and last question.")
    return [SendText(say(text), remove_keyboard=True)]


def cancel(turn: Turn) -> list[Reply]:
    return [SendText(say(turn.t("Okay, stopped. Ask me anything whenever you like.")), remove_keyboard=True)]


def unknown(turn: Turn) -> list[Reply]:
    return [SendText(say(turn.t("I don't know that command. Type /help to see what I can do.")))]


async def run(turn: Turn) -> list[Reply]:
    command = turn.event.command.lower()
    if command == "start":
        return await start(turn)
    if command == "help":
        return help_text(turn)
    if command == "language":
        return language_menu(turn)
    if command == "near":
        return location.ask_for_location(turn)
    if command == "privacy":
        return privacy(turn)
    if command == "forgetme":
        return await forget_me(turn)
    if command == "cancel":
        return cancel(turn)
    return unknown(turn)
