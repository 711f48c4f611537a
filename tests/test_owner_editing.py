"""Keeping a listing: edit every field, quick product commands, closures and special days, the version
check, forged buttons, invites, claims, partners, export and delete."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pyld import jsonld
from sqlalchemy import delete, func, select

from catalog import ownership
from catalog.models import Business, BusinessRole, DailyCount, Invite, ModerationItem, Partner, Product
from concierge.app import App
from concierge.deeplinks import short_ref
from concierge.events import AnswerCallback, SendDocument
from concierge.routing import Conversation
from tests.test_jsonld import offline_loader
from tests.test_owner_support import MODERATOR, Chat

pytest_plugins = ["tests.test_owner_support"]

OWNER = 601
STAFF = 602
STRANGER = 603
BAKERY = "bakkerij-de-gouden-korst"


async def give(app: App, user_id: int, business_id: str = BAKERY, role: str = "owner") -> None:
    async with app.sessions.begin() as session:
        await ownership.add_role(session, business_id, user_id, role, "en")


async def listing(app: App, business_id: str = BAKERY) -> Business:
    async with app.sessions() as session:
        business = await ownership.load(session, business_id)
        session.expunge_all()
        return business


async def test_an_edit_of_every_field(app: App) -> None:
    await give(app, OWNER)
    owner = Chat(Conversation(app), OWNER, "en")
    ref = short_ref(BAKERY)
    edits: list[tuple[str, list[tuple[str, Any]]]] = [
        ("name", [("send", "Bakkerij De Gouden Korst & Co")]),
        ("category", [("send", "pastry shop"), ("press", 1)]),
        ("location", [("location", (52.3866, 4.6556))]),
        ("hours", [("send", "Mo-Sa 08:00-17:00"), ("press", "Yes, that's right")]),
        ("products", [("send", "desem\nspelt"), ("press", "Done")]),
        ("story", [("send", "Wij zijn Marieke."), ("press", "Skip"), ("send", "Voor de buurt.")]),
        ("photo", [("photo", "photo-new")]),
        ("contact", [("send", "+31 23 000 0199"), ("send", "https://korst.example")]),
        ("delivery", [("press", "No"), ("press", "By post")]),
    ]
    for group, steps in edits:
        await owner.data(f"o:e:{ref}:{group}")
        for kind, value in steps:
            if kind == "location":
                await owner.location(*value)
            else:
                await getattr(owner, kind)(value)
        assert "Saved." in owner.said(), group
    business = await listing(app)
    assert business.name == "Bakkerij De Gouden Korst" and business.photo != "photo-new", "reviewed first"
    assert business.opening_hours == "Mo-Sa 08:00-17:00", "hours go live at once"
    moderator = Chat(Conversation(app), MODERATOR, "en")
    await moderator.cmd("moderate")
    await moderator.press("Approve")
    business = await listing(app)
    assert business.name == "Bakkerij De Gouden Korst & Co"
    assert business.categories and business.categories != ["shop=bakery"]
    assert (business.lat, business.lon) == (52.3866, 4.6556)
    assert business.opening_hours == "Mo-Sa 08:00-17:00"
    assert [p.name for p in business.products] == ["desem", "spelt"]
    assert business.story_who == "Wij zijn Marieke." and business.story_why == "Voor de buurt."
    assert business.story_how.startswith("Elke nacht"), "a skipped part keeps its text"
    assert business.photo == "photo-new"
    assert business.phone == "+31 23 000 0199" and business.website == "https://korst.example"
    assert business.pickup is False and business.delivery == "post"
    assert app.search.business(BAKERY).name == "Bakkerij De Gouden Korst & Co"  # type: ignore[union-attr]
    await owner.data(f"o:e:{ref}:contact")
    await owner.press("Remove")
    await owner.press("Skip")
    assert "Saved." in owner.said()
    await moderator.cmd("moderate")
    await moderator.press("Approve")
    business = await listing(app)
    assert business.phone == "" and business.website == "https://korst.example"


async def test_quick_product_commands_merge_and_mark(app: App) -> None:
    await give(app, OWNER)
    owner = Chat(Conversation(app), OWNER, "en")
    await owner.send("+ Haverbrood")
    assert "Added to" in owner.said() and "Haverbrood" in owner.said()
    await owner.send("+ haverbrood")
    assert "Nothing changed" in owner.said()
    await owner.send("- roggebrood")
    await owner.send("sold out: croissants")
    assert "sold out" in owner.said()
    business = await listing(app)
    names = [p.name for p in business.products]
    assert names.count("Haverbrood") == 1 and "roggebrood" not in names
    assert next(p for p in business.products if p.name == "croissants").sold_out
    view = app.search.business(BAKERY)
    assert view is not None and any(p.name == "Haverbrood" for p in view.products)
    resident = Chat(Conversation(app), 777, "en")
    await resident.send("- roggebrood")
    async with app.sessions() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Product).where(Product.name == "roggebrood")
            )
            == 0
        )


async def test_temporary_closure_in_the_owners_language_and_special_days(app: App) -> None:
    await give(app, OWNER)
    conversation = Conversation(app, clock=lambda: dt.datetime(2026, 12, 20, 10, tzinfo=dt.UTC))
    owner = Chat(conversation, OWNER, "nl")
    ref = short_ref(BAKERY)
    await owner.data(f"o:x:{ref}:closed")
    await owner.send("gesloten tot 3 januari")
    assert "Opgeslagen." in owner.said()
    business = await listing(app)
    assert (business.closed_from, business.closed_until) == (dt.date(2026, 12, 20), dt.date(2027, 1, 3))
    await owner.data(f"o:x:{ref}:special")
    await owner.send("24 december 10:00-14:00")
    await owner.data(f"o:x:{ref}:special")
    await owner.send("31 december gesloten")
    business = await listing(app)
    assert business.special_hours == {"2026-12-24": "10:00-14:00", "2026-12-31": "off"}
    await owner.data(f"o:x:{ref}:closed")
    await owner.send("morgen misschien")
    assert "geen datum" in owner.said()


async def test_concurrent_edits_ask_the_second_person_to_retry(app: App) -> None:
    await give(app, OWNER)
    await give(app, STAFF, role="staff")
    conversation = Conversation(app)
    first, second = Chat(conversation, OWNER, "en"), Chat(conversation, STAFF, "en")
    ref = short_ref(BAKERY)
    await first.data(f"o:e:{ref}:name")
    await second.data(f"o:e:{ref}:name")
    await first.send("First Name")
    assert "Saved." in first.said()
    await second.send("Second Name")
    assert "Someone else changed this listing" in second.said()
    async with app.sessions() as session:
        waiting = await session.scalar(select(ModerationItem).where(ModerationItem.kind == "revision"))
    assert waiting is not None and waiting.changes == {"name": "First Name"}, "only the first one waits"


async def test_forged_and_replayed_buttons_are_refused(app: App) -> None:
    await give(app, OWNER)
    conversation = Conversation(app)
    stranger = Chat(conversation, STRANGER, "en")
    ref = short_ref(BAKERY)
    for data in (
        f"o:e:{ref}:name",
        f"o:x:{ref}:delete",
        f"o:del:{ref}",
        f"o:x:{ref}:export",
        f"o:rm:{ref}:{OWNER}",
    ):
        replies = await stranger.data(data)
        assert any(isinstance(r, AnswerCallback) and "cannot" in r.text for r in replies), data
    replies = await stranger.data("mod:a:1")
    assert any(isinstance(r, AnswerCallback) and "cannot" in r.text for r in replies)
    await stranger.cmd("moderate")
    assert "for the neighbourhood's moderators" in stranger.said()
    await give(app, STAFF, role="staff")
    staff = Chat(conversation, STAFF, "en")
    await staff.data(f"o:del:{ref}")
    assert "cannot" in staff.said()
    assert app.search.business(BAKERY) is not None
    # a flow started on one business cannot be replayed after the role is gone
    await staff.data(f"o:e:{ref}:name")
    async with app.sessions.begin() as session:
        await ownership.remove_person(session, BAKERY, STAFF)
    await staff.send("Taken Over")
    assert "cannot" in staff.said()
    assert (await listing(app)).name == "Bakkerij De Gouden Korst"


async def test_invitation_roles_and_hand_over(app: App) -> None:
    await give(app, OWNER)
    conversation = Conversation(app)
    owner, newcomer = Chat(conversation, OWNER, "en"), Chat(conversation, STAFF, "de")
    ref = short_ref(BAKERY)
    await owner.data(f"o:x:{ref}:invs")
    code = owner.said().split("Invite code: ")[1].split()[0]
    replies = await newcomer.cmd("mybusiness", code)
    assert "Mitarbeiter" in newcomer.said()
    assert any(getattr(r, "chat_id", None) == OWNER for r in replies)
    again = Chat(conversation, STRANGER, "en")
    await again.cmd("mybusiness", code)
    assert "not valid, already used" in again.said()
    async with app.sessions() as session:
        assert await session.get(BusinessRole, (BAKERY, STAFF)) is not None
        assert (await session.get(Invite, code)).used_at is not None  # type: ignore[union-attr]
    await owner.data(f"o:ho:{ref}:{STAFF}")
    async with app.sessions() as session:
        assert (await session.get(BusinessRole, (BAKERY, STAFF))).role == "owner"  # type: ignore[union-attr]
        assert (await session.get(BusinessRole, (BAKERY, OWNER))).role == "staff"  # type: ignore[union-attr]
    new_owner = Chat(conversation, STAFF, "en")
    await new_owner.data(f"o:rm:{ref}:{OWNER}")
    async with app.sessions() as session:
        assert await session.get(BusinessRole, (BAKERY, OWNER)) is None


async def test_claiming_an_imported_business_needs_a_moderator(app: App) -> None:
    conversation = Conversation(app)
    claimer = Chat(conversation, OWNER, "en")
    await claimer.cmd("mybusiness")
    await claimer.press("Claim an existing listing")
    await claimer.send("Gouden Korst")
    await claimer.press(1)
    assert "yours" in claimer.said(), "the evidence is asked for"
    await claimer.send("I am the baker; the phone on the window is mine.")
    assert "sent to the moderators" in claimer.said()
    await claimer.data(f"o:e:{short_ref(BAKERY)}:name")
    assert "cannot" in claimer.said(), "not theirs before approval"
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    approve = next(b for b in moderator.buttons if b.text == "Approve")
    replies = await moderator.data(approve.data or "")
    assert any(getattr(r, "chat_id", None) == OWNER for r in replies)
    await claimer.data(f"o:e:{short_ref(BAKERY)}:name")
    await claimer.send("Gouden Korst")
    assert "Saved." in claimer.said()


async def test_partner_link_shows_only_after_the_other_owner_confirms(app: App) -> None:
    cafe = "cafe-de-kastanje"
    await give(app, OWNER)
    await give(app, STAFF, cafe)
    async with app.sessions.begin() as session:
        await session.execute(delete(Partner))
    await app.refresh_search()
    conversation = Conversation(app)
    owner, other = Chat(conversation, OWNER, "en"), Chat(conversation, STAFF, "en")
    await owner.data(f"o:x:{short_ref(BAKERY)}:partners")
    await owner.send("Café De Kastanje")
    await owner.press(1)
    notes = owner.notes_to(STAFF)
    assert notes and app.search.business(BAKERY).partners == ()  # type: ignore[union-attr]
    confirm = notes[0].buttons[0][0]  # type: ignore[union-attr]
    forged = await Chat(conversation, STRANGER, "en").data(confirm.data or "")
    assert any(isinstance(r, AnswerCallback) and "cannot" in r.text for r in forged)
    await other.data(confirm.data or "")
    assert "confirmed" in other.said()
    assert app.search.business(BAKERY).partners == (cafe,)  # type: ignore[union-attr]


async def test_export_contents_are_catalogue_json_and_valid_json_ld(app: App) -> None:
    await give(app, OWNER)
    owner = Chat(Conversation(app), OWNER, "en")
    replies = await owner.data(f"o:x:{short_ref(BAKERY)}:export")
    documents = {r.filename: r.content for r in replies if isinstance(r, SendDocument)}
    catalogue = json.loads(documents[f"{BAKERY}.json"])
    assert catalogue["businesses"][0]["id"] == BAKERY and any(
        p["name"] == "speltbrood" for p in catalogue["businesses"][0]["products"]
    )
    linked = json.loads(documents[f"{BAKERY}.jsonld"])
    expanded = jsonld.expand(linked, {"documentLoader": offline_loader})
    assert expanded and any("Gouden Korst" in json.dumps(node) for node in expanded)


async def test_delete_removes_everything_and_search_at_once(app: App) -> None:
    await give(app, OWNER)
    async with app.sessions.begin() as session:
        session.add(DailyCount(subject=f"business:{BAKERY}", day=dt.date(2026, 11, 1), kind="shown", count=3))
        session.add(ModerationItem(kind="report", business_id=BAKERY, reason="spam"))
    owner = Chat(Conversation(app), OWNER, "en")
    ref = short_ref(BAKERY)
    await owner.data(f"o:x:{ref}:delete")
    assert "cannot be undone" in owner.said()
    await owner.press("Yes, delete everything")
    assert "deleted" in owner.said()
    assert app.search.business(BAKERY) is None
    async with app.sessions() as session:
        assert await session.get(Business, BAKERY) is None
        for model, column in (
            (Product, Product.business_id),
            (BusinessRole, BusinessRole.business_id),
            (ModerationItem, ModerationItem.business_id),
        ):
            assert await session.scalar(select(func.count()).select_from(model).where(column == BAKERY)) == 0
        assert (
            await session.scalar(
                select(func.count())
                .select_from(Partner)
                .where((Partner.business_id == BAKERY) | (Partner.partner_id == BAKERY))
            )
            == 0
        )
        assert (
            await session.scalar(
                select(func.count()).select_from(DailyCount).where(DailyCount.subject == f"business:{BAKERY}")
            )
            == 0
        )


async def test_residents_report_into_the_moderation_queue(app: App) -> None:
    await give(app, OWNER)
    conversation = Conversation(app)
    resident = Chat(conversation, 777, "en")
    ref = short_ref(BAKERY)
    await resident.data(f"s:{ref}")
    assert "Report" in resident.labels()
    await resident.press("Report")
    await resident.press("Spam")
    assert "A moderator will look at it" in resident.said()
    async with app.sessions() as session:
        item = await session.scalar(select(ModerationItem).where(ModerationItem.kind == "report"))
        assert item is not None and item.requested_by is None and item.reason == "spam"
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    await moderator.press("Suspend listing")
    assert app.search.business(BAKERY) is None
