"""A friendlier listing flow (issue 14, items 4 and 8): typed yes/no and delivery answers in four
languages, categories read through the lexicon, products taken off during onboarding, any part
changed from the preview, a preview with everything residents see, and a pin outside the area."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import Business, FlowState
from concierge.app import App
from concierge.owners import checks
from concierge.routing import Conversation
from tests.test_owner_flow import start_flow
from tests.test_owner_support import Chat

pytest_plugins = ["tests.test_owner_support"]

OWNER = 621
INSIDE = (52.3871, 4.6561)
PARIS = (48.8566, 2.3522)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja", "yes"),
        ("Ja hoor!", "yes"),
        ("jazeker", "yes"),
        ("yes please", "yes"),
        ("sure", "yes"),
        ("ja, gerne", "yes"),
        ("genau", "yes"),
        ("oui", "yes"),
        ("d'accord", "yes"),
        ("nee", "no"),
        ("nee hoor", "no"),
        ("no thanks", "no"),
        ("nein", "no"),
        ("non merci", "no"),
        ("misschien", None),
        ("I have no idea what you mean by that really", None),
    ],
)
def test_typed_yes_and_no_in_four_languages(text: str, expected: str | None) -> None:
    assert checks.yes_no(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("met de fiets", "bike"),
        ("per bakfiets", "bike"),
        ("by bike", "bike"),
        ("mit dem Fahrrad", "bike"),
        ("à vélo", "bike"),
        ("met de post", "post"),
        ("we ship by mail", "post"),
        ("per Post", "post"),
        ("par la poste", "post"),
        ("nee", "none"),
        ("no delivery", "none"),
        ("keine Lieferung", "none"),
        ("pas de livraison", "none"),
        ("nee, alleen met de fiets", "bike"),
        ("op dinsdag", None),
    ],
)
def test_typed_delivery_answers_in_four_languages(text: str, expected: str | None) -> None:
    assert checks.delivery(text) == expected


async def state_of(app: App) -> dict[str, object]:
    async with app.sessions() as session:
        row = await session.scalar(select(FlowState).where(FlowState.key == f"owner:{OWNER}"))
        assert row is not None
        return dict(row.data)


async def to_products(owner: Chat, name: str, category: str) -> None:
    await start_flow(owner)
    await owner.send(name)
    await owner.send(category)
    await owner.press(1)
    await owner.location(*INSIDE)
    await owner.data("o:f:hours:skip")


@pytest.mark.parametrize(
    ("lang", "category", "pickup", "delivery", "expected"),
    [
        ("nl", "ambachtelijke bakker", "ja", "met de fiets", ("shop=bakery", True, "bike")),
        ("en", "artisan baker", "yes please", "by post", ("shop=bakery", True, "post")),
        ("de", "Bio-Bäckerei", "nein", "keine Lieferung", ("shop=bakery", False, "none")),
        ("fr", "boulangerie artisanale", "oui", "à vélo", ("shop=bakery", True, "bike")),
    ],
)
async def test_typed_answers_and_lexicon_categories_through_the_flow(
    app: App, lang: str, category: str, pickup: str, delivery: str, expected: tuple[str, bool, str]
) -> None:
    owner = Chat(Conversation(app), OWNER, lang)
    await to_products(owner, "Proefbakkerij", category)
    await owner.send("brood")
    await owner.data("o:f:products:done")
    for state in ("story_who", "story_how", "story_why", "photo", "contact_phone", "contact_website"):
        await owner.data(f"o:f:{state}:skip")
    await owner.send(pickup)
    await owner.send(delivery)
    await owner.data("o:f:payment:skip")
    await owner.data("o:f:wheelchair:skip")
    draft = (await state_of(app))["draft"]
    assert isinstance(draft, dict)
    assert (draft["categories"], draft["pickup"], draft["delivery"]) == ([expected[0]], *expected[1:])
    assert (await state_of(app))["state"] == "preview"


async def test_products_come_off_the_list_during_onboarding(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "nl")
    await to_products(owner, "Bakkerij Rogge", "bakkerij")
    await owner.send("roggebrood\ncroissants\nappeltaart")
    assert "“- naam”" in owner.said()
    await owner.send("- Croissants")
    assert "1 verwijderd" in owner.said()
    await owner.send("- taart met slagroom\nspeculaas")
    said = owner.said()
    assert "0 verwijderd" in said and "1 stond(en) niet op de lijst" in said and "1 toegevoegd" in said
    draft = (await state_of(app))["draft"]
    assert isinstance(draft, dict) and draft["products"] == ["roggebrood", "appeltaart", "speculaas"]


async def preview(owner: Chat) -> None:
    await to_products(owner, "Bakkerij Rogge", "bakery")
    await owner.send("rye bread")
    await owner.data("o:f:products:done")
    for state in ("story_who", "story_how", "story_why", "photo", "contact_phone", "contact_website"):
        await owner.data(f"o:f:{state}:skip")
    await owner.data("o:f:pickup:yes")
    await owner.data("o:f:delivery:bike")
    await owner.data("o:f:payment:skip")
    await owner.data("o:f:wheelchair:skip")


async def test_the_preview_shows_what_residents_see_and_jumps_to_any_part(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await preview(owner)
    said = owner.said()
    assert "Category: Bakery" in said
    assert "Can customers order ahead and pick up? Yes" in said and "Do you deliver? By bike" in said
    assert {"Name", "Category", "Opening hours", "Pickup and delivery"} <= set(owner.labels())
    await owner.press("Opening hours")
    await owner.send("Tue-Sat 8.30-17.30, Sunday closed")
    await owner.press("Yes, that's right")
    said = owner.said()
    assert (await state_of(app))["state"] == "preview", "straight back, not through every step"
    assert "Opening hours: Tue–Sat 8:30–17:30; Sun closed" in said
    await owner.press("Name")
    await owner.send("Bakkerij Rogge & Zonen")
    assert (await state_of(app))["state"] == "preview" and "Bakkerij Rogge &amp; Zonen" not in owner.said()
    assert "Bakkerij Rogge & Zonen" in owner.said()
    await owner.press("Submit")
    async with app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Bakkerij Rogge & Zonen"))
        assert business is not None and business.opening_hours == "Tu-Sa 08:30-17:30; Su off"
        assert business.delivery == "bike" and business.pickup


async def test_a_pin_outside_the_area_is_confirmed_with_its_distance(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    await owner.send("Far Away Bakery")
    await owner.send("bakery")
    await owner.press(1)
    await owner.location(*PARIS)
    said = owner.said()
    assert "outside the neighbourhood" in said and " km from the centre of " in said
    await owner.press("No, try again")
    assert (await state_of(app))["state"] == "location"
    await owner.location(*INSIDE)
    assert (await state_of(app))["state"] == "hours", "a pin inside the area needs no confirmation"
    await owner.cmd("cancel")
    await start_flow(owner)
    await owner.send("Far Away Bakery")
    await owner.send("bakery")
    await owner.press(1)
    await owner.location(*PARIS)
    await owner.send("yes")
    state = await state_of(app)
    draft = state["draft"]
    assert state["state"] == "hours" and isinstance(draft, dict) and (draft["lat"], draft["lon"]) == PARIS


async def test_the_builder_takes_a_second_day_group_typed_with_its_hours(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    await owner.send("Bakery Rye")
    await owner.send("bakery")
    await owner.press(1)
    await owner.location(*INSIDE)
    await owner.press("Help me build them")
    await owner.press("Monday to Friday")
    await owner.send("9am to 6pm")
    await owner.press("No lunch break")
    await owner.press("Add other days")
    await owner.send("Sat 10-4, Sunday closed")
    assert "So far: Mon–Fri 9:00–18:00; Sat 10:00–16:00; Sun closed" in owner.said()
    await owner.press("That's all")
    await owner.press("Closed on public holidays")
    assert "Mon–Fri 9:00–18:00; Sat 10:00–16:00; Sun closed; closed on public holidays" in owner.said()
    await owner.press("Yes, that's right")
    state = await state_of(app)
    draft = state["draft"]
    assert state["state"] == "products" and isinstance(draft, dict)
    assert draft["opening_hours"] == "Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su off; PH off"
