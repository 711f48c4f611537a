"""The guided listing flow: one explicit state machine, drawn in ``flow.mmd`` beside this file.

``STATES`` and ``TRANSITIONS`` are the whole machine; :func:`move` refuses any step not declared there,
and a test checks that the diagram lists exactly these states and transitions. Back (along the
history) and Cancel work in every state and are not drawn as edges.

The same machine edits an existing listing: editing a field enters the machine at the field's first
state with the listing's current values as the draft, and leaving the field's group of states saves
that group (with the listing's version check) instead of going on.

All state lives in one JSON-able dict (see :func:`new_flow`), kept in the flow store between events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from catalog import hours as opening_hours
from catalog.ownership import merge_names
from catalog.views import BusinessView, ProductView
from concierge.conversation.context import Turn
from concierge.conversation.render import TEXT_LIMIT, clip, say, story_replies, utf16_len
from concierge.events import Button, Keyboard, Reply, SendPhoto, SendText, SendVenue
from concierge.geocoding import geocoder_for
from concierge.hours_text import describe
from concierge.owners import checks

STATES = (
    "name",
    "category",
    "location",
    "location_confirm",
    "hours",
    "hours_days",
    "hours_times",
    "hours_lunch",
    "hours_holidays",
    "products",
    "story_who",
    "story_how",
    "story_why",
    "photo",
    "contact_phone",
    "contact_website",
    "pickup",
    "delivery",
    "preview",
    "submitted",
)
START = "name"
TRANSITIONS = frozenset(
    {
        ("name", "category"),
        ("category", "location"),
        ("location", "location_confirm"),
        ("location", "hours"),
        ("location_confirm", "hours"),
        ("location_confirm", "location"),
        ("hours", "hours_days"),
        ("hours", "products"),
        ("hours_days", "hours_times"),
        ("hours_times", "hours_lunch"),
        ("hours_lunch", "hours_holidays"),
        ("hours_holidays", "products"),
        ("products", "story_who"),
        ("story_who", "story_how"),
        ("story_how", "story_why"),
        ("story_why", "photo"),
        ("photo", "contact_phone"),
        ("contact_phone", "contact_website"),
        ("contact_website", "pickup"),
        ("pickup", "delivery"),
        ("delivery", "preview"),
        ("preview", "submitted"),
    }
)
GROUP = {
    "name": "name",
    "category": "category",
    "location": "location",
    "location_confirm": "location",
    "hours": "hours",
    "hours_days": "hours",
    "hours_times": "hours",
    "hours_lunch": "hours",
    "hours_holidays": "hours",
    "products": "products",
    "story_who": "story",
    "story_how": "story",
    "story_why": "story",
    "photo": "photo",
    "contact_phone": "contact",
    "contact_website": "contact",
    "pickup": "delivery",
    "delivery": "delivery",
    "preview": "preview",
    "submitted": "submitted",
}
GROUP_FIELDS = {
    "name": ("name",),
    "category": ("categories",),
    "location": ("lat", "lon", "address"),
    "hours": ("opening_hours",),
    "products": (),
    "story": ("story_who", "story_how", "story_why"),
    "photo": ("photo",),
    "contact": ("phone", "website"),
    "delivery": ("pickup", "delivery"),
}
ENTRY = {group: next(state for state in STATES if GROUP[state] == group) for group in GROUP_FIELDS}
DAY_SETS = {
    "mo-fr": (0, 1, 2, 3, 4),
    "tu-sa": (1, 2, 3, 4, 5),
    "mo-sa": (0, 1, 2, 3, 4, 5),
    "daily": tuple(range(7)),
}
DELIVERY_CHOICES = ("bike", "post", "none")

CLEARABLE = {
    "story_who": "story_who",
    "story_how": "story_how",
    "story_why": "story_why",
    "photo": "photo",
    "contact_phone": "phone",
    "contact_website": "website",
}
"""Optional fields an edit can empty (Skip keeps what is there)."""
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
    """A flow that edits ``group`` of ``business``, its current values as the draft."""
    draft = {
        "name": business.name,
        "categories": list(business.categories),
        "lat": business.lat,
        "lon": business.lon,
        "address": business.address,
        "opening_hours": business.opening_hours,
        "story_who": business.story_who,
        "story_how": business.story_how,
        "story_why": business.story_why,
        "photo": business.photo,
        "phone": business.phone,
        "website": business.website,
        "pickup": business.pickup,
        "delivery": business.delivery,
        "products": [],
    }
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


@dataclass
class Input:
    text: str | None = None
    choice: str | None = None
    location: tuple[float, float] | None = None
    photo: str | None = None


@dataclass
class Step:
    """What a step decided: go to ``target``, or stay with ``notes`` (explanations) shown first."""

    target: str | None = None
    notes: list[str] = field(default_factory=list)
    understood: bool = True


@dataclass
class Flow:
    turn: Turn
    data: dict[str, Any]

    @property
    def state(self) -> str:
        return str(self.data["state"])

    @property
    def draft(self) -> dict[str, Any]:
        draft: dict[str, Any] = self.data["draft"]
        return draft

    @property
    def editing(self) -> bool:
        return self.data.get("mode") == "edit"

    def t(self, message: str, /, **values: object) -> str:
        return self.turn.t(message, **values)


# -- buttons ----------------------------------------------------------------------------------------


def choice(flow: Flow, label: str, value: str) -> Button:
    """A button for this state only: a press in another state is recognised as stale."""
    return Button(label, data=f"o:f:{flow.state}:{value}")


def nav_row(flow: Flow, *extra: Button) -> tuple[Button, ...]:
    row = list(extra)
    if flow.data["history"]:
        row.append(choice(flow, flow.t("« Back"), "back"))
    row.append(choice(flow, flow.t("Cancel"), "cancel"))
    return tuple(row)


def message(
    flow: Flow, text_html: str, rows: Keyboard = (), *, nav: bool = True, skip: bool = False
) -> SendText:
    extra: tuple[Button, ...] = (choice(flow, flow.t("Skip"), "skip"),) if skip else ()
    if flow.editing and flow.state in CLEARABLE and flow.draft.get(CLEARABLE[flow.state]):
        extra = (*extra, choice(flow, flow.t("Remove"), "clear"))
    return SendText(text_html, buttons=(*rows, nav_row(flow, *extra)) if nav else rows)


def example(flow: Flow, text: str) -> str:
    return f"\n<i>{say(flow.t('For example: {example}', example=text))}</i>"


# -- prompts ----------------------------------------------------------------------------------------


def prompt(flow: Flow) -> list[Reply]:
    return PROMPTS[flow.state](flow)


def prompt_name(flow: Flow) -> list[Reply]:
    return [message(flow, say(flow.t("What is the name of your business? (1 to 80 characters)")))]


def prompt_category(flow: Flow) -> list[Reply]:
    suggestions = flow.data.get("suggestions") or []
    if suggestions:
        rows = tuple(
            (choice(flow, flow.turn.taxonomy.name(tag, flow.turn.lang) or tag, str(i)),)
            for i, tag in enumerate(suggestions)
        )
        text = flow.t("Which of these fits best? If none does, describe it in other words.")
        return [message(flow, say(text), rows)]
    text = flow.t("What kind of business is it? Describe it in a few words.")
    return [message(flow, say(text) + example(flow, flow.t("bakery, bike repair, second-hand clothes")))]


def prompt_location(flow: Flow) -> list[Reply]:
    text = flow.t("Where is it? Share its location with the button below, or type the street and number.")
    share = ((Button(flow.t("📍 Share location"), request_location=True),),)
    return [
        SendText(say(text), buttons=share),
        message(flow, say(flow.t("Or go back, or stop here:"))),
    ]


def prompt_location_confirm(flow: Flow) -> list[Reply]:
    place = flow.data.get("place") or {}
    text = flow.t("I found this place. Is it right?")
    rows = ((choice(flow, flow.t("Yes, that's it"), "yes"), choice(flow, flow.t("No, try again"), "no")),)
    venue = SendVenue(
        place.get("lat", 0.0), place.get("lon", 0.0), flow.draft.get("name", ""), place.get("address", "")
    )
    return [venue, message(flow, f"{say(text)}\n{clip(place.get('address', ''), 300)}", rows)]


def prompt_hours(flow: Flow) -> list[Reply]:
    text = flow.t(
        "When are you open? Paste your opening hours in OpenStreetMap style, or let me help you build them."
    )
    rows = ((choice(flow, flow.t("Help me build them"), "build"),),)
    return [message(flow, say(text) + example(flow, "Tu-Fr 07:30-18:00; Sa 07:30-16:00"), rows, skip=True)]


def prompt_hours_days(flow: Flow) -> list[Reply]:
    labels = {
        "mo-fr": flow.t("Monday to Friday"),
        "tu-sa": flow.t("Tuesday to Saturday"),
        "mo-sa": flow.t("Monday to Saturday"),
        "daily": flow.t("Every day"),
    }
    rows = tuple((choice(flow, label, key),) for key, label in labels.items())
    text = say(flow.t("Which days are you open? Press one, or type the days.")) + example(
        flow, flow.t("Tue-Sat")
    )
    return [message(flow, text, rows)]


def prompt_hours_times(flow: Flow) -> list[Reply]:
    text = flow.t("From what time to what time?")
    return [message(flow, say(text) + example(flow, "8:30-17:30"))]


def prompt_hours_lunch(flow: Flow) -> list[Reply]:
    text = flow.t("Do you close for lunch? Type the break, or press “No lunch break”.")
    rows = ((choice(flow, flow.t("No lunch break"), "none"),),)
    return [message(flow, say(text) + example(flow, "12:30-13:30"), rows)]


def prompt_hours_holidays(flow: Flow) -> list[Reply]:
    text = flow.t("Are you open on public holidays?")
    rows = (
        (choice(flow, flow.t("Closed on public holidays"), "off"),),
        (choice(flow, flow.t("Open as usual"), "open"),),
    )
    return [message(flow, say(text), rows)]


def product_summary(flow: Flow) -> str:
    products = flow.draft.get("products") or []
    if not products:
        return ""
    shown = ", ".join(products[:30]) + (" …" if len(products) > 30 else "")
    return say(flow.t("On your list ({n}):", n=len(products))) + " " + clip(shown, 1500)


def prompt_products(flow: Flow) -> list[Reply]:
    if flow.editing:
        text = flow.t(
            "Send your full list of products and services, one per line; it replaces the current list. "
            "For small changes use “+ name” or “- name” instead."
        )
    else:
        text = flow.t(
            "What do you sell or offer? One product or service per line; you can send several messages. "
            "Press Done when the list is complete."
        )
    parts = [say(text) + example(flow, flow.t("sourdough bread, croissants, cakes to order"))]
    summary = product_summary(flow)
    if summary:
        parts.append(summary)
    rows = ((choice(flow, flow.t("Done"), "done"),),)
    return [message(flow, "\n\n".join(parts), rows)]


STORY_QUESTIONS = {
    "story_who": (
        "Your story, in three short questions. First: who are you?",
        "Marieke and Joost, bakers in the third generation.",
    ),
    "story_how": (
        "How do you make or choose what you sell?",
        "We bake every night with our own sourdough and grind part of the grain ourselves.",
    ),
    "story_why": (
        "Why does your business exist?",
        "Because a neighbourhood deserves a baker who knows you by name.",
    ),
}


def prompt_story(flow: Flow) -> list[Reply]:
    question, sample = STORY_QUESTIONS[flow.state]
    key = flow.state
    text = say(flow.t(question)) + example(flow, flow.t(sample))
    current = flow.draft.get(key) or ""
    if current:
        text += "\n\n" + say(flow.t("Now:")) + " " + clip(current, 700, keep_newlines=True)
    return [message(flow, text, skip=True)]


def prompt_photo(flow: Flow) -> list[Reply]:
    return [message(flow, say(flow.t("Send a photo of your shop or your work (optional).")), skip=True)]


def prompt_contact_phone(flow: Flow) -> list[Reply]:
    text = flow.t("Which phone number may customers call? (optional)")
    return [message(flow, say(text) + example(flow, "+31 23 123 4567"), skip=True)]


def prompt_contact_website(flow: Flow) -> list[Reply]:
    text = flow.t("Your website? (optional)")
    return [message(flow, say(text) + example(flow, "www.example.org"), skip=True)]


def prompt_pickup(flow: Flow) -> list[Reply]:
    rows = ((choice(flow, flow.t("Yes"), "yes"), choice(flow, flow.t("No"), "no")),)
    return [message(flow, say(flow.t("Can customers order ahead and pick up?")), rows)]


def prompt_delivery(flow: Flow) -> list[Reply]:
    labels = {"bike": flow.t("By bike"), "post": flow.t("By post"), "none": flow.t("No delivery")}
    rows = (tuple(choice(flow, labels[key], key) for key in DELIVERY_CHOICES),)
    return [message(flow, say(flow.t("Do you deliver?")), rows)]


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
        status="draft",
        products=tuple(ProductView(name, language=language) for name in draft.get("products") or ()),
    )


def prompt_preview(flow: Flow) -> list[Reply]:
    card: list[Reply] = [*story_replies(draft_view(flow), flow.t, [])]
    card = [_without_buttons(reply) for reply in card]
    lines = [say(flow.t("This is how residents will see your listing.")), product_summary(flow)]
    lines.append(say(flow.t("Submit it? A moderator checks new listings before they appear.")))
    rows = ((choice(flow, flow.t("Submit"), "submit"),),)
    return [*card, message(flow, "\n\n".join(line for line in lines if line), rows)]


def _without_buttons(reply: Reply) -> Reply:
    """The preview's Map/Share buttons would point at a listing that does not exist yet."""
    if isinstance(reply, SendText | SendPhoto):
        return dataclasses.replace(reply, buttons=())
    return reply


