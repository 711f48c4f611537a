"""The one entry point from the conversation: which events belong to owners and moderators.

:func:`route` returns the replies for an event that is ours (``/mybusiness``, ``/moderate``, ``o:``,
``mod:`` and ``rep:`` buttons, anything while a flow of ours is active, quick product commands from
someone who keeps a listing) and None for everything else, which the conversation handles as usual.
It also adds the "I have a business here" button to /start and a Report button to the Story view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select

from catalog import ownership
from catalog.models import Business, ModerationItem, Partner
from catalog.views import BusinessView
from concierge import moderation
from concierge.conversation import buttons as resident_buttons
from concierge.conversation import commands as resident_commands
from concierge.conversation import questions as resident_questions
from concierge.conversation.context import Turn
from concierge.conversation.render import NAME_CHARS, clip, say
from concierge.deeplinks import short_ref
from concierge.events import AnswerCallback, Button, Notify, Reply, SendPhoto, SendText
from concierge.flow_store import flow_store
from concierge.i18n import translator
from concierge.owners import checks, dates, flow, listing, steps
from concierge.owners.quick import quick_command

PASS_THROUGH_COMMANDS = frozenset({"help", "language", "privacy", "forgetme", "near"})
MATCH_SCORE = 70


async def route(turn: Turn) -> list[Reply] | None:
    replies = await _route(turn)
    return None if replies is None else flow.compact(replies)


async def _route(turn: Turn) -> list[Reply] | None:
    event = turn.event
    if not turn.private and not (event.kind == "button" and event.text.startswith(("rep:", "mod:"))):
        return None
    if event.kind == "button":
        data = event.text
        if data.startswith("o:"):
            return await owner_button(turn, data)
        if data.startswith("mod:"):
            return await moderation.pressed(turn, data)
        if data.startswith("rep:"):
            return await moderation.report(turn, data)
        if data.startswith("s:"):
            return with_report_button(turn, await resident_buttons.pressed(turn), data[2:])
        return None
    command = event.command.lower() if event.kind == "command" else ""
    if command == "moderate":
        return await moderation.queue(turn)
    if command in PASS_THROUGH_COMMANDS:
        return None
    state = turn.profile.flow
    if state is not None and not flow.valid(state):
        await flow_store(turn.app).clear(event.user_id)
        state = None
    if state is not None:
        left = await let_go(turn, state, command)
        if left is None:
            return await continue_flow(turn, state)
        return [*left, *await as_usual(turn, command)]
    return await outside_steps(turn, command)


async def outside_steps(turn: Turn, command: str) -> list[Reply] | None:
    """What is ours when no step is open: /mybusiness, /start's business button, quick product commands."""
    event = turn.event
    if command == "mybusiness":
        code = event.text.strip()
        return await listing.redeem(turn, code) if code else await listing.overview(turn)
    if command == "start" and not event.text.strip():
        return with_business_button(turn, await resident_commands.start(turn))
    if event.kind == "text":
        quick = quick_command(event.text)
        if quick is not None:
            return await listing.quick(turn, *quick)
    return None


async def let_go(turn: Turn, state: dict[str, Any], command: str) -> list[Reply] | None:
    """None when the open step takes this event; else the step is left (see :mod:`steps`) and the
    returned note, possibly empty, comes before the event is handled as usual."""
    event = turn.event
    key = event.user_id
    mode = state.get("mode")
    resuming = event.kind == "command" and command in steps.FLOW_COMMANDS
    if mode in steps.FLOW_MODES:
        if state.get("paused") or steps.stale(state, turn.now):
            if resuming:
                return None
            if state.get("paused"):
                return []
            await flow_store(turn.app).save(key, {**state, "paused": True})
            return [
                SendText(say(turn.t("Your unfinished listing is kept. Send /mybusiness to go on with it.")))
            ]
        if steps.leaves(state, event.kind, command, event.text):
            await flow_store(turn.app).save(key, {**state, "paused": True})
            note = turn.t("I put your listing aside; nothing is lost. Send /mybusiness to go on with it.")
            return [SendText(say(note))]
        return None
    if steps.stale(state, turn.now):
        await flow_store(turn.app).clear(key)
        return []
    if steps.leaves(state, event.kind, command, event.text):
        await flow_store(turn.app).clear(key)
        return [SendText(say(turn.t("I stopped waiting for your answer there; nothing was saved.")))]
    return None


