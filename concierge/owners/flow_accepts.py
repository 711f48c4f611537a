"""What each step of the listing flow does with an answer: check it, keep it in the draft, and say where
to go (a state the flow table declares for the step, or :func:`onward` to its usual next one)."""

from __future__ import annotations

from collections import Counter

from catalog import fields, typed_hours
from catalog.ownership import fold, merge_names
from concierge.conversation.render import say
from concierge.geocoding import geocoder_for
from concierge.owners import checks
from concierge.owners.flow_kit import Flow, Input, Step, builder_week, not_understood, onward
from concierge.owners.flow_prompts import COMMON_SPANS, outside_area
from concierge.owners.steps import MISSES_FOR_BUTTONS
from concierge.understanding import understand

DAY_SETS = {
    "mo-fr": (0, 1, 2, 3, 4),
    "tu-sa": (1, 2, 3, 4, 5),
    "mo-sa": (0, 1, 2, 3, 4, 5),
    "daily": tuple(range(7)),
}


async def name(flow: Flow, given: Input) -> Step:
    if given.text is None:
        return not_understood()
    flow.draft["name"] = checks.name(given.text)
    return onward()


async def category(flow: Flow, given: Input) -> Step:
    suggestions = flow.data.get("suggestions") or []
    if given.choice is not None:
        if not given.choice.isdigit() or int(given.choice) >= len(suggestions):
            return not_understood()
        flow.draft["categories"] = [suggestions[int(given.choice)]]
        flow.data.pop("suggestions", None)
        return onward()
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


async def location(flow: Flow, given: Input) -> Step:
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


async def location_confirm(flow: Flow, given: Input) -> Step:
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


async def location_far(flow: Flow, given: Input) -> Step:
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


async def hours(flow: Flow, given: Input) -> Step:
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


async def hours_days(flow: Flow, given: Input) -> Step:
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
    flow.draft["opening_hours"] = typed_hours.compose(builder_week(week), closed_days=closed)
    return Step("hours_more")


async def hours_times(flow: Flow, given: Input) -> Step:
    if given.choice in COMMON_SPANS:
        flow.data.setdefault("builder", {})["times"] = list(COMMON_SPANS[given.choice])
        return Step("hours_lunch")
    if given.text is None:
        return not_understood()
    flow.data.setdefault("builder", {})["times"] = list(checks.time_span(given.text, flow.turn.lang))
    return Step("hours_lunch")


async def hours_lunch(flow: Flow, given: Input) -> Step:
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
    flow.draft["opening_hours"] = typed_hours.compose(builder_week(week), closed_days=builder["closed"])
    return Step("hours_more")


async def hours_more(flow: Flow, given: Input) -> Step:
    """Several groups of days, each with its own hours: a different Saturday is one more round."""
    answer = given.choice or checks.yes_no(given.text)
    if answer in {"add", "yes"}:
        return Step("hours_days")
    if answer in {"done", "no"}:
        return Step("hours_holidays")
    return not_understood()


async def hours_holidays(flow: Flow, given: Input) -> Step:
    """Public holidays follow the area's country calendar ("PH off" in OpenStreetMap hours)."""
    week = (flow.data.get("builder") or {}).get("week") or {}
    typed = {"yes": "open", "no": "off"}.get(checks.yes_no(given.text) or "")
    given = Input(choice=given.choice or typed)
    if given.choice not in ("off", "open") or not week:
        return not_understood()
    closed = (flow.data.get("builder") or {}).get("closed") or []
    flow.draft["opening_hours"] = typed_hours.compose(
        builder_week(week), closed_days=closed, closed_on_public_holidays=given.choice == "off"
    )
    flow.data.pop("builder", None)
    return Step("hours_confirm")


async def hours_confirm(flow: Flow, given: Input) -> Step:
    answer = given.choice or checks.yes_no(given.text)
    if answer == "yes" and flow.draft.get("opening_hours"):
        return Step("products")
    if answer == "no":
        return Step("hours")
    return not_understood()


REMOVE_MARKS = ("-", "−", "–", "✕")
"""A product line starting with one of these takes the product off the list ("- croissants")."""


async def products(flow: Flow, given: Input) -> Step:
    if given.choice == "done":
        return onward()
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


async def story(flow: Flow, given: Input) -> Step:
    """One of the story's three questions; the state is named after the field it fills."""
    if given.choice == "skip":
        return onward()
    if given.text is None:
        return not_understood()
    flow.draft[flow.state] = checks.story_part(given.text)
    return onward()


async def photo(flow: Flow, given: Input) -> Step:
    if given.choice == "skip":
        return onward()
    if given.photo is None:
        return not_understood()
    flow.draft["photo"] = given.photo
    return onward()


def _country(flow: Flow) -> str:
    area = flow.turn.app.search.area
    return area.country if area else "NL"


async def contact_phone(flow: Flow, given: Input) -> Step:
    if given.choice == "skip":
        return onward()
    if given.text is None:
        return not_understood()
    flow.draft["phone"] = checks.phone(given.text, _country(flow))
    return onward()


async def contact_website(flow: Flow, given: Input) -> Step:
    if given.choice == "skip":
        return onward()
    if given.text is None:
        return not_understood()
    flow.draft["website"] = checks.website(given.text)
    return onward()


async def pickup(flow: Flow, given: Input) -> Step:
    answer = given.choice or checks.yes_no(given.text)
    if answer not in {"yes", "no"}:
        return not_understood()
    flow.draft["pickup"] = answer == "yes"
    return onward()


async def delivery(flow: Flow, given: Input) -> Step:
    answer = given.choice or checks.delivery(given.text)
    if answer not in fields.BY_NAME["delivery"].choices:
        return not_understood()
    flow.draft["delivery"] = answer
    return onward()