def prompt_submitted(flow: Flow) -> list[Reply]:
    return []


PROMPTS: dict[str, Callable[[Flow], list[Reply]]] = {
    "name": prompt_name,
    "category": prompt_category,
    "location": prompt_location,
    "location_confirm": prompt_location_confirm,
    "hours": prompt_hours,
    "hours_days": prompt_hours_days,
    "hours_times": prompt_hours_times,
    "hours_lunch": prompt_hours_lunch,
    "hours_holidays": prompt_hours_holidays,
    "products": prompt_products,
    "story_who": prompt_story,
    "story_how": prompt_story,
    "story_why": prompt_story,
    "photo": prompt_photo,
    "contact_phone": prompt_contact_phone,
    "contact_website": prompt_contact_website,
    "pickup": prompt_pickup,
    "delivery": prompt_delivery,
    "preview": prompt_preview,
    "submitted": prompt_submitted,
}


# -- accepting input --------------------------------------------------------------------------------


def not_understood() -> Step:
    return Step(understood=False)


async def accept_name(flow: Flow, given: Input) -> Step:
    if given.text is None:
        return not_understood()
    flow.draft["name"] = checks.name(given.text)
    return Step("category")


async def accept_category(flow: Flow, given: Input) -> Step:
    suggestions = flow.data.get("suggestions") or []
    if given.choice is not None:
        if not given.choice.isdigit() or int(given.choice) >= len(suggestions):
            return not_understood()
        flow.draft["categories"] = [suggestions[int(given.choice)]]
        flow.data.pop("suggestions", None)
        return Step("location")
    if given.text is None:
        return not_understood()
    found = flow.turn.taxonomy.suggest(given.text, flow.turn.lang, 3)
    if not found:
        raise checks.Invalid("category")
    flow.data["suggestions"] = [preset.primary_tag for preset, _score in found]
    return Step()