async def as_usual(turn: Turn, command: str) -> list[Reply]:
    """The event handled as if no step had been open: ours, or the resident conversation's.

    This goes round the conversation's question limiter once per step left, which a flood cannot
    repeat: the step is gone after the first message.
    """
    ours = await outside_steps(turn, command)
    if ours is not None:
        return ours
    if turn.event.kind == "command":
        return await resident_commands.run(turn)
    return await resident_questions.ask(turn, turn.event.text)


async def save_state(turn: Turn, data: dict[str, Any]) -> None:
    """Keeps the open step with the time it was saved, for the expiry (:func:`steps.stale`)."""
    await flow_store(turn.app).save(turn.event.user_id, steps.stamped(data, turn.now))


def with_business_button(turn: Turn, replies: list[Reply]) -> list[Reply]:
    row = (Button(turn.t("I have a business here"), data="o:home"),)
    out = list(replies)
    for i, reply in enumerate(out):
        location_keyboard = any(button.request_location for line in reply_rows(reply) for button in line)
        if isinstance(reply, SendText) and not location_keyboard:
            out[i] = dataclasses.replace(reply, buttons=(*reply.buttons, row))
            break
    return out


def reply_rows(reply: Reply) -> tuple[tuple[Button, ...], ...]:
    return reply.buttons if isinstance(reply, SendText | SendPhoto) else ()


def with_report_button(turn: Turn, replies: list[Reply], ref: str) -> list[Reply]:
    out = list(replies)
    for i in range(len(out) - 1, -1, -1):
        reply = out[i]
        if isinstance(reply, SendText | SendPhoto) and reply.buttons:
            out[i] = dataclasses.replace(
                reply, buttons=(*reply.buttons, (moderation.report_button(turn, ref),))
            )
            break
    return out


def input_of(turn: Turn) -> flow.Input:
    event = turn.event
    if event.kind == "location" and event.lat is not None and event.lon is not None:
        return flow.Input(location=(event.lat, event.lon))
    if event.kind == "photo" and event.photo_ref:
        return flow.Input(photo=event.photo_ref)
    if event.kind == "text":
        return flow.Input(text=event.text)
    if event.kind == "command" and event.command.lower() == "cancel":
        return flow.Input(choice="cancel")
    return flow.Input()


async def continue_flow(turn: Turn, state: dict[str, Any], given: flow.Input | None = None) -> list[Reply]:
    """Any event while a flow of ours is active."""
    given = given or input_of(turn)
    key = turn.event.user_id
    mode = state.get("mode")
    if (
        turn.event.kind == "command"
        and turn.event.command.lower() in {"mybusiness", "start"}
        and mode in {"create", "edit"}
    ):
        state.pop("paused", None)
        await save_state(turn, state)
        running = flow.Flow(turn, state)
        lead = turn.t("Welcome back. We were here; press Cancel to stop.")
        return [SendText(say(lead)), *flow.prompt(running)]
    if given.choice == "cancel" or (
        (given.text or "").strip().casefold() in flow.CANCEL_WORDS and mode not in {"create", "edit"}
    ):
        await flow_store(turn.app).clear(key)
        return [SendText(say(turn.t("Stopped. Nothing was saved.")), remove_keyboard=True)]
    if mode == "moderate":
        if given.text is None:
            return [SendText(say(turn.t("Please type your text, or press Cancel.")))]
        return await moderation.moderator_text(turn, state, given.text)
    if mode == "input":
        return await continue_input(turn, state, given)
    state.pop("paused", None)
    running = flow.Flow(turn, state)
    if turn.event.kind == "command" and given.choice is None:
        return flow.restate(
            running, turn.t("You are in the middle of your listing. This is what I need now:")
        )
    outcome = await flow.advance(running, given)
    if outcome.finished == "cancelled":
        await flow_store(turn.app).clear(key)
        return outcome.replies
    if outcome.finished == "submitted":
        await flow_store(turn.app).clear(key)
        return await submit_new(turn, running)
    if outcome.finished == "saved":
        await flow_store(turn.app).clear(key)
        return await save_edit(turn, running)
    await save_state(turn, running.data)
    return outcome.replies


