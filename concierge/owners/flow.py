"""The guided listing flow: one table of steps (:data:`STEPS`), drawn in ``flow.mmd`` beside this file.

Each row names a state, its question (``prompt``, :mod:`flow_prompts`), what it does with an answer
(``accept``, :mod:`flow_accepts`), the states it may go to, its part of the flow and the registry fields
it fills. The transitions, the parts (the preview's "change" menu, the owner's edits), each part's
fields (from :mod:`catalog.fields`) and which steps may empty a field in an edit are derived from the
table; :func:`move` refuses any step it does not declare, and ``python -m concierge.owners.diagrams``
writes the diagram from it (a test checks the committed one). Back (along the history) and Cancel work
in every state and are not drawn as edges.

The same machine edits an existing listing: editing a part enters the machine at the part's first
state with the listing's current values as the draft, and leaving the part saves it (with the listing's
version check) instead of going on.

All state lives in one JSON-able dict (see :func:`new_flow`), kept in the flow store between events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from catalog import fields
from catalog.views import BusinessView, ProductView
from concierge.conversation.context import Turn
from concierge.conversation.render import clip, say, story_replies
from concierge.events import Reply, SendPhoto, SendText
from concierge.hours_text import describe
from concierge.owners import checks, field_steps, machine
from concierge.owners import flow_accepts as accepts
from concierge.owners import flow_prompts as prompts
from concierge.owners.flow_kit import NEXT, Flow, Input, Step, choice, message, not_understood
from concierge.owners.flow_prompts import product_summary
from concierge.owners.machine import END, State, UndeclaredTransition

BACK_WORDS = frozenset({"back", "terug", "zurück", "zuruck", "retour", "vorige", "précédent"})
CANCEL_WORDS = frozenset({"cancel", "stop", "annuleren", "abbrechen", "annuler", "stoppen", "quit"})
CONFUSED = (
    "?",
    "help",
    "hulp",
    "hilfe",
    "aide",
    "i don't understand",
    "i dont understand",
    "what",
    "huh",
    "snap het niet",
    "ik snap het niet",
    "begrijp het niet",
    "ik begrijp het niet",
    "wat",
    "versteh",
    "ich verstehe nicht",
    "je ne comprends pas",
    "comprends pas",
    "quoi",
)


def draft_view(flow: Flow) -> BusinessView:
    draft = flow.draft
    language = flow.turn.lang
    return BusinessView(
        id=str(flow.data.get("business_id") or "preview"),
        name=draft.get("name", ""),
        categories=tuple(draft.get("categories") or ()),
        lat=float(draft.get("lat") or 0.0),
        lon=float(draft.get("lon") or 0.0),
        address=draft.get("address", ""),
        opening_hours=draft.get("opening_hours", ""),
        phone=draft.get("phone", ""),
        website=draft.get("website", ""),
        pickup=bool(draft.get("pickup")),
        delivery=draft.get("delivery", "none"),
        story_who=draft.get("story_who", ""),
        story_how=draft.get("story_how", ""),
        story_why=draft.get("story_why", ""),
        story_language=language,
        photo=draft.get("photo", ""),
        payment=tuple(draft.get("payment") or ()),
        wheelchair=draft.get("wheelchair") or "",
        status="draft",
        products=tuple(ProductView(name, language=language) for name in draft.get("products") or ()),
    )


def group_labels(turn: Turn) -> dict[str, str]:
    """Each part's name on its button; a part of one registry field is named after the field."""
    t = turn.t
    named = {
        "name": t("Name"),
        "category": t("Category"),
        "location": t("Location"),
        "hours": t("Opening hours"),
        "products": t("Products"),
        "story": t("Story"),
        "photo": t("Photo"),
        "contact": t("Phone and website"),
        "delivery": t("Pickup and delivery"),
    }
    return {group: named.get(group) or t(fields.in_group(group)[0].label) for group in PARTS}


def resident_details(flow: Flow) -> str:
    """What residents see besides the card: the kind of business, pickup and delivery. (The card itself
    shows what the generic steps asked: payment, wheelchair access.)"""
    t, draft, lang = flow.t, flow.draft, flow.turn.lang
    lines = []
    kind = flow.turn.taxonomy.name(draft.get("categories") or [], lang) if draft.get("categories") else ""
    if kind:
        lines.append(f"<b>{say(t('Category'))}</b>: {say(clip(kind, 100))}")
    delivery = prompts.delivery_labels(t)
    lines.append(
        f"<b>{say(t('Can customers order ahead and pick up?'))}</b> {say(t('Yes') if draft.get('pickup') else t('No'))}"
    )
    lines.append(
        f"<b>{say(t('Do you deliver?'))}</b> {say(delivery.get(draft.get('delivery') or 'none', ''))}"
    )
    return "\n".join(lines)