async def accept_location(flow: Flow, given: Input) -> Step:
    if given.location is not None:
        flow.draft["lat"], flow.draft["lon"] = given.location
        return Step("hours")
    if given.text is None:
        return not_understood()
    turn = flow.turn
    geocode = geocoder_for(turn.app.settings.geocoder, turn.app.sessions, turn.app.search.area)
    place = await geocode(given.text)
    if place is None:
        raise checks.Invalid("address")
    flow.data["place"] = {"lat": place.lat, "lon": place.lon, "address": place.address}
    return Step("location_confirm")


async def accept_location_confirm(flow: Flow, given: Input) -> Step:
    place = flow.data.get("place") or {}
    if given.choice == "yes" and place:
        flow.draft.update(lat=place["lat"], lon=place["lon"], address=place["address"])
        flow.data.pop("place", None)
        return Step("hours")
    if given.choice == "no":
        flow.data.pop("place", None)
        return Step("location")
    return not_understood()


async def accept_hours(flow: Flow, given: Input) -> Step:
    if given.choice == "build":
        return Step("hours_days")
    if given.choice == "skip":
        return Step("products")
    if given.text is None:
        return not_understood()
    problem = opening_hours.validate(given.text)
    if problem is not None:
        raise checks.Invalid("hours")
    flow.draft["opening_hours"] = opening_hours.clean(given.text)
    return Step("products")