async def submit_new(turn: Turn, running: flow.Flow) -> list[Reply]:
    draft = dict(running.draft)
    products = draft.pop("products", [])
    fields = {
        key: value for key, value in draft.items() if key in ownership.EDITABLE and value not in (None, "")
    }
    fields.setdefault("lat", (turn.app.search.area.center[0] if turn.app.search.area else 0.0))
    fields.setdefault("lon", (turn.app.search.area.center[1] if turn.app.search.area else 0.0))
    area = turn.app.search.area
    async with turn.app.sessions.begin() as session:
        business = await ownership.create_draft(
            session,
            turn.event.user_id,
            turn.lang,
            fields,
            products,
            area.id if area else None,
            turn.app.search.kind_of,
        )
        business.status = "pending"
        business_id = business.id
    notes = await moderation.submit(turn, "listing", business_id, turn.event.user_id)
    text = turn.t(
        "Thank you! Your listing is sent to the neighbourhood's moderators. I will tell you when it is "
        "approved. Meanwhile you can change it with /mybusiness."
    )
    alone = [] if notes else [SendText(say(moderation.no_moderators_text(turn)))]
    return [SendText(say(text), remove_keyboard=True), *alone, *notes]


async def save_edit(turn: Turn, running: flow.Flow) -> list[Reply]:
    business_id = str(running.data["business_id"])
    found = await listing.mine(turn, short_ref(business_id))
    if found is None:
        return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    if running.data["group"] == "products":
        products = running.draft.get("products") or []
        if products and (replies := await listing.save_products(turn, business_id, products)):
            return replies
    else:
        conflict = await listing.save_fields(
            turn, business_id, int(running.data["version"]), flow.changes(running)
        )
        if conflict is not None:
            return conflict
    return [SendText(say(turn.t("Saved."))), *await listing.overview(turn)]


# -- buttons ----------------------------------------------------------------------------------------


async def owner_button(turn: Turn, data: str) -> list[Reply]:
    parts = data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    key = turn.event.user_id
    state = await flow_store(turn.app).load(key)
    if state is not None and not flow.valid(state):
        await flow_store(turn.app).clear(key)
        state = None
    if action == "f":
        if state is None or state.get("mode") not in {"create", "edit"} or len(parts) < 4:
            return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]
        if parts[2] != state.get("state"):
            running = flow.Flow(turn, state)
            return [
                AnswerCallback(),
                *flow.restate(
                    running, turn.t("That button belongs to an earlier step. This is where we are:")
                ),
            ]
        return [AnswerCallback(), *await continue_flow(turn, state, flow.Input(choice=parts[3]))]
    if action == "cancel":
        await flow_store(turn.app).clear(key)
        return [AnswerCallback(), SendText(say(turn.t("Stopped. Nothing was saved.")), remove_keyboard=True)]
    if action == "home":
        return [AnswerCallback(), *await listing.overview(turn)]
    if action == "new":
        data_new = flow.new_flow(turn.lang)
        await save_state(turn, data_new)
        intro = turn.t(
            "Let's make your listing. It takes a few minutes; you can go back or stop at every step."
        )
        return [AnswerCallback(), SendText(say(intro)), *flow.prompt(flow.Flow(turn, data_new))]
    if action == "code":
        await save_state(turn, {"mode": "input", "input": "code"})
        return [AnswerCallback(), listing.ask_input(turn, turn.t("Type the invite code you were given."))]
    if action == "claim":
        await save_state(turn, {"mode": "input", "input": "claim"})
        text = turn.t("Type the name of your business as residents see it in the bot.")
        return [AnswerCallback(), listing.ask_input(turn, text)]
    if action == "cl" and len(parts) == 3:
        return [AnswerCallback(), *await claim(turn, parts[2])]
    if action == "ans" and len(parts) == 3 and parts[2].isdigit():
        await save_state(turn, {"mode": "input", "input": "answer", "item": int(parts[2])})
        return [AnswerCallback(), listing.ask_input(turn, turn.t("Type your answer to the moderator."))]
    if action in {"pc", "pd"} and len(parts) == 4:
        return await partner_decision(turn, action, parts[2], parts[3])
    if len(parts) < 3:
        return listing.refused(turn)
    found = await listing.mine(turn, parts[2])
    if found is None:
        return listing.refused(turn)
    business, role = found
    if action == "e" and len(parts) == 4 and parts[3] in flow.GROUP_FIELDS:
        data_edit = flow.edit_flow(turn.lang, business, parts[3])
        await save_state(turn, data_edit)
        return [AnswerCallback(), *flow.prompt(flow.Flow(turn, data_edit))]
    if action == "x" and len(parts) == 4:
        return [AnswerCallback(), *await business_action(turn, business, role, parts[3])]
    if action == "del" and role == "owner":
        return await listing.delete_confirmed(turn, parts[2])
    if action in {"rm", "ho"} and len(parts) == 4:
        return await listing.change_person(turn, action, parts[2], parts[3])
    if action == "qd" and len(parts) == 4:
        return [AnswerCallback(), *await quick_dates(turn, business, parts[3])]
    if action == "pa" and len(parts) == 4:
        return [AnswerCallback(), *await partner_request(turn, business, parts[3])]
    return listing.refused(turn)


