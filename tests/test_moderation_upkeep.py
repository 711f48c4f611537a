"""Moderators kept in the database, the start-up warning, paging with true counts, claim and location
details on cards, each moderator's language, pending revisions approved and rejected, live changes with
rollback, product checks, and partner requests kept for a later owner."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import ownership
from catalog.models import Business, DailyCount, ModerationItem, Partner
from concierge import moderation
from concierge.app import App, open_app
from concierge.conversation import Conversation
from concierge.deeplinks import short_ref
from concierge.events import Notify, SendDocument, SendPhoto, SendText
from concierge.settings import Settings
from handlers.cli import main
from handlers.cli.serve import serving
from tests.test_owner_flow import STEPS_NL, run_steps
from tests.test_owner_support import MODERATOR, NOW, Chat, plain

pytest_plugins = ["tests.test_owner_support"]

OWNER = 611
OTHER = 612
BAKERY = "bakkerij-de-gouden-korst"


async def give(
    app: App, user_id: int, business_id: str = BAKERY, role: str = "owner", lang: str = "en"
) -> None:
    async with app.sessions.begin() as session:
        await ownership.add_role(session, business_id, user_id, role, lang)


async def business(app: App, business_id: str = BAKERY) -> Business:
    async with app.sessions() as session:
        found = await ownership.load(session, business_id)
        session.expunge_all()
        return found


def texts_to(replies: list[object], user_id: int) -> str:
    return "\n".join(
        plain(r.reply.html)
        for r in replies
        if isinstance(r, Notify) and r.chat_id == user_id and isinstance(r.reply, SendText)
    )


# -- moderators on the command line and at start-up --------------------------------------------------


def test_moderators_add_list_remove_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONCIERGE_ADMIN_IDS", raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path}/mods.db"
    assert main(["moderators", "list", "--db", url]) == 0
    assert "no moderators" in capsys.readouterr().out
    assert main(["moderators", "add", "4242", "--db", url]) == 0
    assert main(["moderators", "add", "17", "--db", url]) == 0
    assert main(["moderators", "add", "17", "--db", url]) == 0
    assert "already" in capsys.readouterr().out
    assert main(["moderators", "list", "--db", url]) == 0
    assert capsys.readouterr().out.split() == ["17", "database", "4242", "database"]
    assert main(["moderators", "remove", "17", "--db", url]) == 0
    assert main(["moderators", "remove", "17", "--db", url]) == 2
    assert "not a moderator" in capsys.readouterr().err
    assert main(["moderators", "add", "bob", "--db", url]) == 2
    assert "not a Telegram user id" in capsys.readouterr().err
    assert main(["moderators", "list", "--db", url]) == 0
    assert capsys.readouterr().out.split() == ["4242", "database"]


async def test_serve_warns_at_start_when_there_are_no_moderators(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/serve.db"
    settings = Settings(_env_file=None, database_url=url, web_port=0)  # type: ignore[call-arg]

    async def serve_once() -> None:
        stop = asyncio.Event()
        ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(serving(settings, "aiogram", stop, ready))
        await asyncio.wait_for(ready, 60)
        stop.set()
        await asyncio.wait_for(task, 30)

    with caplog.at_level(logging.WARNING, logger="concierge.moderation"):
        await serve_once()
    assert any("no moderators" in r.getMessage() for r in caplog.records if r.name == "concierge.moderation")
    caplog.clear()
    app = await open_app(settings, migrate=False)
    try:
        await moderation.add_moderator(app.sessions, 4242)
    finally:
        await app.close()
    with caplog.at_level(logging.WARNING, logger="concierge.moderation"):
        await serve_once()
    assert not [r for r in caplog.records if "no moderators" in r.getMessage()]


async def test_a_database_moderator_moderates_and_an_owner_hears_the_truth_without_any(app: App) -> None:
    app.settings = app.settings.model_copy(update={"admin_ids": frozenset()})
    conversation = Conversation(app)
    owner = Chat(conversation, OWNER, "nl")
    await owner.cmd("mybusiness")
    await owner.press("Nieuwe vermelding maken")
    await run_steps(owner, STEPS_NL)
    await owner.press("Insturen")
    assert "nog geen moderatoren" in owner.said()
    await moderation.add_moderator(app.sessions, 4242)
    newcomer = Chat(conversation, 4242, "en")
    await newcomer.cmd("moderate")
    assert "Open items: 1" in newcomer.said() and "New listing" in newcomer.said()
    await newcomer.press("Approve")
    async with app.sessions() as session:
        spaak = await session.scalar(select(Business).where(Business.name == "Fietsmaker Spaak"))
        assert spaak is not None and spaak.status == "published"


# -- the queue -----------------------------------------------------------------------------------------


async def test_the_queue_pages_with_true_counts(app: App) -> None:
    conversation = Conversation(app)
    ids = [b.id for b in app.search.businesses()][:7]
    for number, business_id in enumerate(ids):
        await Chat(conversation, 5000 + number, "en").data(f"rep:{short_ref(business_id)}:wrong")
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    said = moderator.said()
    assert "Open items: 7 · page 1 of 2" in said
    assert said.count("Report by a resident") == 5 and "Items 1 to 5 of 7." in said
    await moderator.press("Next ▶")
    said = moderator.said()
    assert "Open items: 7 · page 2 of 2" in said and said.count("Report by a resident") == 2
    assert "Items 6 to 7 of 7." in said and "◀ Previous" in moderator.labels()


async def test_a_claim_card_names_the_claimant_and_the_evidence_in_the_moderators_language(app: App) -> None:
    conversation = Conversation(app)
    german = Chat(conversation, MODERATOR, "de")
    await german.cmd("moderate")
    claimer = Chat(conversation, OTHER, "en")
    await claimer.cmd("mybusiness")
    await claimer.press("Claim an existing listing")
    await claimer.send("Gouden Korst")
    await claimer.press(1)
    replies = await claimer.send("I bake here since 2009; the number on the window is mine.")
    card = texts_to(replies, MODERATOR)
    assert f"Telegram-Nutzer {OTHER}" in card, "who claims, in German"
    assert "Nachweis: I bake here since 2009" in card, "on what grounds"
    assert "Karte öffnen" in card and "vom Zentrum" in card


async def test_a_remote_pin_shows_a_map_link_address_and_distance(app: App) -> None:
    await give(app, OWNER)
    async with app.sessions.begin() as session:
        await ownership.queue_revision(
            session, BAKERY, OWNER, {"lat": 48.8566, "lon": 2.3522, "address": "Rue X 1"}
        )
    moderator = Chat(Conversation(app), MODERATOR, "en")
    replies = await moderator.cmd("moderate")
    card = next(r for r in replies if isinstance(r, SendText) and "#" in r.html)
    assert "openstreetmap.org/?mlat=48.856600&amp;mlon=2.352200" in card.html
    said = moderator.said()
    assert "Rue X 1" in said and "outside the area" in said
    kilometres = float(said.split(" km from the centre")[0].split()[-1].replace(",", ""))
    assert 400 <= kilometres <= 460, said


# -- revisions and the live-change feed ----------------------------------------------------------------


async def test_a_pending_revision_is_approved_and_another_rejected(app: App) -> None:
    await give(app, OWNER)
    conversation = Conversation(app, clock=lambda: NOW)
    owner = Chat(conversation, OWNER, "en")
    ref = short_ref(BAKERY)
    await owner.data(f"o:e:{ref}:name")
    replies = await owner.send("Gouden Korst Deluxe")
    assert "a moderator looks at it first" in owner.said()
    assert "→ Gouden Korst Deluxe" in texts_to(replies, MODERATOR), "the moderators are told"
    assert (await business(app)).name == "Bakkerij De Gouden Korst", "the approved name stays live"
    assert app.search.business(BAKERY).name == "Bakkerij De Gouden Korst"  # type: ignore[union-attr]

    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    assert "Bakkerij De Gouden Korst\n→ Gouden Korst Deluxe" in moderator.said()
    replies = await moderator.press("Approve")
    assert "approved" in texts_to(replies, OWNER)
    assert (await business(app)).name == "Gouden Korst Deluxe"
    assert app.search.business(BAKERY).name == "Gouden Korst Deluxe"  # type: ignore[union-attr]

    await owner.data(f"o:e:{ref}:photo")
    replies = await owner.photo("photo-scam")
    assert any(
        isinstance(r, Notify) and isinstance(r.reply, SendPhoto) and r.reply.photo_ref == "photo-scam"
        for r in replies
    )
    await moderator.cmd("moderate")
    await moderator.press("Reject")
    replies = await moderator.send("The photo shows another shop.")
    told = texts_to(replies, OWNER)
    assert "was not approved" in told and "another shop" in told
    assert (await business(app)).photo != "photo-scam"
    async with app.sessions() as session:
        decided = list(await session.scalars(select(ModerationItem).where(ModerationItem.kind == "revision")))
    assert sorted(i.status for i in decided) == ["approved", "rejected"]
    assert all(i.decided_by == MODERATOR for i in decided)


async def test_hours_go_live_at_once_and_a_moderator_rolls_them_back(app: App) -> None:
    await give(app, OWNER)
    before = (await business(app)).opening_hours
    conversation = Conversation(app, clock=lambda: NOW)
    owner = Chat(conversation, OWNER, "en")
    await owner.data(f"o:e:{short_ref(BAKERY)}:hours")
    await owner.send("Mo-Su 00:00-23:59")
    assert "daily 0:00–23:59" in owner.said(), "typed hours are read back in words first"
    replies = await owner.press("Yes, that's right")
    assert "Saved." in owner.said()
    assert "Wijziging al zichtbaar" in texts_to(replies, MODERATOR), "in the default language until known"
    assert (await business(app)).opening_hours == "Mo-Su 00:00-23:59"
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    replies = await moderator.press("Roll back")
    assert "undone" in texts_to(replies, OWNER)
    assert (await business(app)).opening_hours == before
    await moderator.cmd("moderate")
    assert "The queue is empty" in moderator.said()


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("+ brood, zie www.goedkoop-brood.example.com", "links"),
        ("+ taart bestellen via https://t.me/scam", "links"),
        ("+ bel 06 12345678 voor taart", "phone numbers"),
        ("+ het allerlekkerste brood van de hele stad en omstreken dat je ooit hebt geproefd", "short"),
    ],
)
async def test_product_lines_with_links_phones_or_long_text_are_refused(
    app: App, line: str, why: str
) -> None:
    await give(app, OWNER)
    owner = Chat(Conversation(app, clock=lambda: NOW), OWNER, "en")
    names_before = [p.name for p in (await business(app)).products]
    await owner.send(line)
    assert "Not saved" in owner.said() and why in owner.said()
    assert [p.name for p in (await business(app)).products] == names_before


async def test_a_product_added_by_a_quick_command_reaches_the_feed_and_can_be_rolled_back(app: App) -> None:
    await give(app, OWNER)
    conversation = Conversation(app, clock=lambda: NOW)
    owner = Chat(conversation, OWNER, "en")
    names_before = [p.name for p in (await business(app)).products]
    replies = await owner.send("+ Haverbrood")
    assert "Haverbrood" in texts_to(replies, MODERATOR)
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    await moderator.press("Roll back")
    assert [p.name for p in (await business(app)).products] == names_before


# -- partner requests kept for a later owner ---------------------------------------------------------


async def test_a_partner_request_to_an_unowned_business_reaches_its_later_owner(app: App) -> None:
    other = next(b.id for b in app.search.businesses() if b.id != BAKERY)
    await give(app, OWNER, other)
    conversation = Conversation(app, clock=lambda: NOW)
    asker = Chat(conversation, OWNER, "en")
    await asker.data(f"o:x:{short_ref(other)}:partners")
    await asker.send("Gouden Korst")
    await asker.press(1)
    assert "has no owner in the bot yet" in asker.said()

    claimer = Chat(conversation, OTHER, "en")
    await claimer.cmd("mybusiness")
    await claimer.press("Claim an existing listing")
    await claimer.send("Gouden Korst")
    await claimer.press(1)
    await claimer.send("I am the baker.")
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    replies = await moderator.press("Approve")
    [request] = [
        r.reply
        for r in replies
        if isinstance(r, Notify) and r.chat_id == OTHER and isinstance(r.reply, SendText) and r.reply.buttons
    ]
    assert "would like to show your business as a partner" in plain(request.html)
    await claimer.data(request.buttons[0][0].data or "")
    async with app.sessions() as session:
        link = await session.get(Partner, (other, BAKERY))
    assert link is not None and link.confirmed


# -- roles (docs/roles.md) ---------------------------------------------------------------------------


async def test_co_owners_keep_but_do_not_delete_and_everyone_hears_of_a_deletion(app: App) -> None:
    await give(app, OWNER)
    conversation = Conversation(app, clock=lambda: NOW)
    owner, co_owner, staff = (
        Chat(conversation, OWNER, "en"),
        Chat(conversation, OTHER, "de"),
        Chat(conversation, 613, "fr"),
    )
    ref = short_ref(BAKERY)
    await owner.data(f"o:x:{ref}:invo")
    await co_owner.cmd("mybusiness", owner.said().split("Invite code: ")[1].split()[0])
    assert "Mitinhaber" in co_owner.said()
    await co_owner.data(f"o:x:{ref}:invs")
    await staff.cmd("mybusiness", co_owner.said().split(": ")[1].split()[0])
    async with app.sessions() as session:
        assert dict(await ownership.people_of(session, BAKERY)) == {
            OWNER: "owner",
            OTHER: "coowner",
            613: "staff",
        }

    await co_owner.cmd("mybusiness")
    assert any(b.data == f"o:x:{ref}:export" for b in co_owner.buttons), "a co-owner exports"
    assert not any(b.data == f"o:x:{ref}:delete" for b in co_owner.buttons), "no delete button for a co-owner"
    await co_owner.data(f"o:x:{ref}:delete")
    await co_owner.data(f"o:del:{ref}")
    await co_owner.data(f"o:rm:{ref}:613")
    async with app.sessions() as session:
        assert len(await ownership.people_of(session, BAKERY)) == 3, "a co-owner neither deletes nor removes"

    await owner.data(f"o:x:{ref}:people")
    labels = owner.labels()
    assert f"Make {OWNER} the owner" not in labels and f"Remove {OWNER}" not in labels
    assert {f"Remove {OTHER}", f"Make {OTHER} the owner", "Remove 613"} <= set(labels)
    await owner.press(f"Remove {OTHER}")
    async with app.sessions() as session:
        assert await ownership.role_of(session, BAKERY, OTHER) is None, "a co-owner can be removed"

    await owner.data(f"o:x:{ref}:delete")
    replies = await owner.press("Yes, delete everything")
    told = [r for r in replies if isinstance(r, Notify)]
    assert [r.chat_id for r in told] == [613]
    assert f"L'utilisateur Telegram {OWNER}, un propriétaire, a supprimé" in plain(told[0].reply.html)  # type: ignore[union-attr]


# -- a complete export -------------------------------------------------------------------------------


async def test_the_export_holds_photo_roles_moderation_history_and_statistics(app: App) -> None:
    await give(app, OWNER)
    await give(app, 613, role="staff")
    async with app.sessions.begin() as session:
        session.add(DailyCount(subject=f"business:{BAKERY}", day=NOW.date(), kind="shown", count=12))
        session.add(DailyCount(subject=f"business:{BAKERY}", day=NOW.date(), kind="shared", count=2))
        (await ownership.load(session, BAKERY)).photo = "photo-bakery"
        session.add(
            ModerationItem(kind="claim", business_id=BAKERY, requested_by=999, note="secret evidence")
        )
    conversation = Conversation(app, clock=lambda: NOW)
    owner = Chat(conversation, OWNER, "en")
    await owner.data(f"o:e:{short_ref(BAKERY)}:name")
    await owner.send("Gouden Korst Deluxe")
    replies = await owner.data(f"o:x:{short_ref(BAKERY)}:export")
    files = {r.filename: r.content.decode() for r in replies if isinstance(r, SendDocument)}

    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(files[f"{BAKERY}-{name}.csv"])))

    assert rows("roles") == [
        {"telegram_user_id": "611", "role": "owner"},
        {"telegram_user_id": "613", "role": "staff"},
    ]
    history = rows("moderation")
    assert [(h["kind"], h["status"]) for h in history] == [("claim", "open"), ("revision", "open")]
    assert (
        "secret" not in files[f"{BAKERY}-moderation.csv"] and "999" not in files[f"{BAKERY}-moderation.csv"]
    )
    assert '"name": "Gouden Korst Deluxe"' in history[1]["changes"]
    assert '"name": "Bakkerij De Gouden Korst"' in history[1]["before"]
    assert rows("statistics") == [
        {"day": "2026-11-22", "shown": "12", "opened": "0", "mapped": "0", "shared": "2"}
    ]
    assert any(isinstance(r, SendPhoto) and r.photo_ref == "photo-bakery" for r in replies)