async def accept_hours_days(flow: Flow, given: Input) -> Step:
    if given.text is not None:
        flow.data["builder"] = {"days": checks.weekdays(given.text, flow.turn.lang)}
        return Step("hours_times")
    if given.choice not in DAY_SETS:
        return not_understood()
    flow.data["builder"] = {"days": list(DAY_SETS[given.choice])}
    return Step("hours_times")


async def accept_hours_times(flow: Flow, given: Input) -> Step:
    if given.text is None:
        return not_understood()
    flow.data.setdefault("builder", {})["times"] = list(checks.time_span(given.text))
    return Step("hours_lunch")


async def accept_hours_lunch(flow: Flow, given: Input) -> Step:
    builder = flow.data.get("builder") or {}
    days, times = builder.get("days"), builder.get("times")
    if not days or not times:
        return not_understood()
    start, end = times
    if given.choice == "none":
        spans = [(start, end)]
    elif given.text is not None:
        lunch_start, lunch_end = checks.time_span(given.text)
        if not start < lunch_start < lunch_end < end:
            raise checks.Invalid("lunch")
        spans = [(start, lunch_start), (lunch_end, end)]
    else:
        return not_understood()
    flow.draft["opening_hours"] = opening_hours.compose({day: spans for day in days})
    flow.data.pop("builder", None)
    return Step("hours_holidays")