async def business_action(turn: Turn, business: BusinessView, role: str, what: str) -> list[Reply]:
    t = turn.t
    ref = short_ref(business.id)
    base = {"mode": "input", "business_id": business.id, "version": business.version}
    if what == "closed":
        await save_state(turn, {**base, "input": "closure"})
        text = t("When are you closed? Type the dates. To remove a closure, type “open”.")
        return [listing.ask_input(turn, text, t("closed until 3 January"))]
    if what == "special":
        await save_state(turn, {**base, "input": "special"})
        text = t("Type a day with its opening hours, or with “closed”.")
        return [listing.ask_input(turn, text, t("24 December 10:00-14:00"))]
    if what == "partners":
        await save_state(turn, {**base, "input": "partner"})
        text = t("Which business complements yours? Type its name. Its owner confirms before the link shows.")
        return [listing.ask_input(turn, text, t("the mill our flour comes from"))]
    if what == "confirm":
        async with turn.app.sessions.begin() as session:
            await ownership.confirm(session, business.id, turn.now)
        await turn.app.refresh_search()
        return [SendText(say(t("Thank you! Marked as up to date.")))]
    if what == "submit" and business.status == "draft":
        async with turn.app.sessions.begin() as session:
            await ownership.set_status(session, business.id, "pending", turn.now)
        notes = await moderation.submit(turn, "listing", business.id, turn.event.user_id)
        alone = [] if notes else [SendText(say(moderation.no_moderators_text(turn)))]
        return [SendText(say(t("Sent to the moderators again."))), *alone, *notes]
    if role not in listing.MANAGERS or (what in listing.OWNER_ONLY and role != "owner"):
        return [SendText(say(t("Only an owner can do that.")))]
    if what == "people":
        return await listing.people(turn, business, role)
    if what in {"invs", "invo"}:
        return await listing.invite(turn, business, "staff" if what == "invs" else "coowner")
    if what == "export":
        return await listing.export_files(turn, business)
    if what == "delete":
        text = t("Delete {name} and everything about it? This cannot be undone.", name="\x00")
        rows = (
            (
                Button(t("Yes, delete everything"), data=f"o:del:{ref}"),
                Button(t("No, keep it"), data="o:home"),
            ),
        )
        return [SendText(say(text).replace("\x00", clip(business.name, NAME_CHARS)), buttons=rows)]
    return [SendText(say(t("Sorry, you cannot do that.")))]


# -- typed input for single actions ------------------------------------------------------------------


async def continue_input(turn: Turn, state: dict[str, Any], given: flow.Input) -> list[Reply]:
    key = turn.event.user_id
    kind = state.get("input")
    if given.text is None:
        return [SendText(say(turn.t("Please type your text, or press Cancel.")))]
    text = given.text
    if kind == "code":
        await flow_store(turn.app).clear(key)
        return await listing.redeem(turn, text)
    if kind == "answer":
        await flow_store(turn.app).clear(key)
        return await moderation.owner_answer(turn, int(state.get("item", 0)), text)
    if kind == "claim":
        return claim_choices(turn, text)
    if kind == "evidence":
        return await claim_with_evidence(turn, str(state.get("claim", "")), text)
    business_id = str(state.get("business_id", ""))
    found = await listing.mine(turn, short_ref(business_id))
    if found is None:
        await flow_store(turn.app).clear(key)
        return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    business = found[0]
    if kind == "partner":
        return partner_choices(turn, business, text)
    today = turn.now.date()
    changes: dict[str, Any]
    try:
        if kind == "closure":
            if text.strip().casefold() in {
                "open",
                "open again",
                "open weer",
                "geopend",
                "offen",
                "ouvert",
                "weer open",
            }:
                changes = {"closed_from": None, "closed_until": None}
            else:
                start, end = dates.closure(text, turn.lang, today)
                changes = {"closed_from": start, "closed_until": end}
        elif kind == "special":
            day, hours = dates.special_day(text, turn.lang, today)
            special = dict(business.special_hours)
            special[day.isoformat()] = hours
            changes = {"special_hours": {d: h for d, h in special.items() if d >= today.isoformat()}}
        else:
            await flow_store(turn.app).clear(key)
            return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    except checks.Invalid:
        misses = int(state.get("misses", 0)) + 1
        await flow_store(turn.app).save(key, {**state, "misses": misses})  # the day counts from the question
        if misses >= steps.MISSES_FOR_BUTTONS:
            return [date_choices(turn, business, str(kind))]
        example = turn.t("closed until 3 January") if kind == "closure" else turn.t("24 December 10:00-14:00")
        return [listing.ask_input(turn, turn.t("I could not read a date in that."), example)]
    return await save_dates(turn, business.id, int(state.get("version", 0)), changes)


