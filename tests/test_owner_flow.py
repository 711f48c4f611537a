"""The guided listing flow on the conversation core: the whole way, back and cancel at each step,
validation and a restart in the middle (the table and its diagram: test_owner_machines.py)."""

from __future__ import annotations

from sqlalchemy import select

from catalog.models import Business, BusinessRole, FlowState, ModerationItem, Product
from concierge.app import App, open_app
from concierge.deeplinks import short_ref
from concierge.events import SendText, SendVenue
from concierge.routing import Conversation
from tests.test_owner_support import MODERATOR, Chat, owner_settings

pytest_plugins = ["tests.test_owner_support"]

OWNER = 555

STEPS_EN: list[tuple[str, object]] = [
    ("send", "Bakkerij <b>Proef</b>"),
    ("send", "bakery"),
    ("press", 1),
    ("send", "Kastanjeplein 7"),
    ("press", "Yes, that's it"),
    ("press", "Help me build them"),
    ("press", "Tuesday to Saturday"),
    ("send", "8:30-17:30"),
    ("send", "12:30-13:00"),
    ("press", "That's all"),
    ("press", "Closed on public holidays"),
    ("press", "Yes, that's right"),
    ("send", "spelt bread\ncroissants\nSpelt bread"),
    ("send", "rye bread, Croissants"),
    ("press", "Done"),
    ("send", "Ann & Bob <i>bakers</i>"),
    ("press", "Skip"),
    ("send", "Because bread matters."),
    ("photo", "photo-file-1"),
    ("send", "023 123 4567"),
    ("send", "example.org"),
    ("press", "Yes"),
    ("press", "By bike"),
    ("press", "Card"),
    ("press", "Contactless"),
    ("press", "Done"),
    ("send", "partly, one step at the door"),
]

STEPS_NL: list[tuple[str, object]] = [
    ("send", "Fietsmaker Spaak"),
    ("send", "fietsenmaker"),
    ("press", 1),
    ("location", (52.3871, 4.6561)),
    ("send", "Tu-Sa 09:00-18:00"),
    ("press", "Ja, klopt"),
    ("send", "band plakken\nfietsen verkopen"),
    ("press", "Klaar"),
    ("press", "Overslaan"),
    ("press", "Overslaan"),
    ("press", "Overslaan"),
    ("press", "Overslaan"),
    ("press", "Overslaan"),
    ("press", "Overslaan"),
    ("press", "Nee"),
    ("press", "Geen bezorging"),
    ("send", "pin en contant"),
    ("press", "Weet ik niet"),
]


async def run_steps(chat: Chat, steps: list[tuple[str, object]]) -> None:
    for kind, value in steps:
        if kind == "location":
            await chat.location(*value)  # type: ignore[misc]
        else:
            await getattr(chat, kind)(value)


async def start_flow(chat: Chat) -> None:
    await chat.cmd("mybusiness")
    labels = chat.labels()
    await chat.press(labels[0])


async def test_full_creation_in_english_then_moderator_approval(app: App) -> None:
    conversation = Conversation(app)
    owner = Chat(conversation, OWNER, "en")
    replies = await owner.cmd("start")
    assert "I have a business here" in owner.labels()
    await owner.press("I have a business here")
    await owner.press("Create a new listing")
    await run_steps(owner, STEPS_EN)
    preview = owner.said()
    assert "Bakkerij <b>Proef</b>" in preview, "HTML in a name is shown literally"
    assert "Tue–Sat 8:30–12:30, 13:00–17:30; closed on public holidays" in preview, "hours in words"
    assert "Kastanjeplein 7" in preview and "+31 23 123 4567" in preview and "https://example.org" in preview
    assert "spelt bread, croissants, rye bread" in preview
    replies = await owner.press("Submit")
    assert "moderators" in owner.said()
    to_moderator = owner.notes_to(MODERATOR)
    assert to_moderator and isinstance(to_moderator[0], SendText)
    assert "&lt;b&gt;Proef&lt;/b&gt;" in to_moderator[0].html

    async with app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Bakkerij <b>Proef</b>"))
        assert business is not None
        assert business.status == "pending"
        assert business.photo == "photo-file-1" and business.delivery == "bike" and business.pickup
        assert business.story_who == "Ann & Bob <i>bakers</i>" and business.story_how == ""
        assert business.categories == ["shop=bakery"]
        assert business.payment == ["card", "contactless"] and business.wheelchair == "limited"
        business_id = business.id
        assert await session.get(FlowState, f"owner:{OWNER}") is None
    assert app.search.business(business_id) is None, "pending listings are not visible to residents"
    resident = Chat(conversation, 777, "en")
    await resident.send("Bakkerij Proef")
    assert "Proef" not in resident.said()

    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    assert "Bakkerij <b>Proef</b>" in moderator.said()
    item_buttons = [b for b in moderator.buttons if b.text == "Approve"]
    replies = await moderator.data(item_buttons[-1].data or "")
    assert "published" in moderator.said()
    told = [r for r in replies if getattr(r, "chat_id", None) == OWNER]
    assert told and "approved" in told[0].reply.html  # type: ignore[union-attr]
    assert app.search.business(business_id) is not None
    await resident.send("spelt bread")
    assert "Proef" in resident.said()