async def accept_hours_holidays(flow: Flow, given: Input) -> Step:
    """Public holidays follow the area's country calendar ("PH off" in OpenStreetMap hours)."""
    hours = str(flow.draft.get("opening_hours") or "")
    if given.choice not in ("off", "open") or not hours:
        return not_understood()
    rules = [rule for rule in hours.split("; ") if not rule.startswith("PH ")]
    flow.draft["opening_hours"] = "; ".join([*rules, "PH off"] if given.choice == "off" else rules)
    return Step("products")


async def accept_products(flow: Flow, given: Input) -> Step:
    if given.choice == "done":
        return Step("story_who")
    if given.text is None:
        return not_understood()
    names = checks.product_lines(given.text)
    current = flow.draft.setdefault("products", [])
    added = merge_names(current, names)
    checks.check_product_count(len(current) + len(added))
    current.extend(added)
    notes = [say(flow.t("Added {n}.", n=len(added)))]
    if len(added) < len(names):
        notes.append(say(flow.t("{n} already on the list, merged.", n=len(names) - len(added))))
    return Step(notes=[" ".join(notes)])


def _story(key: str, target: str) -> Callable[[Flow, Input], Awaitable[Step]]:
    async def accept(flow: Flow, given: Input) -> Step:
        if given.choice == "skip":
            return Step(target)
        if given.text is None:
            return not_understood()
        flow.draft[key] = checks.story_part(given.text)
        return Step(target)

    return accept


async def accept_photo(flow: Flow, given: Input) -> Step:
    if given.choice == "skip":
        return Step("contact_phone")
    if given.photo is None:
        return not_understood()
    flow.draft["photo"] = given.photo
    return Step("contact_phone")


def _country(flow: Flow) -> str:
    area = flow.turn.app.search.area
    return area.country if area else "NL"


async def accept_contact_phone(flow: Flow, given: Input) -> Step:
    if given.choice == "skip":
        return Step("contact_website")
    if given.text is None:
        return not_understood()
    flow.draft["phone"] = checks.phone(given.text, _country(flow))
    return Step("contact_website")