async def save_dates(turn: Turn, business_id: str, version: int, changes: dict[str, Any]) -> list[Reply]:
    await flow_store(turn.app).clear(turn.event.user_id)
    conflict = await listing.save_fields(turn, business_id, version, changes)
    if conflict is not None:
        return conflict
    return [SendText(say(turn.t("Saved."))), *await listing.overview(turn)]


def date_choices(turn: Turn, business: BusinessView, kind: str) -> SendText:
    """After a second unreadable answer: the common answers as buttons (typing still works)."""
    t = turn.t
    ref = short_ref(business.id)

    def button(label: str, code: str) -> Button:
        return Button(label, data=f"o:qd:{ref}:{code}")

    if kind == "closure":
        rows: tuple[tuple[Button, ...], ...] = (
            (button(t("Closed today"), "c1"), button(t("Today and tomorrow"), "c2")),
            (button(t("For a week"), "c7"), button(t("Open again"), "open")),
        )
    else:
        rows = ((button(t("Closed today"), "s0"), button(t("Closed tomorrow"), "s1")),)
    text = t("I still could not read a date. Press one of these, or type the dates once more:")
    return SendText(say(text), buttons=(*rows, (Button(t("Cancel"), data="o:cancel"),)))


async def quick_dates(turn: Turn, business: BusinessView, code: str) -> list[Reply]:
    """A pressed :func:`date_choices` button: ``c<n>`` closed for n days from today, ``open``, or
    ``s<n>`` closed on the day n days from today."""
    today = turn.now.date()
    changes: dict[str, Any]
    if code == "open":
        changes = {"closed_from": None, "closed_until": None}
    elif code in {"c1", "c2", "c7"}:
        changes = {"closed_from": today, "closed_until": today + dt.timedelta(days=int(code[1:]) - 1)}
    elif code in {"s0", "s1"}:
        day = (today + dt.timedelta(days=int(code[1:]))).isoformat()
        special = {d: h for d, h in business.special_hours.items() if d >= today.isoformat()}
        changes = {"special_hours": {**special, day: "off"}}
    else:
        return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    return await save_dates(turn, business.id, business.version, changes)


def _find_published(turn: Turn, text: str, exclude: str = "") -> list[BusinessView]:
    businesses = {b.id: b for b in turn.app.search.businesses() if b.id != exclude}
    names = {bid: b.name for bid, b in businesses.items()}
    hits = process.extract(text.strip()[:100], names, scorer=fuzz.WRatio, score_cutoff=MATCH_SCORE, limit=3)
    return [businesses[bid] for _name, _score, bid in hits]


def claim_choices(turn: Turn, text: str) -> list[Reply]:
    found = _find_published(turn, text)
    if not found:
        return [listing.ask_input(turn, turn.t("I found no listing by that name. Try another spelling."))]
    rows = tuple((Button(f"{b.name} · {b.address}"[:60], data=f"o:cl:{short_ref(b.id)}"),) for b in found)
    rows = (*rows, (Button(turn.t("Cancel"), data="o:cancel"),))
    return [SendText(say(turn.t("Which one is yours?")), buttons=rows)]


async def claim(turn: Turn, ref: str) -> list[Reply]:
    """The listing is chosen; the claimant's evidence comes next, for the moderators' card."""
    business = turn.app.search.by_ref(ref)
    if business is None:
        return [SendText(say(turn.t("Sorry, this button no longer works. Please ask again.")))]
    async with turn.app.sessions() as session:
        if await ownership.people_of(session, business.id):
            return [SendText(say(listing.problem_text(turn, "already_owned")))]
    await save_state(turn, {"mode": "input", "input": "evidence", "claim": business.id})
    text = turn.t(
        "How can the moderators see that {name} is yours? For example your name and role, the phone "
        "number on your shop window or website, or your Chamber of Commerce number.",
        name="\x00",
    )
    cancel = ((Button(turn.t("Cancel"), data="o:cancel"),),)
    return [SendText(say(text).replace("\x00", clip(business.name, NAME_CHARS)), buttons=cancel)]