async def test_full_creation_in_dutch_with_a_pin_and_the_owner_told_in_dutch(app: App) -> None:
    conversation = Conversation(app)
    owner = Chat(conversation, OWNER, "nl")
    await owner.cmd("mybusiness")
    await owner.press("Nieuwe vermelding maken")
    assert "Hoe heet je zaak?" in owner.said()
    await run_steps(owner, STEPS_NL)
    assert "Zo zien buurtbewoners je vermelding." in owner.said()
    await owner.press("Insturen")
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    await moderator.press("Reject")
    replies = await moderator.send("Please add your opening story.")
    told = [r.reply for r in replies if getattr(r, "chat_id", None) == OWNER]  # type: ignore[union-attr]
    assert told and "niet goedgekeurd" in told[0].html and "Please add your opening story." in told[0].html  # type: ignore[union-attr]
    async with app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Fietsmaker Spaak"))
        assert business is not None and business.status == "draft"
        assert (business.lat, business.lon) == (52.3871, 4.6561)
        assert business.opening_hours == "Tu-Sa 09:00-18:00"
        products = await session.scalars(select(Product).where(Product.business_id == business.id))
        kinds = {p.name: p.kind for p in products}
        assert kinds == {"band plakken": "service", "fietsen verkopen": "product"}, kinds


async def flow_state(app: App) -> str | None:
    async with app.sessions() as session:
        row = await session.get(FlowState, f"owner:{OWNER}")
        return None if row is None else str(row.data["state"])


async def test_back_and_cancel_at_every_step(app: App) -> None:
    """After k answers, Back returns to the step before and Cancel ends the flow with nothing saved."""
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    states = [await flow_state(app)]
    for step in STEPS_EN:
        await run_steps(owner, [step])
        states.append(await flow_state(app))
    await owner.press("Cancel")
    for count in range(len(STEPS_EN) + 1):
        await start_flow(owner)
        await run_steps(owner, STEPS_EN[:count])
        current = states[count]
        assert await flow_state(app) == current
        earlier = [state for state in states[:count] if state != current]
        await owner.press("« Back" if earlier else "Cancel")
        if earlier:
            assert await flow_state(app) == earlier[-1], (count, current)
            await owner.press("Cancel")
        assert "Nothing was saved" in owner.said()
        assert await flow_state(app) is None
    async with app.sessions() as session:
        assert await session.scalar(select(BusinessRole).where(BusinessRole.user_id == OWNER)) is None


