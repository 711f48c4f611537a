"""The two steps built from the field registry (payment methods, wheelchair access): buttons and typed
answers in four languages, skip, a change from the preview, and an edit of a published listing that
goes live at once and can empty the field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import fields, ownership
from catalog.models import Business, FlowState, ModerationItem
from concierge.app import App
from concierge.deeplinks import short_ref
from concierge.events import SendText
from concierge.owners import field_steps
from concierge.routing import Conversation
from tests.test_owner_flow import start_flow
from tests.test_owner_support import Chat

pytest_plugins = ["tests.test_owner_support"]

OWNER = 631
INSIDE = (52.3871, 4.6561)
BAKERY = "bakkerij-de-gouden-korst"
PAYMENT = fields.BY_NAME["payment"]
WHEELCHAIR = fields.BY_NAME["wheelchair"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pin en contant", ["cash", "card"]),
        ("alleen pinnen", ["card"]),
        ("contactloos betalen kan ook", ["contactless"]),
        ("card only", ["card"]),
        ("cash and contactless", ["cash", "contactless"]),
        ("nur bar", ["cash"]),
        ("EC-Karte und kontaktlos", ["card", "contactless"]),
        ("espèces, carte bancaire", ["cash", "card"]),
        ("sans contact", ["contactless"]),
        ("bitcoin", []),
    ],
)
def test_typed_payment_methods_in_four_languages(text: str, expected: list[str]) -> None:
    assert field_steps.read_many(PAYMENT, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja", "yes"),
        ("jazeker", "yes"),
        ("yes, everywhere", "yes"),
        ("oui", "yes"),
        ("gedeeltelijk", "limited"),
        ("partly, one step at the door", "limited"),
        ("teilweise, eine Stufe", "limited"),
        ("en partie", "limited"),
        ("nee", "no"),
        ("nein", "no"),
        ("non", "no"),
        ("weet ik niet", "unknown"),
        ("I don't know", "unknown"),
        ("weiß nicht", "unknown"),
        ("je ne sais pas", "unknown"),
        ("misschien", None),
    ],
)
def test_typed_wheelchair_access_in_four_languages(text: str, expected: str | None) -> None:
    assert field_steps.read_one(WHEELCHAIR, text) == expected


async def state_of(app: App) -> dict[str, object]:
    async with app.sessions() as session:
        row = await session.scalar(select(FlowState).where(FlowState.key == f"owner:{OWNER}"))
        assert row is not None
        return dict(row.data)


async def draft_of(app: App) -> dict[str, object]:
    draft = (await state_of(app))["draft"]
    assert isinstance(draft, dict)
    return draft


async def to_payment(owner: Chat) -> None:
    """A new listing up to the payment step, every optional step skipped."""
    await start_flow(owner)
    await owner.send("Bakkerij Rogge")
    await owner.send("bakery")
    await owner.press(1)
    await owner.location(*INSIDE)
    await owner.data("o:f:hours:skip")
    await owner.send("rye bread")
    await owner.data("o:f:products:done")
    for state in ("story_who", "story_how", "story_why", "photo", "contact_phone", "contact_website"):
        await owner.data(f"o:f:{state}:skip")
    await owner.data("o:f:pickup:yes")
    await owner.data("o:f:delivery:none")


@pytest.mark.parametrize(
    ("lang", "buttons", "done", "access", "preview_lines"),
    [
        (
            "nl",
            ["Contant", "Pin / kaart"],
            "Klaar",
            "Gedeeltelijk",
            ["Betalen: Contant, Pin / kaart", "Rolstoeltoegankelijk: Gedeeltelijk"],
        ),
        (
            "en",
            ["Card", "Contactless"],
            "Done",
            "Yes",
            ["Payment: Card, Contactless", "Wheelchair access: Yes"],
        ),
        ("de", ["Bar"], "Fertig", "Nein", ["Bezahlen: Bar", "Rollstuhlgerecht: Nein"]),
        (
            "fr",
            ["Sans contact", "Espèces"],
            "Terminé",
            "En partie",
            ["Paiement: Espèces, Sans contact", "Accès en fauteuil roulant: En partie"],
        ),
    ],
)
async def test_buttons_in_four_languages_then_the_preview_and_the_listing(
    app: App, lang: str, buttons: list[str], done: str, access: str, preview_lines: list[str]
) -> None:
    owner = Chat(Conversation(app), OWNER, lang)
    await to_payment(owner)
    for label in buttons:
        replies = await owner.press(label)
        assert f"✓ {label}" in owner.labels()
        redrawn = [r for r in replies if isinstance(r, SendText)]
        assert redrawn and redrawn[-1].edit_message_id is not None, "the same message, not a new one"
    await owner.press(f"✓ {buttons[0]}")
    assert buttons[0] in owner.labels(), "a second press takes it off again"
    await owner.press(buttons[0])
    await owner.press(done)
    assert (await state_of(app))["state"] == "wheelchair"
    await owner.press(access)
    said = owner.said()
    assert (await state_of(app))["state"] == "preview"
    for line in preview_lines:
        assert line in said
    await owner.press({"nl": "Insturen", "en": "Submit", "de": "Einreichen", "fr": "Soumettre"}[lang])
    async with app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Bakkerij Rogge"))
        assert business is not None
        expected = {
            "nl": ["cash", "card"],
            "en": ["card", "contactless"],
            "de": ["cash"],
            "fr": ["cash", "contactless"],
        }
        wheelchair = {"nl": "limited", "en": "yes", "de": "no", "fr": "limited"}
        assert (business.payment, business.wheelchair) == (expected[lang], wheelchair[lang])


@pytest.mark.parametrize(
    ("lang", "payment", "access", "expected"),
    [
        ("nl", "pin en contant", "weet ik niet", (["cash", "card"], "")),
        ("en", "card only", "partly", (["card"], "limited")),
        ("de", "nur bar", "ja", (["cash"], "yes")),
        ("fr", "carte et sans contact", "non", (["card", "contactless"], "no")),
    ],
)
async def test_typed_answers_through_the_flow(
    app: App, lang: str, payment: str, access: str, expected: tuple[list[str], str]
) -> None:
    owner = Chat(Conversation(app), OWNER, lang)
    await to_payment(owner)
    await owner.send(payment)
    await owner.send(access)
    draft = await draft_of(app)
    assert (draft["payment"], draft["wheelchair"]) == expected
    assert (await state_of(app))["state"] == "preview"


async def test_unreadable_answers_restate_and_skip_leaves_both_unknown(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await to_payment(owner)
    await owner.send("bitcoin")
    assert "Here are the choices again" in owner.said()
    assert {"Cash", "Card", "Contactless", "Done", "Skip"} <= set(owner.labels())
    await owner.press("Skip")
    await owner.send("maybe")
    assert (await state_of(app))["state"] == "wheelchair"
    assert {"Yes", "Partly", "No", "Don't know", "Skip"} <= set(owner.labels())
    await owner.press("Skip")
    draft = await draft_of(app)
    assert (await state_of(app))["state"] == "preview"
    assert draft.get("payment") in (None, []) and draft.get("wheelchair") in (None, "")
    said = owner.said()
    assert "Payment:" not in said and "Wheelchair access:" not in said
    await owner.press("Submit")
    async with app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Bakkerij Rogge"))
        assert business is not None and (business.payment, business.wheelchair) == ([], "")


async def test_changed_from_the_preview_straight_back(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await to_payment(owner)
    await owner.send("cash")
    await owner.send("no")
    assert {"Payment", "Wheelchair access"} <= set(owner.labels()), "both in the change menu"
    await owner.press("Payment")
    assert (await state_of(app))["state"] == "payment"
    assert "✓ Cash" in owner.labels()
    await owner.press("Card")
    await owner.press("Done")
    assert (await state_of(app))["state"] == "preview", "straight back, not through wheelchair access"
    assert "Payment: Cash, Card" in owner.said()
    await owner.press("Wheelchair access")
    await owner.press("Partly")
    assert (await state_of(app))["state"] == "preview"
    assert "Wheelchair access: Partly" in owner.said()


async def published(app: App) -> Business:
    async with app.sessions() as session:
        business = await ownership.load(session, BAKERY)
        session.expunge_all()
        return business


async def test_an_edit_goes_live_at_once_and_can_empty_the_field(app: App) -> None:
    async with app.sessions.begin() as session:
        await ownership.add_role(session, BAKERY, OWNER, "owner", "en")
    owner = Chat(Conversation(app), OWNER, "en")
    ref = short_ref(BAKERY)
    await owner.cmd("mybusiness")
    assert {"✏️ Payment", "✏️ Wheelchair access"} <= set(owner.labels())
    await owner.data(f"o:e:{ref}:payment")
    assert "Remove" not in owner.labels(), "nothing to empty yet"
    await owner.press("Contactless")
    await owner.press("Done")
    assert "Saved." in owner.said()
    await owner.data(f"o:e:{ref}:access")
    await owner.send("gedeeltelijk")
    assert "Saved." in owner.said()
    business = await published(app)
    assert (business.payment, business.wheelchair) == (["contactless"], "limited"), "no moderator needed"
    assert app.search.business(BAKERY).wheelchair == "limited", "residents see it at once"  # type: ignore[union-attr]
    async with app.sessions() as session:
        waiting = await session.scalars(select(ModerationItem).where(ModerationItem.business_id == BAKERY))
        kinds = {item.kind for item in waiting if item.status == "open"}
        assert "revision" not in kinds and "change" in kinds, "live, in the moderators' feed for a rollback"

    await owner.data(f"o:e:{ref}:access")
    assert "Now: Partly" in owner.said()
    await owner.press("Remove")
    await owner.data(f"o:e:{ref}:payment")
    await owner.press("Remove")
    assert "Saved." in owner.said()
    business = await published(app)
    assert (business.payment, business.wheelchair) == ([], "")