def preview(flow: Flow) -> list[Reply]:
    view = draft_view(flow)
    words = describe(view.opening_hours, flow.turn.lang) if view.opening_hours else ""
    card: list[Reply] = [*story_replies(dataclasses.replace(view, opening_hours=words), flow.t, [])]
    card = [_without_buttons(reply) for reply in card]
    lines = [
        say(flow.t("This is how residents will see your listing.")),
        resident_details(flow),
        product_summary(flow),
    ]
    lines.append(say(flow.t("Submit it? A moderator checks new listings before they appear.")))
    lines.append(say(flow.t("Or change a part first:")))
    labels = group_labels(flow.turn)
    jumps = [choice(flow, labels[group], f"to-{group}") for group in PARTS]
    rows = (
        (choice(flow, flow.t("Submit"), "submit"),),
        *(tuple(jumps[i : i + 3]) for i in range(0, len(jumps), 3)),
    )
    return [*card, message(flow, "\n\n".join(line for line in lines if line), rows)]


def _without_buttons(reply: Reply) -> Reply:
    """The preview's Map/Share buttons would point at a listing that does not exist yet."""
    if isinstance(reply, SendText | SendPhoto):
        return dataclasses.replace(reply, buttons=())
    return reply


async def accept_preview(flow: Flow, given: Input) -> Step:
    if given.choice == "submit":
        return Step("submitted")
    group = (given.choice or "").removeprefix("to-")
    if given.choice and given.choice.startswith("to-") and group in PARTS:
        flow.data["jump"] = True
        return Step(ENTRY[group])
    return not_understood()


def nothing(flow: Flow) -> list[Reply]:
    return []


async def no_answer(flow: Flow, given: Input) -> Step:
    return not_understood()


STEPS: tuple[State, ...] = (
    # State(state, what it asks, what it does with an answer, where it may go (the first is where
    #       onward() leads), its part of the flow, the registry fields it fills)
    State("name", prompts.name, accepts.name, ("category",), "name", ("name",)),
    State("category", prompts.category, accepts.category, ("location",), "category", ("categories",)),
    State(
        "location",
        prompts.location,
        accepts.location,
        ("hours", "location_confirm", "location_far"),
        "location",
        ("lat", "lon"),
    ),
    State(
        "location_confirm",
        prompts.location_confirm,
        accepts.location_confirm,
        ("hours", "location", "location_far"),
        "location",
        ("lat", "lon", "address"),
    ),
    State("location_far", prompts.location_far, accepts.location_far, ("hours", "location"), "location"),
    State("hours", prompts.hours, accepts.hours, ("products", "hours_days", "hours_confirm"), "hours"),
    State("hours_days", prompts.hours_days, accepts.hours_days, ("hours_times", "hours_more"), "hours"),
    State("hours_times", prompts.hours_times, accepts.hours_times, ("hours_lunch",), "hours"),
    State("hours_lunch", prompts.hours_lunch, accepts.hours_lunch, ("hours_more",), "hours"),
    State("hours_more", prompts.hours_more, accepts.hours_more, ("hours_days", "hours_holidays"), "hours"),
    State("hours_holidays", prompts.hours_holidays, accepts.hours_holidays, ("hours_confirm",), "hours"),
    State(
        "hours_confirm",
        prompts.hours_confirm,
        accepts.hours_confirm,
        ("products", "hours"),
        "hours",
        ("opening_hours",),
    ),
    State("products", prompts.products, accepts.products, ("story_who",), "products"),
    State("story_who", prompts.story, accepts.story, ("story_how",), "story", ("story_who",)),
    State("story_how", prompts.story, accepts.story, ("story_why",), "story", ("story_how",)),
    State("story_why", prompts.story, accepts.story, ("photo",), "story", ("story_why",)),
    State("photo", prompts.photo, accepts.photo, ("contact_phone",), "photo", ("photo",)),
    State(
        "contact_phone",
        prompts.contact_phone,
        accepts.contact_phone,
        ("contact_website",),
        "contact",
        ("phone",),
    ),
    State(
        "contact_website",
        prompts.contact_website,
        accepts.contact_website,
        ("pickup",),
        "contact",
        ("website",),
    ),
    State("pickup", prompts.pickup, accepts.pickup, ("delivery",), "delivery", ("pickup",)),
    State("delivery", prompts.delivery, accepts.delivery, ("payment",), "delivery", ("delivery",)),
    field_steps.step("payment", to=("wheelchair",)),
    field_steps.step("wheelchair", to=("preview",)),
    State("preview", preview, accept_preview, ("submitted",)),
    State("submitted", nothing, no_answer, (END,)),
)
"""The listing flow, in the order a new listing goes through it."""