async def accept_contact_website(flow: Flow, given: Input) -> Step:
    if given.choice == "skip":
        return Step("pickup")
    if given.text is None:
        return not_understood()
    flow.draft["website"] = checks.website(given.text)
    return Step("pickup")


async def accept_pickup(flow: Flow, given: Input) -> Step:
    if given.choice not in {"yes", "no"}:
        return not_understood()
    flow.draft["pickup"] = given.choice == "yes"
    return Step("delivery")


async def accept_delivery(flow: Flow, given: Input) -> Step:
    if given.choice not in DELIVERY_CHOICES:
        return not_understood()
    flow.draft["delivery"] = given.choice
    return Step("preview")


async def accept_preview(flow: Flow, given: Input) -> Step:
    if given.choice == "submit":
        return Step("submitted")
    return not_understood()


async def accept_submitted(flow: Flow, given: Input) -> Step:
    return not_understood()


ACCEPT: dict[str, Callable[[Flow, Input], Awaitable[Step]]] = {
    "name": accept_name,
    "category": accept_category,
    "location": accept_location,
    "location_confirm": accept_location_confirm,
    "hours": accept_hours,
    "hours_days": accept_hours_days,
    "hours_times": accept_hours_times,
    "hours_lunch": accept_hours_lunch,
    "hours_holidays": accept_hours_holidays,
    "products": accept_products,
    "story_who": _story("story_who", "story_how"),
    "story_how": _story("story_how", "story_why"),
    "story_why": _story("story_why", "photo"),
    "photo": accept_photo,
    "contact_phone": accept_contact_phone,
    "contact_website": accept_contact_website,
    "pickup": accept_pickup,
    "delivery": accept_delivery,
    "preview": accept_preview,
    "submitted": accept_submitted,
}


# -- the engine -------------------------------------------------------------------------------------


class UndeclaredTransition(RuntimeError):
    """A step tried to go where the diagram has no arrow: a bug, never the person's fault."""


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
            "I could not read those opening hours. Write days, then times, for example "
            "“Mo-Fr 09:00-17:30; Sa 10:00-16:00”, or let me help you build them."
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
        flow.draft[CLEARABLE[flow.state]] = ""
        given = Input(choice="skip")
    try:
        step = await ACCEPT[flow.state](flow, given)
    except checks.Invalid as problem:
        return Outcome([SendText(say(explain(flow, problem))), *prompt(flow)])
    if not step.understood:
        return Outcome(restate(flow))
    if step.target is None:
        return Outcome([SendText(note) for note in step.notes] + prompt(flow))
    leaving = GROUP[flow.state]
    move(flow, step.target)
    if flow.editing and GROUP[step.target] != leaving:
        return Outcome([], "saved")
    if step.target == "submitted":
        return Outcome([], "submitted")
    lead: list[Reply] = []
    if leaving == "hours" and GROUP[step.target] != "hours" and flow.draft.get("opening_hours"):
        words = describe(flow.draft["opening_hours"], flow.turn.lang)
        lead.append(
            SendText(say(flow.t("Opening hours: {hours}", hours="\x00")).replace("\x00", clip(words, 500)))
        )
    return Outcome(lead + prompt(flow))


def compact(replies: list[Reply]) -> list[Reply]:
    """Each plain text without buttons joined to the text after it, when both fit in one message.

    Fewer messages read better and cost less of Telegram's per-chat budget (about one a second).
    """
    out: list[Reply] = []
    for reply in replies:
        previous = out[-1] if out else None
        if (
            isinstance(reply, SendText)
            and isinstance(previous, SendText)
            and not previous.buttons
            and previous.edit_message_id is None
            and reply.edit_message_id is None
            and utf16_len(previous.html) + utf16_len(reply.html) + 2 <= TEXT_LIMIT
        ):
            out[-1] = dataclasses.replace(
                reply,
                html=f"{previous.html}\n\n{reply.html}",
                remove_keyboard=reply.remove_keyboard or previous.remove_keyboard,
            )
        else:
            out.append(reply)
    return out


def changes(flow: Flow) -> dict[str, Any]:
    """The fields of the edited group, from the draft."""
    return {key: flow.draft.get(key) for key in GROUP_FIELDS[str(flow.data["group"])]}