async def test_confused_replies_restate_the_choices_and_stale_buttons_are_recognised(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    await run_steps(owner, STEPS_EN[:3])
    stale = next(b for b in owner.buttons if b.text == "« Back")
    await owner.send("I don't understand")
    assert "This is what I need now" in owner.said() and "Where is it?" in owner.said()
    await run_steps(owner, STEPS_EN[3:6])
    await owner.send("whatever")
    assert "could not read those days" in owner.said() and "Tuesday to Saturday" in owner.labels()
    await owner.location(52.38, 4.65)
    assert "I did not understand that" in owner.said() and "Tuesday to Saturday" in owner.labels()
    await owner.data(stale.data or "")
    assert "earlier step" in owner.said()


async def test_validation_explains_and_keeps_the_step(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    await owner.send("x" * 81)
    assert "1 to 80 characters" in owner.said()
    await owner.send("   ")
    assert "1 to 80" in owner.said()
    await run_steps(owner, STEPS_EN[:5])
    await owner.send("every day from nine")
    assert "could not read those opening hours" in owner.said() and "Mon-Fri 9-18, Sat 10-17" in owner.said()
    await owner.send("Mo-Fr 09:00-17:30")
    assert "Mon–Fri 9:00–17:30" in owner.said()
    await owner.press("Yes, that's right")
    await owner.send("y" * 81)
    assert "at most 80 characters" in owner.said()
    await owner.send("\n".join(f"product {i}" for i in range(201)))
    assert "more than 200" in owner.said()
    await owner.press("Done")
    await owner.send("z" * 601)
    assert "600 characters (now 601)" in owner.said()
    await owner.send("<script>alert(1)</script>")
    await owner.press("Skip")
    await owner.press("Skip")
    await owner.press("Skip")
    await owner.send("12")
    assert "does not look like a phone number" in owner.said()
    await owner.press("Skip")
    await owner.send("not a website")
    assert "website address" in owner.said()
    await owner.send("javascript:alert(1)")
    assert "website address" in owner.said()


async def test_a_restart_in_the_middle_resumes_where_it_stopped(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    await run_steps(owner, STEPS_EN[:13])
    url = app.settings.database_url
    await app.close()
    reopened = await open_app(owner_settings(url), migrate=False)
    try:
        again = Chat(Conversation(reopened), OWNER, "en")
        await again.cmd("mybusiness")
        assert "Welcome back" in again.said() and "spelt bread, croissants" in again.said()
        await run_steps(again, STEPS_EN[13:])
        await again.press("Submit")
        async with reopened.sessions() as session:
            business = await session.scalar(select(Business).where(Business.name == "Bakkerij <b>Proef</b>"))
            assert business is not None and business.status == "pending"
            assert business.opening_hours == "Tu-Sa 08:30-12:30,13:00-17:30; PH off"
            item = await session.scalar(
                select(ModerationItem).where(ModerationItem.business_id == business.id)
            )
            assert item is not None and item.kind == "listing" and item.requested_by == OWNER
    finally:
        await reopened.close()


async def test_the_hours_builder_takes_typed_days_in_the_owners_language(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "nl")
    await owner.cmd("mybusiness")
    await owner.press("Nieuwe vermelding maken")
    await run_steps(
        owner, [("send", "Kaasboer"), ("send", "kaas"), ("press", 1), ("location", (52.38, 4.65))]
    )
    await owner.press("Help me ze op te bouwen")
    await owner.send("wanneer ik zin heb")
    assert "di-za" in owner.said()
    await owner.send("ma, wo tot vr")
    await owner.send("9-17")
    await owner.press("Geen middagpauze")
    assert "ma, wo–vr 9:00–17:00" in owner.said()
    await owner.send("ja")
    await owner.send("za")
    await owner.send("10.00 tot 16.00")
    await owner.press("Geen middagpauze")
    await owner.press("Dat is alles")
    assert "feestdagen" in owner.said()
    await owner.send("misschien")
    assert "Dicht op feestdagen" in owner.labels(), "an answer that is no choice shows the choices again"
    await owner.press("Gewoon open")
    assert "ma, wo–vr 9:00–17:00; za 10:00–16:00" in owner.said()
    await owner.send("ja hoor")
    assert await flow_state(app) == "products"


async def test_location_confirm_no_goes_back_to_the_address(app: App) -> None:
    owner = Chat(Conversation(app), OWNER, "en")
    await start_flow(owner)
    await run_steps(owner, STEPS_EN[:3])
    replies = await owner.send("Kastanjeplein 7")
    assert any(isinstance(r, SendVenue) for r in replies)
    await owner.press("No, try again")
    assert "Where is it?" in owner.said()
    await owner.send("Nowhere street that does not exist 99")
    assert "could not find that address" in owner.said()


def test_business_refs_are_short() -> None:
    assert len(f"o:e:{short_ref('x' * 120)}:delivery".encode()) <= 64


async def test_unusable_stored_flow_data_is_dropped_not_failed_on(app: App) -> None:
    async with app.sessions.begin() as session:
        session.add(FlowState(key=f"owner:{OWNER}", data={"mode": "create", "state": "no-such-step"}))
    owner = Chat(Conversation(app), OWNER, "en")
    await owner.cmd("mybusiness")
    assert "You do not have a listing yet" in owner.said()
    async with app.sessions() as session:
        assert await session.get(FlowState, f"owner:{OWNER}") is None
