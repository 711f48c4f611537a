"""What each step of the listing flow says: its question, with buttons where they help."""

from __future__ import annotations

from collections.abc import Callable

from catalog import fields, typed_hours
from catalog.geo import great_circle_m
from concierge.conversation.render import clip, say
from concierge.events import Button, Keyboard, Reply, SendText, SendVenue
from concierge.hours_text import describe
from concierge.i18n import format_distance
from concierge.owners.flow_kit import Flow, builder_week, choice, example, message
from concierge.owners.steps import MISSES_FOR_BUTTONS


def outside_area(flow: Flow, lat: float, lon: float) -> float | None:
    """The distance in metres from the area's centre when (lat, lon) lies outside the area, else None."""
    area = flow.turn.app.search.area
    if area is None:
        return None
    metres = great_circle_m(area.center, (lat, lon))
    return metres if metres > area.radius_m else None


def name(flow: Flow) -> list[Reply]:
    return [message(flow, say(flow.t("What is the name of your business? (1 to 80 characters)")))]


def category(flow: Flow) -> list[Reply]:
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


def location(flow: Flow) -> list[Reply]:
    text = flow.t("Where is it? Share its location with the button below, or type the street and number.")
    share = ((Button(flow.t("📍 Share location"), request_location=True),),)
    return [
        SendText(say(text), buttons=share),
        message(flow, say(flow.t("Or go back, or stop here:"))),
    ]


def location_confirm(flow: Flow) -> list[Reply]:
    place = flow.data.get("place") or {}
    text = flow.t("I found this place. Is it right?")
    rows = ((choice(flow, flow.t("Yes, that's it"), "yes"), choice(flow, flow.t("No, try again"), "no")),)
    venue = SendVenue(
        place.get("lat", 0.0), place.get("lon", 0.0), flow.draft.get("name", ""), place.get("address", "")
    )
    return [venue, message(flow, f"{say(text)}\n{clip(place.get('address', ''), 300)}", rows)]


def location_far(flow: Flow) -> list[Reply]:
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


def hours(flow: Flow) -> list[Reply]:
    text = flow.t(
        "When are you open? Type your opening hours in your own words, or let me help you build them."
    )
    rows = ((choice(flow, flow.t("Help me build them"), "build"),),)
    sample = flow.t("Mon-Fri 9-18, Sat 10-17, Sunday closed")
    return [message(flow, say(text) + example(flow, sample), rows, skip=True)]


def hours_days(flow: Flow) -> list[Reply]:
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


def hours_times(flow: Flow) -> list[Reply]:
    text = flow.t("From what time to what time?")
    rows: Keyboard = ()
    if int(flow.data.get("misses", 0)) >= MISSES_FOR_BUTTONS:
        spans = [choice(flow, f"{start}–{end}", key) for key, (start, end) in COMMON_SPANS.items()]
        rows = (tuple(spans[:2]), tuple(spans[2:]))
    return [message(flow, say(text) + example(flow, "8:30-17:30"), rows)]


def hours_lunch(flow: Flow) -> list[Reply]:
    text = flow.t("Do you close for lunch? Type the break, or press “No lunch break”.")
    rows = ((choice(flow, flow.t("No lunch break"), "none"),),)
    return [message(flow, say(text) + example(flow, "12:30-13:30"), rows)]


def hours_more(flow: Flow) -> list[Reply]:
    builder = flow.data.get("builder") or {}
    week = builder.get("week") or {}
    composed = typed_hours.compose(builder_week(week), closed_days=builder.get("closed") or [])
    so_far = describe(composed, flow.turn.lang) if week else ""
    text = say(flow.t("Are you open on other days, with other hours?"))
    if so_far:
        text = say(flow.t("So far:")) + " " + say(clip(so_far, 500)) + "\n" + text
    rows = (
        (choice(flow, flow.t("Add other days"), "add"),),
        (choice(flow, flow.t("That's all"), "done"),),
    )
    return [message(flow, text, rows)]


def hours_confirm(flow: Flow) -> list[Reply]:
    words = describe(flow.draft.get("opening_hours") or "", flow.turn.lang)
    text = say(flow.t("I read your opening hours as:")) + f"\n<b>{say(clip(words, 500))}</b>\n"
    text += say(flow.t("Is that right?"))
    rows = (
        (choice(flow, flow.t("Yes, that's right"), "yes"), choice(flow, flow.t("No, type them again"), "no")),
    )
    return [message(flow, text, rows)]


def hours_holidays(flow: Flow) -> list[Reply]:
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


def products(flow: Flow) -> list[Reply]:
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


def story(flow: Flow) -> list[Reply]:
    question, sample = STORY_QUESTIONS[flow.state]
    key = flow.state
    text = say(flow.t(question)) + example(flow, flow.t(sample))
    current = flow.draft.get(key) or ""
    if current:
        text += "\n\n" + say(flow.t("Now:")) + " " + clip(current, 700, keep_newlines=True)
    return [message(flow, text, skip=True)]


def photo(flow: Flow) -> list[Reply]:
    return [message(flow, say(flow.t("Send a photo of your shop or your work (optional).")), skip=True)]


def contact_phone(flow: Flow) -> list[Reply]:
    text = flow.t("Which phone number may customers call? (optional)")
    return [message(flow, say(text) + example(flow, "+31 23 123 4567"), skip=True)]


def contact_website(flow: Flow) -> list[Reply]:
    text = flow.t("Your website? (optional)")
    return [message(flow, say(text) + example(flow, "www.example.org"), skip=True)]


def pickup(flow: Flow) -> list[Reply]:
    rows = ((choice(flow, flow.t("Yes"), "yes"), choice(flow, flow.t("No"), "no")),)
    return [message(flow, say(flow.t("Can customers order ahead and pick up?")), rows)]


def delivery_labels(t: Callable[[str], str]) -> dict[str, str]:
    return {"bike": t("By bike"), "post": t("By post"), "none": t("No delivery")}


def delivery(flow: Flow) -> list[Reply]:
    labels = delivery_labels(flow.t)
    rows = (tuple(choice(flow, labels[key], key) for key in fields.BY_NAME["delivery"].choices),)
    return [message(flow, say(flow.t("Do you deliver?")), rows)]