async def claim_with_evidence(turn: Turn, business_id: str, evidence: str) -> list[Reply]:
    await flow_store(turn.app).clear(turn.event.user_id)
    try:
        async with turn.app.sessions.begin() as session:
            item = await ownership.request_claim(session, business_id, turn.event.user_id, turn.lang)
            item.note = evidence.strip()[:1000]
            item_id = item.id
            name = (await ownership.load(session, business_id)).name
    except ownership.OwnershipError as error:
        return [SendText(say(listing.problem_text(turn, error.code)))]
    async with turn.app.sessions() as session:
        queued = await session.get(ModerationItem, item_id)
        assert queued is not None
        session.expunge(queued)
    notes = await moderation.notify_moderators(turn, queued)
    text = turn.t(
        "Your claim of {name} is sent to the moderators. I will tell you their decision.", name="\x00"
    )
    replies: list[Reply] = [SendText(say(text).replace("\x00", clip(name, NAME_CHARS)))]
    if not notes:
        replies.append(SendText(say(moderation.no_moderators_text(turn))))
    return [*replies, *notes]


def partner_choices(turn: Turn, business: BusinessView, text: str) -> list[Reply]:
    found = _find_published(turn, text, exclude=business.id)
    if not found:
        return [listing.ask_input(turn, turn.t("I found no listing by that name. Try another spelling."))]
    ref = short_ref(business.id)
    rows = tuple((Button(b.name[:60], data=f"o:pa:{ref}:{short_ref(b.id)}"),) for b in found)
    rows = (*rows, (Button(turn.t("Cancel"), data="o:cancel"),))
    return [SendText(say(turn.t("Which one do you mean?")), buttons=rows)]


async def partner_request(turn: Turn, business: BusinessView, partner_ref: str) -> list[Reply]:
    partner = turn.app.search.by_ref(partner_ref)
    if partner is None or partner.id == business.id:
        return [SendText(say(turn.t("Sorry, this button no longer works. Please ask again.")))]
    await flow_store(turn.app).clear(turn.event.user_id)
    async with turn.app.sessions.begin() as session:
        await ownership.request_partner(session, business.id, partner.id, "")
        owners = [user for user, _role in await ownership.people_of(session, partner.id)]
    notes: list[Reply] = []
    for owner in owners:
        t_owner = translator(await moderation.language_of(turn, owner))
        text = say(
            t_owner("{name} would like to show your business as a partner. Do you agree?", name="\x00")
        )
        text = text.replace("\x00", clip(business.name, NAME_CHARS))
        rows = (
            (
                Button(t_owner("Yes, show the link"), data=f"o:pc:{short_ref(business.id)}:{partner_ref}"),
                Button(t_owner("No"), data=f"o:pd:{short_ref(business.id)}:{partner_ref}"),
            ),
        )
        notes.append(Notify(owner, SendText(text, buttons=rows)))
    if owners:
        message = turn.t("Asked {name} to confirm. The link shows once they agree.", name="\x00")
    else:
        message = turn.t(
            "{name} has no owner in the bot yet; the link shows once they join and confirm.", name="\x00"
        )
    return [SendText(say(message).replace("\x00", clip(partner.name, NAME_CHARS))), *notes]


async def partner_decision(turn: Turn, action: str, business_ref: str, partner_ref: str) -> list[Reply]:
    """Pressed by an owner of the partner business: only they can confirm the link to it."""
    found = await listing.mine(turn, partner_ref)
    if found is None:
        return listing.refused(turn)
    partner = found[0]
    async with turn.app.sessions.begin() as session:
        links = await session.scalars(select(Partner).where(Partner.partner_id == partner.id))
        link = next((item for item in links if short_ref(item.business_id) == business_ref), None)
        if link is None:
            return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]
        requester = await session.get(Business, link.business_id)
        if action == "pc":
            await ownership.confirm_partner(session, link.business_id, partner.id)
        else:
            await ownership.decline_partner(session, link.business_id, partner.id)
    await turn.app.refresh_search()
    name = requester.name if requester else ""
    text = (
        turn.t("The link with {name} is confirmed.", name="\x00")
        if action == "pc"
        else turn.t("Declined.", name="\x00")
    )
    return [AnswerCallback(), SendText(say(text).replace("\x00", clip(name, NAME_CHARS)))]