START = STEPS[0].name
STATES = tuple(state.name for state in STEPS)
BY_STATE = {state.name: state for state in STEPS}
GROUP = {state.name: state.group or state.name for state in STEPS}
"""Each state's part of the flow; the preview and the end are parts of their own."""
PARTS = machine.groups(STEPS)
"""The parts an owner can change, from the preview or later from the listing, in the flow's order."""
GROUP_FIELDS = {group: tuple(field.name for field in fields.in_group(group)) for group in PARTS}
"""What saving a part writes: the registry's fields of that group."""
ENTRY = machine.entries(STEPS)
CLEARABLE = {state.name: name for state in STEPS for name in state.fields if fields.BY_NAME[name].clearable}
"""Steps whose optional field an edit can empty (Skip keeps what is there)."""
JUMPS = tuple(
    dict.fromkeys(
        [("preview", ENTRY[group]) for group in PARTS]
        + [
            (state.name, "preview")
            for state in STEPS
            for target in state.to
            if target in GROUP
            and GROUP[state.name] != GROUP[target]
            and "preview" not in {state.name, target}
        ]
    )
)
"""From the preview to any part, and from the end of that part straight back to the preview."""
MACHINE = machine.Machine(
    title=(
        "The owners' listing flow, generated from STEPS in concierge/owners/flow.py by\n"
        "`python -m concierge.owners.diagrams`; tests/unit/test_owner_machines.py checks it is up to date.\n"
        "Back (along the history) and Cancel work in every state and are not drawn. A command, or a\n"
        "resident's question where an answer is expected, puts the flow aside (concierge/owners/steps.py);\n"
        "/mybusiness resumes it where it was."
    ),
    states=STEPS,
    start=START,
    extra=JUMPS,
    extra_note="from the preview to any part, and from the end of that part straight back",
)
TRANSITIONS = MACHINE.transitions()
PROMPTS: dict[str, Callable[[Flow], list[Reply]]] = {
    state.name: state.prompt for state in STEPS if state.prompt
}
ACCEPT: dict[str, Callable[[Flow, Input], Awaitable[Step]]] = {
    state.name: state.accept for state in STEPS if state.accept
}


def new_flow(lang: str) -> dict[str, Any]:
    return {"mode": "create", "state": START, "history": [], "draft": {}, "lang": lang}


def valid(data: object) -> bool:
    """Whether stored flow data can be continued; anything else (an older format, a hand edit) is
    dropped rather than failing on every message."""
    if not isinstance(data, dict):
        return False
    mode = data.get("mode")
    if mode in {"create", "edit"}:
        return (
            data.get("state") in STATES
            and isinstance(data.get("history"), list)
            and all(state in STATES for state in data["history"])
            and isinstance(data.get("draft"), dict)
            and (
                mode == "create"
                or (data.get("group") in GROUP_FIELDS and isinstance(data.get("version"), int))
            )
        )
    if mode == "input":
        return isinstance(data.get("input"), str)
    return mode == "moderate" and isinstance(data.get("item"), int)


def edit_flow(lang: str, business: BusinessView, group: str) -> dict[str, Any]:
    """A flow that edits ``group`` of ``business``, the current values of every part as the draft."""
    draft: dict[str, Any] = {
        name: list(value) if isinstance(value, tuple) else value
        for part in PARTS
        for name in GROUP_FIELDS[part]
        for value in (getattr(business, name),)
    }
    draft["products"] = []
    return {
        "mode": "edit",
        "state": ENTRY[group],
        "history": [],
        "draft": draft,
        "lang": lang,
        "business_id": business.id,
        "version": business.version,
        "group": group,
    }


def prompt(flow: Flow) -> list[Reply]:
    flow.clearable = CLEARABLE.get(flow.state)
    return PROMPTS[flow.state](flow)


# -- the engine -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    replies: list[Reply]
    finished: str | None = None
    """``submitted`` or ``saved`` when the flow reached its end and the caller must act on it."""


def move(flow: Flow, target: str) -> None:
    if (flow.state, target) not in TRANSITIONS:
        raise UndeclaredTransition(f"{flow.state} -> {target}")
    history = [*flow.data["history"], flow.state]
    if target in history:
        history = history[: history.index(target)]
    flow.data["history"] = history
    flow.data["state"] = target


def back(flow: Flow) -> list[Reply]:
    history = flow.data["history"]
    if not history:
        return [SendText(say(flow.t("This is the first step; there is nothing before it."))), *prompt(flow)]
    flow.data["state"] = history[-1]
    flow.data["history"] = history[:-1]
    flow.data.pop("suggestions", None)
    flow.data.pop("place", None)
    flow.data.pop("misses", None)
    return prompt(flow)


