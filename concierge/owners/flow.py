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
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from catalog import typed_hours
from catalog.geo import great_circle_m
from catalog.ownership import fold, merge_names
from catalog.views import BusinessView, ProductView
from concierge.conversation.context import Turn
from concierge.conversation.render import TEXT_LIMIT, clip, say, story_replies, utf16_len
from concierge.events import Button, Keyboard, Reply, SendPhoto, SendText, SendVenue
from concierge.geocoding import geocoder_for
from concierge.hours_text import describe
from concierge.i18n import format_distance
from concierge.owners import checks
from concierge.owners.listing import group_labels
from concierge.owners.steps import MISSES_FOR_BUTTONS
from concierge.understanding import understand

STATES = (
    "name",
    "category",
    "location",
    "location_confirm",
    "location_far",
    "hours",
    "hours_days",
    "hours_times",
    "hours_lunch",
    "hours_more",
    "hours_holidays",
    "hours_confirm",
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
        ("location", "location_far"),
        ("location_confirm", "location_far"),
        ("location_far", "hours"),
        ("location_far", "location"),
        ("hours", "hours_days"),
        ("hours", "hours_confirm"),
        ("hours", "products"),
        ("hours_days", "hours_times"),
        ("hours_days", "hours_more"),
        ("hours_times", "hours_lunch"),
        ("hours_lunch", "hours_more"),
        ("hours_more", "hours_days"),
        ("hours_more", "hours_holidays"),
        ("hours_holidays", "hours_confirm"),
        ("hours_confirm", "products"),
        ("hours_confirm", "hours"),
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
GROUP: dict[str, str] = {
    "name": "name",
    "category": "category",
    "location": "location",
    "location_confirm": "location",
    "location_far": "location",
    "hours": "hours",
    "hours_days": "hours",
    "hours_times": "hours",
    "hours_lunch": "hours",
    "hours_more": "hours",
    "hours_holidays": "hours",
    "hours_confirm": "hours",
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
JUMPS = frozenset(
    {("preview", ENTRY[group]) for group in GROUP_FIELDS}
    | {
        (source, "preview")
        for source, target in TRANSITIONS
        if GROUP[source] != GROUP[target] and "preview" not in {source, target}
    }
)
"""From the preview to any part, and from the end of that part straight back to the preview."""
TRANSITIONS = TRANSITIONS | JUMPS
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


def prompt_location_far(flow: Flow) -> list[Reply]:
    place = flow.data.get("place") or {}
    area = flow.turn.app.search.area
    distance = format_distance(
        outside_area(flow, place.get("lat", 0.0), place.get("lon", 0.0)) or 0, flow.turn.lang
    )
    text = flow.t(
        "That place is {distance} from the centre of {area}, outside the neighbourhood. Is it right?",
        distance=distance,
        area="\x00",
    )
    text_html = say(text).replace("\x00", say(clip(area.name if area else "", 100)))
    rows = ((choice(flow, flow.t("Yes, it is right"), "yes"), choice(flow, flow.t("No, try again"), "no")),)
    venue = SendVenue(
        place.get("lat", 0.0), place.get("lon", 0.0), flow.draft.get("name", ""), place.get("address", "")
    )
    return [venue, message(flow, text_html, rows)]


def prompt_hours(flow: Flow) -> list[Reply]:
    text = flow.t(
        "When are you open? Type your opening hours in your own words, or let me help you build them."
    )
    rows = ((choice(flow, flow.t("Help me build them"), "build"),),)
    sample = flow.t("Mon-Fri 9-18, Sat 10-17, Sunday closed")
    return [message(flow, say(text) + example(flow, sample), rows, skip=True)]


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


COMMON_SPANS = {
    "0900-1700": ("09:00", "17:00"),
    "0900-1800": ("09:00", "18:00"),
    "0800-1800": ("08:00", "18:00"),
    "1000-1700": ("10:00", "17:00"),
}
"""Offered as buttons after two unreadable answers (button data holds no colons)."""


def prompt_hours_times(flow: Flow) -> list[Reply]:
    text = flow.t("From what time to what time?")
    rows: Keyboard = ()
    if int(flow.data.get("misses", 0)) >= MISSES_FOR_BUTTONS:
        spans = [choice(flow, f"{start}–{end}", key) for key, (start, end) in COMMON_SPANS.items()]
        rows = (tuple(spans[:2]), tuple(spans[2:]))
    return [message(flow, say(text) + example(flow, "8:30-17:30"), rows)]


def prompt_hours_lunch(flow: Flow) -> list[Reply]:
    text = flow.t("Do you close for lunch? Type the break, or press “No lunch break”.")
    rows = ((choice(flow, flow.t("No lunch break"), "none"),),)
    return [message(flow, say(text) + example(flow, "12:30-13:30"), rows)]


def prompt_hours_more(flow: Flow) -> list[Reply]:
    builder = flow.data.get("builder") or {}
    week = builder.get("week") or {}
    composed = typed_hours.compose(_week(week), closed_days=builder.get("closed") or [])
    so_far = describe(composed, flow.turn.lang) if week else ""
    text = say(flow.t("Are you open on other days, with other hours?"))
    if so_far:
        text = say(flow.t("So far:")) + " " + say(clip(so_far, 500)) + "\n" + text
    rows = (
        (choice(flow, flow.t("Add other days"), "add"),),
        (choice(flow, flow.t("That's all"), "done"),),
    )
    return [message(flow, text, rows)]


def prompt_hours_confirm(flow: Flow) -> list[Reply]:
    words = describe(flow.draft.get("opening_hours") or "", flow.turn.lang)
    text = say(flow.t("I read your opening hours as:")) + f"\n<b>{say(clip(words, 500))}</b>\n"
    text += say(flow.t("Is that right?"))
    rows = (
        (choice(flow, flow.t("Yes, that's right"), "yes"), choice(flow, flow.t("No, type them again"), "no")),
    )
    return [message(flow, text, rows)]


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
        parts.append(summary + "\n" + say(flow.t("To take one off the list, send “- name”.")))
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


def resident_details(flow: Flow) -> str:
    """What residents see besides the card: the kind of business, pickup and delivery."""
    t, draft, lang = flow.t, flow.draft, flow.turn.lang
    lines = []
    kind = flow.turn.taxonomy.name(draft.get("categories") or [], lang) if draft.get("categories") else ""
    if kind:
        lines.append(f"<b>{say(t('Category'))}</b>: {say(clip(kind, 100))}")
    delivery = {"bike": t("By bike"), "post": t("By post"), "none": t("No delivery")}
    lines.append(
        f"<b>{say(t('Can customers order ahead and pick up?'))}</b> {say(t('Yes') if draft.get('pickup') else t('No'))}"
    )
    lines.append(
        f"<b>{say(t('Do you deliver?'))}</b> {say(delivery.get(draft.get('delivery') or 'none', ''))}"
    )
    return "\n".join(lines)


def prompt_preview(flow: Flow) -> list[Reply]:
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
    jumps = [choice(flow, labels[group], f"to-{group}") for group in GROUP_FIELDS]
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


def prompt_submitted(flow: Flow) -> list[Reply]:
    return []


PROMPTS: dict[str, Callable[[Flow], list[Reply]]] = {
    "name": prompt_name,
    "category": prompt_category,
    "location": prompt_location,
    "location_confirm": prompt_location_confirm,
    "location_far": prompt_location_far,
    "hours": prompt_hours,
    "hours_days": prompt_hours_days,
    "hours_times": prompt_hours_times,
    "hours_lunch": prompt_hours_lunch,
    "hours_more": prompt_hours_more,
    "hours_holidays": prompt_hours_holidays,
    "hours_confirm": prompt_hours_confirm,
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
    suggestions = category_suggestions(flow, given.text)
    if not suggestions and int(flow.data.get("misses", 0)) + 1 >= MISSES_FOR_BUTTONS:
        suggestions = common_categories(flow)
        if suggestions:
            flow.data["suggestions"] = suggestions
            note = flow.t("I still could not match that. These kinds are common in the neighbourhood:")
            return Step(notes=[say(note)])
    if not suggestions:
        raise checks.Invalid("category")
    flow.data["suggestions"] = suggestions
    return Step()


def common_categories(flow: Flow, limit: int = 6) -> list[str]:
    """The kinds of business most listed in the neighbourhood, offered after two unmatched answers."""
    counts = Counter(b.categories[0] for b in flow.turn.app.search.businesses() if b.categories)
    names = flow.turn.taxonomy
    return [tag for tag, _n in counts.most_common(limit * 2) if names.name(tag, flow.turn.lang)][:limit]


def category_suggestions(flow: Flow, text: str, limit: int = 3) -> list[str]:
    """Shop types for a typed description: what the lexicon reads in it (the same reading residents'
    questions get, so "ambachtelijke bakker" or "Bio-Bäckerei" is a bakery and "fietsen repareren" a
    bike shop), then the taxonomy's own name matches, then a clear match of a single word."""
    turn = flow.turn
    search = turn.app.search
    read = understand(text, search.reader, lang_hint=turn.lang, default_language=turn.lang)
    tags: list[str] = []
    # the head noun comes last in Dutch, English and German ("handgemaakte kaas"), first in French
    units = read.units if read.language == "fr" else list(reversed(read.units))
    for unit in units:
        for hit in unit.hits:
            concept = search.lexicon.concepts.get(hit.concept)
            if concept is not None and not hit.weak and (concept.primary or concept.tags):
                tags.append(concept.primary or concept.tags[0])
    tags += [preset.primary_tag for preset, _score in turn.taxonomy.suggest(text, turn.lang, limit)]
    if not tags:  # "artisan baker": a word alone may name the kind clearly ("baker")
        scored = [hit for word in text.split() for hit in turn.taxonomy.suggest(word, turn.lang, 1)]
        tags = [preset.primary_tag for preset, score in sorted(scored, key=lambda h: -h[1]) if score >= 90]
    known = [tag for tag in dict.fromkeys(tags) if tag and turn.taxonomy.name(tag, turn.lang)]
    return known[:limit]


def outside_area(flow: Flow, lat: float, lon: float) -> float | None:
    """The distance in metres from the area's centre when (lat, lon) lies outside the area, else None."""
    area = flow.turn.app.search.area
    if area is None:
        return None
    metres = great_circle_m(area.center, (lat, lon))
    return metres if metres > area.radius_m else None


async def accept_location(flow: Flow, given: Input) -> Step:
    if given.location is not None:
        lat, lon = given.location
        if outside_area(flow, lat, lon) is not None:
            flow.data["place"] = {"lat": lat, "lon": lon, "address": ""}
            return Step("location_far")
        flow.draft["lat"], flow.draft["lon"] = lat, lon
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
    given = Input(choice=given.choice or checks.yes_no(given.text))
    if given.choice == "yes" and place:
        if outside_area(flow, place["lat"], place["lon"]) is not None:
            return Step("location_far")
        flow.draft.update(lat=place["lat"], lon=place["lon"], address=place["address"])
        flow.data.pop("place", None)
        return Step("hours")
    if given.choice == "no":
        flow.data.pop("place", None)
        return Step("location")
    return not_understood()


async def accept_location_far(flow: Flow, given: Input) -> Step:
    """A pin or address outside the area is kept only when the owner confirms it, seeing the distance;
    the moderators see the same distance on their card."""
    place = flow.data.get("place") or {}
    answer = given.choice or checks.yes_no(given.text)
    if answer == "yes" and place:
        flow.draft.update(lat=place["lat"], lon=place["lon"])
        if place.get("address"):
            flow.draft["address"] = place["address"]
        flow.data.pop("place", None)
        return Step("hours")
    if answer == "no":
        flow.data.pop("place", None)
        return Step("location")
    return not_understood()


async def accept_hours(flow: Flow, given: Input) -> Step:
    """Hours typed in words (any of the four languages) or OSM syntax, read by one reader."""
    if given.choice == "build":
        flow.data["builder"] = {"week": {}}
        return Step("hours_days")
    if given.choice == "skip":
        return Step("products")
    if given.text is None:
        return not_understood()
    try:
        reading = typed_hours.read(given.text, flow.turn.lang)
    except typed_hours.Unreadable as problem:
        raise checks.Invalid("hours") from problem
    flow.draft["opening_hours"] = reading.expression
    return Step("hours_confirm")


def _week(stored: dict[str, Any]) -> dict[int, list[tuple[str, str]]]:
    """The builder's week as kept in the flow (JSON: string keys, lists) for :func:`typed_hours.compose`."""
    return {int(day): [(start, end) for start, end in spans] for day, spans in stored.items()}


async def accept_hours_days(flow: Flow, given: Input) -> Step:
    builder = flow.data.setdefault("builder", {})
    builder.setdefault("week", {})
    if given.text is not None:
        try:
            builder["days"] = checks.weekdays(given.text, flow.turn.lang)
        except checks.Invalid:
            return add_typed_days(flow, given.text)
        return Step("hours_times")
    if given.choice not in DAY_SETS:
        return not_understood()
    builder["days"] = list(DAY_SETS[given.choice])
    return Step("hours_times")


def add_typed_days(flow: Flow, text: str) -> Step:
    """Days with their hours typed at once ("za 10-17", "Sat 10-4, Sunday closed") join the week
    being built; the builder then asks for other days."""
    try:
        typed = typed_hours.read_week(text, flow.turn.lang)
    except typed_hours.Unreadable as problem:
        raise checks.Invalid("days") from problem
    if not typed.days:
        raise checks.Invalid("days")
    builder = flow.data.setdefault("builder", {})
    week = builder.setdefault("week", {})
    closed = set(builder.get("closed") or [])
    for day, spans in typed.days.items():
        week[str(day)] = [[typed_hours.hhmm(start), typed_hours.hhmm(end)] for start, end in spans]
        closed.discard(day)
    for day in typed.closed:
        week.pop(str(day), None)
        closed.add(day)
    builder["closed"] = sorted(closed)
    flow.draft["opening_hours"] = typed_hours.compose(_week(week), closed_days=closed)
    return Step("hours_more")


async def accept_hours_times(flow: Flow, given: Input) -> Step:
    if given.choice in COMMON_SPANS:
        flow.data.setdefault("builder", {})["times"] = list(COMMON_SPANS[given.choice])
        return Step("hours_lunch")
    if given.text is None:
        return not_understood()
    flow.data.setdefault("builder", {})["times"] = list(checks.time_span(given.text, flow.turn.lang))
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
        lunch_start, lunch_end = checks.time_span(given.text, flow.turn.lang)
        if not start < lunch_start < lunch_end < end:
            raise checks.Invalid("lunch")
        spans = [(start, lunch_start), (lunch_end, end)]
    else:
        return not_understood()
    week = builder.setdefault("week", {})
    for day in days:
        week[str(day)] = [list(span) for span in spans]
    builder["closed"] = [day for day in builder.get("closed") or [] if day not in days]
    builder.pop("days", None)
    builder.pop("times", None)
    flow.draft["opening_hours"] = typed_hours.compose(_week(week), closed_days=builder["closed"])
    return Step("hours_more")


async def accept_hours_more(flow: Flow, given: Input) -> Step:
    """Several groups of days, each with its own hours: a different Saturday is one more round."""
    answer = given.choice or checks.yes_no(given.text)
    if answer in {"add", "yes"}:
        return Step("hours_days")
    if answer in {"done", "no"}:
        return Step("hours_holidays")
    return not_understood()


async def accept_hours_holidays(flow: Flow, given: Input) -> Step:
    """Public holidays follow the area's country calendar ("PH off" in OpenStreetMap hours)."""
    week = (flow.data.get("builder") or {}).get("week") or {}
    typed = {"yes": "open", "no": "off"}.get(checks.yes_no(given.text) or "")
    given = Input(choice=given.choice or typed)
    if given.choice not in ("off", "open") or not week:
        return not_understood()
    closed = (flow.data.get("builder") or {}).get("closed") or []
    flow.draft["opening_hours"] = typed_hours.compose(
        _week(week), closed_days=closed, closed_on_public_holidays=given.choice == "off"
    )
    flow.data.pop("builder", None)
    return Step("hours_confirm")


async def accept_hours_confirm(flow: Flow, given: Input) -> Step:
    answer = given.choice or checks.yes_no(given.text)
    if answer == "yes" and flow.draft.get("opening_hours"):
        return Step("products")
    if answer == "no":
        return Step("hours")
    return not_understood()


REMOVE_MARKS = ("-", "−", "–", "✕")
"""A product line starting with one of these takes the product off the list ("- croissants")."""


async def accept_products(flow: Flow, given: Input) -> Step:
    if given.choice == "done":
        return Step("story_who")
    if given.text is None:
        return not_understood()
    lines = [line.strip() for line in given.text.splitlines() if line.strip()]
    removals = [line for line in lines if line.startswith(REMOVE_MARKS) and line.lstrip("-−–✕ ").strip()]
    current = flow.draft.setdefault("products", [])
    notes: list[str] = []
    if removals:
        wanted = {fold(checks.one_line(line.lstrip("-−–✕ "))) for line in removals}
        kept = [name for name in current if fold(name) not in wanted]
        gone = len(current) - len(kept)
        current[:] = kept
        notes.append(say(flow.t("Removed {n}.", n=gone)))
        if gone < len(wanted):
            notes.append(say(flow.t("{n} not on the list.", n=len(wanted) - gone)))
    rest = "\n".join(line for line in lines if line not in removals)
    if rest:
        names = checks.product_lines(rest)
        added = merge_names(current, names)
        checks.check_product_count(len(current) + len(added))
        current.extend(added)
        notes.append(say(flow.t("Added {n}.", n=len(added))))
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
    answer = given.choice or checks.yes_no(given.text)
    if answer not in {"yes", "no"}:
        return not_understood()
    flow.draft["pickup"] = answer == "yes"
    return Step("delivery")


async def accept_delivery(flow: Flow, given: Input) -> Step:
    answer = given.choice or checks.delivery(given.text)
    if answer not in DELIVERY_CHOICES:
        return not_understood()
    flow.draft["delivery"] = answer
    return Step("preview")


async def accept_preview(flow: Flow, given: Input) -> Step:
    if given.choice == "submit":
        return Step("submitted")
    group = (given.choice or "").removeprefix("to-")
    if given.choice and given.choice.startswith("to-") and group in GROUP_FIELDS:
        flow.data["jump"] = True
        return Step(ENTRY[group])
    return not_understood()


async def accept_submitted(flow: Flow, given: Input) -> Step:
    return not_understood()


ACCEPT: dict[str, Callable[[Flow, Input], Awaitable[Step]]] = {
    "name": accept_name,
    "category": accept_category,
    "location": accept_location,
    "location_confirm": accept_location_confirm,
    "location_far": accept_location_far,
    "hours": accept_hours,
    "hours_days": accept_hours_days,
    "hours_times": accept_hours_times,
    "hours_lunch": accept_hours_lunch,
    "hours_more": accept_hours_more,
    "hours_holidays": accept_hours_holidays,
    "hours_confirm": accept_hours_confirm,
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
        flow.draft[CLEARABLE[flow.state]] = ""
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
        return Outcome([SendText(note) for note in step.notes] + prompt(flow))
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
