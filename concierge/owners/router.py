"""The owners' router: /mybusiness, the owners' buttons, quick product commands, and the open step.

:data:`ROUTER` declares what is the owners' (``concierge.conversation.routes``): the ``o:`` kinds of
:mod:`concierge.callbacks`, /mybusiness, quick product commands from someone who keeps a listing,
anything while a step of theirs is open (:func:`open_step`), and the "I have a business here" row
under /start's welcome (:func:`business_row`).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from catalog import ownership
from catalog.models import Business, Partner
from catalog.views import BusinessView
from concierge import callbacks, moderation
from concierge.conversation.context import Turn
from concierge.conversation.render import NAME_CHARS, clip, say
from concierge.conversation.routes import LetGo, Router
from concierge.deeplinks import short_ref
from concierge.events import AnswerCallback, Button, Notify, Reply, SendText
from concierge.flow_store import flow_store
from concierge.i18n import translator
from concierge.owners import checks, dates, flow, listing, machine, steps
from concierge.owners.machine import END, State
from concierge.owners.quick import quick_command
from concierge.uow import unit_of_work

MATCH_SCORE = 70

log = logging.getLogger(__name__)


async def open_step(turn: Turn) -> list[Reply] | LetGo | None:
    """An open step of ours takes the event, or lets it go (with a note) to be handled as usual."""
    event = turn.event
    command = event.command.lower() if event.kind == "command" else ""
    state = turn.profile.flow
    if state is not None and not flow.valid(state):
        await flow_store(turn.app).clear(event.user_id)
        state = None
    if state is None:
        return None
    left = await let_go(turn, state, command)
    if left is None:
        return await continue_flow(turn, state)
    return LetGo(left)


async def mybusiness(turn: Turn) -> list[Reply]:
    code = turn.event.text.strip()
    return await listing.redeem(turn, code) if code else await listing.overview(turn)


async def quick(turn: Turn) -> list[Reply] | None:
    """``sold out: oat milk`` and the like, from someone who keeps a listing; None for anything else."""
    found = quick_command(turn.event.text)
    return None if found is None else await listing.quick(turn, *found)


def business_row(turn: Turn, _subject: str) -> tuple[Button, ...] | None:
    """Under the welcome of a bare /start in a private chat: the way in for owners."""
    if not turn.private or turn.event.kind != "command" or turn.event.text.strip():
        return None
    return (Button(turn.t("I have a business here"), data=callbacks.OwnerHome().pack()),)


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


async def save_state(turn: Turn, data: dict[str, Any]) -> None:
    """Keeps the open step with the time it was saved, for the expiry (:func:`steps.stale`)."""
    await flow_store(turn.app).save(turn.event.user_id, steps.stamped(data, turn.now))


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
    if mode in steps.SINGLE_ANSWER_MODES:
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
        return await submit_new(turn, running)  # clears the flow once the listing is saved
    if outcome.finished == "saved":
        await flow_store(turn.app).clear(key)
        return await save_edit(turn, running)
    await save_state(turn, running.data)
    return outcome.replies


async def submit_new(turn: Turn, running: flow.Flow) -> list[Reply]:
    """Saves the finished draft and queues it for the moderators in one unit of work. The flow, and
    with it the draft, is cleared only once that is committed: if saving fails, the owner is told and
    is back at the preview with everything they typed, to press Submit again."""
    draft = dict(running.draft)
    products = draft.pop("products", [])
    fields = {
        key: value for key, value in draft.items() if key in ownership.EDITABLE and value not in (None, "")
    }
    fields.setdefault("lat", (turn.app.search.area.center[0] if turn.app.search.area else 0.0))
    fields.setdefault("lon", (turn.app.search.area.center[1] if turn.app.search.area else 0.0))
    area = turn.app.search.area
    try:
        async with unit_of_work(turn.app) as uow:
            business = await ownership.create_draft(
                uow.session,
                turn.event.user_id,
                turn.lang,
                fields,
                products,
                area.id if area else None,
                turn.app.search.kind_of,
            )
            business.status = "pending"
            await moderation.file_item(turn, uow, "listing", business.id, turn.event.user_id)
    except SQLAlchemyError as exc:
        log.error("saving a new listing failed: %s", type(exc).__name__)
        reprompt = flow.back(running)  # from "submitted" to the preview, with its Submit button
        await save_state(turn, running.data)
        sorry = turn.t(
            "Sorry, your listing could not be saved just now. Nothing is lost: press Submit to try again."
        )
        return [SendText(say(sorry)), *reprompt]
    await flow_store(turn.app).clear(turn.event.user_id)
    notes = uow.notes
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


async def flow_choice(turn: Turn, data: callbacks.FlowChoice) -> list[Reply]:
    key = turn.event.user_id
    state = await flow_store(turn.app).load(key)
    if state is not None and not flow.valid(state):
        await flow_store(turn.app).clear(key)
        state = None
    if state is None or state.get("mode") not in {"create", "edit"}:
        return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]
    if data.state != state.get("state"):
        running = flow.Flow(turn, state)
        return [
            AnswerCallback(),
            *flow.restate(running, turn.t("That button belongs to an earlier step. This is where we are:")),
        ]
    return [AnswerCallback(), *await continue_flow(turn, state, flow.Input(choice=data.value))]


async def cancel(turn: Turn, _data: callbacks.Cancel) -> list[Reply]:
    await flow_store(turn.app).clear(turn.event.user_id)
    return [AnswerCallback(), SendText(say(turn.t("Stopped. Nothing was saved.")), remove_keyboard=True)]


async def home(turn: Turn, _data: callbacks.OwnerHome) -> list[Reply]:
    return [AnswerCallback(), *await listing.overview(turn)]


async def new_listing(turn: Turn, _data: callbacks.NewListing) -> list[Reply]:
    data_new = flow.new_flow(turn.lang)
    await save_state(turn, data_new)
    intro = turn.t("Let's make your listing. It takes a few minutes; you can go back or stop at every step.")
    return [AnswerCallback(), SendText(say(intro)), *flow.prompt(flow.Flow(turn, data_new))]


async def invite_code(turn: Turn, _data: callbacks.InviteCode) -> list[Reply]:
    await save_state(turn, {"mode": "input", "input": "code"})
    return [AnswerCallback(), listing.ask_input(turn, turn.t("Type the invite code you were given."))]


async def claim_listing(turn: Turn, _data: callbacks.ClaimListing) -> list[Reply]:
    await save_state(turn, {"mode": "input", "input": "claim"})
    text = turn.t("Type the name of your business as residents see it in the bot.")
    return [AnswerCallback(), listing.ask_input(turn, text)]


async def claim_this(turn: Turn, data: callbacks.ClaimThis) -> list[Reply]:
    return [AnswerCallback(), *await claim(turn, data.ref)]


async def answer_moderator(turn: Turn, data: callbacks.AnswerModerator) -> list[Reply]:
    await save_state(turn, {"mode": "input", "input": "answer", "item": data.item})
    return [AnswerCallback(), listing.ask_input(turn, turn.t("Type your answer to the moderator."))]


async def partner_answer(
    turn: Turn, data: callbacks.PartnerConfirm | callbacks.PartnerDecline
) -> list[Reply]:
    action = "pc" if isinstance(data, callbacks.PartnerConfirm) else "pd"
    return await partner_decision(turn, action, data.business, data.partner)


async def edit_group(turn: Turn, data: callbacks.EditGroup) -> list[Reply]:
    found = await listing.mine(turn, data.ref)
    if found is None or data.group not in flow.GROUP_FIELDS:
        return listing.refused(turn)
    data_edit = flow.edit_flow(turn.lang, found[0], data.group)
    await save_state(turn, data_edit)
    return [AnswerCallback(), *flow.prompt(flow.Flow(turn, data_edit))]


async def card_action(turn: Turn, data: callbacks.BusinessAction) -> list[Reply]:
    found = await listing.mine(turn, data.ref)
    if found is None:
        return listing.refused(turn)
    return [AnswerCallback(), *await business_action(turn, *found, data.action)]


async def delete_confirmed(turn: Turn, data: callbacks.DeleteConfirmed) -> list[Reply]:
    found = await listing.mine(turn, data.ref)
    if found is None or found[1] != "owner":
        return listing.refused(turn)
    return await listing.delete_confirmed(turn, data.ref)


async def change_person(turn: Turn, data: callbacks.RemovePerson | callbacks.HandOver) -> list[Reply]:
    if await listing.mine(turn, data.ref) is None:
        return listing.refused(turn)
    action = "rm" if isinstance(data, callbacks.RemovePerson) else "ho"
    return await listing.change_person(turn, action, data.ref, str(data.user))


async def quick_date(turn: Turn, data: callbacks.QuickDate) -> list[Reply]:
    found = await listing.mine(turn, data.ref)
    if found is None:
        return listing.refused(turn)
    return [AnswerCallback(), *await quick_dates(turn, found[0], data.code)]


async def partner_ask(turn: Turn, data: callbacks.PartnerAsk) -> list[Reply]:
    found = await listing.mine(turn, data.ref)
    if found is None:
        return listing.refused(turn)
    return [AnswerCallback(), *await partner_request(turn, found[0], data.partner)]


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
        async with unit_of_work(turn.app) as uow:
            await ownership.confirm(uow.session, business.id, turn.now)
            uow.changed_catalogue()
        return [SendText(say(t("Thank you! Marked as up to date.")))]
    if what == "submit" and business.status == "draft":
        async with unit_of_work(turn.app) as uow:
            await ownership.set_status(uow.session, business.id, "pending", turn.now)
            await moderation.file_item(turn, uow, "listing", business.id, turn.event.user_id)
        notes = uow.notes
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
                Button(t("Yes, delete everything"), data=callbacks.DeleteConfirmed(ref).pack()),
                Button(t("No, keep it"), data=callbacks.OwnerHome().pack()),
            ),
        )
        return [SendText(say(text).replace("\x00", clip(business.name, NAME_CHARS)), buttons=rows)]
    return [SendText(say(t("Sorry, you cannot do that.")))]


# -- typed input for single actions ------------------------------------------------------------------


async def continue_input(turn: Turn, state: dict[str, Any], given: flow.Input) -> list[Reply]:
    """A typed answer while a single step of :data:`MODES` is open; the step may only be left, or
    kept, along the arrows the table declares (``modes.mmd``)."""
    if given.text is None:
        return [SendText(say(turn.t("Please type your text, or press Cancel.")))]
    before = steps.mode_of(state)
    row = MODES.by_name.get(before)
    if row is None or row.accept is None:
        await flow_store(turn.app).clear(turn.event.user_id)
        return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    replies: list[Reply] = await row.accept(turn, state, given.text)
    after = steps.mode_of(await flow_store(turn.app).load(turn.event.user_id))
    if not MODES.allows(before, after):
        raise machine.UndeclaredTransition(f"{before} -> {after}")
    return replies


async def read_code(turn: Turn, state: dict[str, Any], text: str) -> list[Reply]:
    await flow_store(turn.app).clear(turn.event.user_id)
    return await listing.redeem(turn, text)


async def read_answer(turn: Turn, state: dict[str, Any], text: str) -> list[Reply]:
    await flow_store(turn.app).clear(turn.event.user_id)
    return await moderation.owner_answer(turn, int(state.get("item", 0)), text)


async def read_claim(turn: Turn, state: dict[str, Any], text: str) -> list[Reply]:
    return claim_choices(turn, text)


async def read_evidence(turn: Turn, state: dict[str, Any], text: str) -> list[Reply]:
    return await claim_with_evidence(turn, str(state.get("claim", "")), text)


async def read_moderator_text(turn: Turn, state: dict[str, Any], text: str) -> list[Reply]:
    return await moderation.moderator_text(turn, state, text)


async def own_business(turn: Turn, state: dict[str, Any]) -> BusinessView | None:
    """The listing the open step is about, while the person may still change it (else the step ends)."""
    found = await listing.mine(turn, short_ref(str(state.get("business_id", ""))))
    if found is None:
        await flow_store(turn.app).clear(turn.event.user_id)
        return None
    return found[0]


async def read_partner(turn: Turn, state: dict[str, Any], text: str) -> list[Reply]:
    business = await own_business(turn, state)
    if business is None:
        return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    return partner_choices(turn, business, text)


OPEN_AGAIN = frozenset({"open", "open again", "open weer", "geopend", "offen", "ouvert", "weer open"})


async def read_dates(turn: Turn, state: dict[str, Any], text: str) -> list[Reply]:
    """A closure ("closed until 3 January", "open") or a special day ("24 December 10:00-14:00")."""
    business = await own_business(turn, state)
    if business is None:
        return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    kind = str(state.get("input"))
    today = turn.now.date()
    changes: dict[str, Any]
    try:
        if kind == "closure" and text.strip().casefold() in OPEN_AGAIN:
            changes = {"closed_from": None, "closed_until": None}
        elif kind == "closure":
            start, end = dates.closure(text, turn.lang, today)
            changes = {"closed_from": start, "closed_until": end}
        else:
            day, hours = dates.special_day(text, turn.lang, today)
            special = dict(business.special_hours)
            special[day.isoformat()] = hours
            changes = {"special_hours": {d: h for d, h in special.items() if d >= today.isoformat()}}
    except checks.Invalid:
        misses = int(state.get("misses", 0)) + 1
        # saved without a new time: the day counts from the question
        await flow_store(turn.app).save(turn.event.user_id, {**state, "misses": misses})
        if misses >= steps.MISSES_FOR_BUTTONS:
            return [date_choices(turn, business, kind)]
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
        return Button(label, data=callbacks.QuickDate(ref, code).pack())

    if kind == "closure":
        rows: tuple[tuple[Button, ...], ...] = (
            (button(t("Closed today"), "c1"), button(t("Today and tomorrow"), "c2")),
            (button(t("For a week"), "c7"), button(t("Open again"), "open")),
        )
    else:
        rows = ((button(t("Closed today"), "s0"), button(t("Closed tomorrow"), "s1")),)
    text = t("I still could not read a date. Press one of these, or type the dates once more:")
    return SendText(say(text), buttons=(*rows, (Button(t("Cancel"), data=callbacks.Cancel().pack()),)))


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
    rows = tuple(
        (Button(f"{b.name} · {b.address}"[:60], data=callbacks.ClaimThis(short_ref(b.id)).pack()),)
        for b in found
    )
    rows = (*rows, (Button(turn.t("Cancel"), data=callbacks.Cancel().pack()),))
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
    cancel = ((Button(turn.t("Cancel"), data=callbacks.Cancel().pack()),),)
    return [SendText(say(text).replace("\x00", clip(business.name, NAME_CHARS)), buttons=cancel)]


async def claim_with_evidence(turn: Turn, business_id: str, evidence: str) -> list[Reply]:
    try:
        async with unit_of_work(turn.app) as uow:
            item = await ownership.request_claim(uow.session, business_id, turn.event.user_id, turn.lang)
            item.note = evidence.strip()[:1000]
            await uow.session.flush()
            await uow.session.refresh(item)
            name = (await ownership.load(uow.session, business_id)).name
            uow.notify(partial(moderation.notify_moderators, turn, item))
    except ownership.OwnershipError as error:
        await flow_store(turn.app).clear(turn.event.user_id)
        return [SendText(say(listing.problem_text(turn, error.code)))]
    await flow_store(turn.app).clear(turn.event.user_id)
    notes = uow.notes
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
    rows = tuple(
        (Button(b.name[:60], data=callbacks.PartnerAsk(ref, short_ref(b.id)).pack()),) for b in found
    )
    rows = (*rows, (Button(turn.t("Cancel"), data=callbacks.Cancel().pack()),))
    return [SendText(say(turn.t("Which one do you mean?")), buttons=rows)]


async def partner_request(turn: Turn, business: BusinessView, partner_ref: str) -> list[Reply]:
    partner = turn.app.search.by_ref(partner_ref)
    if partner is None or partner.id == business.id:
        return [SendText(say(turn.t("Sorry, this button no longer works. Please ask again.")))]
    await flow_store(turn.app).clear(turn.event.user_id)
    async with unit_of_work(turn.app) as uow:
        await ownership.request_partner(uow.session, business.id, partner.id, "")
        owners = [user for user, _role in await ownership.people_of(uow.session, partner.id)]
        for owner in owners:
            t_owner = translator(await moderation.language_of(turn, owner))
            text = say(
                t_owner("{name} would like to show your business as a partner. Do you agree?", name="\x00")
            )
            text = text.replace("\x00", clip(business.name, NAME_CHARS))
            rows = (
                (
                    Button(
                        t_owner("Yes, show the link"),
                        data=callbacks.PartnerConfirm(short_ref(business.id), partner_ref).pack(),
                    ),
                    Button(
                        t_owner("No"),
                        data=callbacks.PartnerDecline(short_ref(business.id), partner_ref).pack(),
                    ),
                ),
            )
            uow.notify(Notify(owner, SendText(text, buttons=rows)))
    notes = uow.notes
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
    async with unit_of_work(turn.app) as uow:
        session = uow.session
        links = await session.scalars(select(Partner).where(Partner.partner_id == partner.id))
        link = next((item for item in links if short_ref(item.business_id) == business_ref), None)
        if link is None:
            return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]
        requester = await session.get(Business, link.business_id)
        if action == "pc":
            await ownership.confirm_partner(session, link.business_id, partner.id)
        else:
            await ownership.decline_partner(session, link.business_id, partner.id)
        uow.changed_catalogue()
    name = requester.name if requester else ""
    text = (
        turn.t("The link with {name} is confirmed.", name="\x00")
        if action == "pc"
        else turn.t("Declined.", name="\x00")
    )
    return [AnswerCallback(), SendText(say(text).replace("\x00", clip(name, NAME_CHARS)))]


# -- the open steps as one declared machine ---------------------------------------------------------

MODES = machine.Machine(
    title=(
        "The steps the owners' router keeps open between messages, generated from MODES in\n"
        "concierge/owners/router.py by `python -m concierge.owners.diagrams`; a test checks it is up to\n"
        "date. [*] is no open step. Cancel (to [*]) works in every state and is not drawn, nor is leaving\n"
        "a step for a command, a question or after a day (concierge/owners/steps.py). A button that opens\n"
        "a step replaces any open one. The listing flow's own states are in flow.mmd."
    ),
    states=(
        State(
            END,
            to=("listing", "code", "claim", "answer", "closure", "special", "partner", "moderate"),
            note="opened by a button on the owner's menus, or on a moderator's card",
        ),
        State(
            "listing",
            to=("paused", END),
            note="the listing flow (create or edit); ends submitted, saved or cancelled",
        ),
        State(
            "paused",
            to=("listing",),
            note="put aside by a command, a question or a day's silence; /mybusiness resumes",
        ),
        State("code", accept=read_code, to=(END,), note="an invite code, redeemed"),
        State(
            "claim",
            accept=read_claim,
            to=("claim", "evidence"),
            note="a name: the matches as buttons; one pressed",
        ),
        State(
            "evidence", accept=read_evidence, to=(END,), note="why the listing is theirs, to the moderators"
        ),
        State("answer", accept=read_answer, to=(END,), note="an answer to a moderator's question"),
        State("closure", accept=read_dates, to=("closure", END), note="dates; unreadable: asked again"),
        State("special", accept=read_dates, to=("special", END), note="a day with its hours"),
        State("partner", accept=read_partner, to=("partner", END), note="a name: the matches as buttons"),
        State("moderate", accept=read_moderator_text, to=(END,), note="a moderator's reason or question"),
    ),
    start=END,
)
"""Each open step (a mode of :mod:`steps`), what reads its typed answer, and where it may lead."""


ROUTER = Router(
    "owners",
    commands={"mybusiness": mybusiness},
    buttons={
        callbacks.FlowChoice: flow_choice,
        callbacks.Cancel: cancel,
        callbacks.OwnerHome: home,
        callbacks.NewListing: new_listing,
        callbacks.InviteCode: invite_code,
        callbacks.ClaimListing: claim_listing,
        callbacks.ClaimThis: claim_this,
        callbacks.AnswerModerator: answer_moderator,
        callbacks.PartnerConfirm: partner_answer,
        callbacks.PartnerDecline: partner_answer,
        callbacks.EditGroup: edit_group,
        callbacks.BusinessAction: card_action,
        callbacks.DeleteConfirmed: delete_confirmed,
        callbacks.RemovePerson: change_person,
        callbacks.HandOver: change_person,
        callbacks.QuickDate: quick_date,
        callbacks.PartnerAsk: partner_ask,
    },
    step=open_step,
    text=quick,
    extras={"welcome": business_row},
    own_line=lambda text: quick_command(text) is not None,
    groups=False,
    group_buttons=False,
    compact=True,
)