def restate(flow: Flow, prefix: str | None = None) -> list[Reply]:
    lead = prefix or flow.t("I did not understand that. Here are the choices again:")
    return [SendText(say(lead)), *prompt(flow)]


def explain(flow: Flow, problem: checks.Invalid) -> str:
    t = flow.t
    texts = {
        "name": t("The name must be 1 to 80 characters, with at least one letter or digit."),
        "category": t("I could not match that to a kind of business. Try other words, for example “bakery”."),
        "address": t("I could not find that address. Check the street and number, or share the location."),
        "hours": t(
            "I could not read those opening hours. Write the days, then the times, for example "
            "“{example}”, or let me help you build them.",
            example=t("Mon-Fri 9-18, Sat 10-17, Sunday closed"),
        ),
        "time": t("Please write a time span such as 8:30-17:30."),
        "days": t("I could not read those days. Write them like “Tue-Sat” or “Mon, Wed, Fri”."),
        "lunch": t("The lunch break must lie within your opening times, for example 12:30-13:30."),
        "product_long": t("Each product can be at most 80 characters; “{name}…” is longer."),
        "products_many": t("That makes more than 200 products. Keep the list to the 200 that matter most."),
        "story": t("Please keep this to 600 characters (now {n})."),
        "phone": t(
            "That does not look like a phone number. Include the area code, for example +31 23 123 4567."
        ),
        "website": t("That does not look like a website address, for example www.example.org."),
    }
    text = texts.get(problem.code, t("That did not work. Please try again."))
    return text.format(**problem.values) if problem.values else text


def confused(text: str | None) -> bool:
    if text is None:
        return False
    folded = " ".join(text.casefold().replace("’", "'").split()).strip(" .!")
    return folded in CONFUSED or folded.rstrip("?") in CONFUSED


def missed(flow: Flow, given: Input) -> None:
    """Counts unreadable typed answers in a row; from the second on, typed-only steps offer buttons."""
    if given.text is not None:
        flow.data["misses"] = int(flow.data.get("misses", 0)) + 1


async def advance(flow: Flow, given: Input) -> Outcome:
    """One step of the machine for one input; ``flow.data`` is updated in place."""
    command = given.choice or (given.text or "").strip().casefold()
    if command in CANCEL_WORDS:
        return Outcome(
            [SendText(say(flow.t("Stopped. Nothing was saved.")), remove_keyboard=True)], "cancelled"
        )
    if command in BACK_WORDS:
        if flow.editing and not flow.data["history"]:
            return Outcome([SendText(say(flow.t("Stopped. Nothing was saved.")))], "cancelled")
        return Outcome(back(flow))
    if given.choice is None and confused(given.text):
        return Outcome(restate(flow, flow.t("No problem. This is what I need now:")))
    if given.choice == "clear" and flow.editing and flow.state in CLEARABLE:
        field = fields.BY_NAME[CLEARABLE[flow.state]]
        flow.draft[field.name] = [] if field.kind in {"choices", "tags"} else ""
        given = Input(choice="skip")
    try:
        step = await ACCEPT[flow.state](flow, given)
    except checks.Invalid as problem:
        missed(flow, given)
        return Outcome([SendText(say(explain(flow, problem))), *prompt(flow)])
    if not step.understood:
        missed(flow, given)
        return Outcome(restate(flow))
    flow.data.pop("misses", None)
    if step.target is None:
        return Outcome([SendText(note) for note in step.notes] + redrawn(flow, prompt(flow), step.in_place))
    if step.target == NEXT:
        step.target = BY_STATE[flow.state].to[0]
    leaving = GROUP[flow.state]
    if flow.data.get("jump") and GROUP[step.target] != leaving and leaving != "preview":
        flow.data.pop("jump")
        step.target = "preview"  # a part changed from the preview goes straight back to it
    move(flow, step.target)
    if flow.editing and GROUP[step.target] != leaving:
        return Outcome([], "saved")
    if step.target == "submitted":
        return Outcome([], "submitted")
    return Outcome(prompt(flow))


def redrawn(flow: Flow, replies: list[Reply], in_place: bool) -> list[Reply]:
    """The step's last message edited where its pressed button was, instead of sent again."""
    pressed = flow.turn.event.message_id if flow.turn.event.kind == "button" else None
    last = replies[-1] if replies else None
    if not in_place or pressed is None or not isinstance(last, SendText):
        return replies
    return [*replies[:-1], dataclasses.replace(last, edit_message_id=pressed)]


def changes(flow: Flow) -> dict[str, Any]:
    """The fields of the edited group, from the draft."""
    return {key: flow.draft.get(key) for key in GROUP_FIELDS[str(flow.data["group"])]}
