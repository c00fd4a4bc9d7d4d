"""A sent report's card, and the resident's confirmation with its reference, each reach their chat
at least once: through a staff chat past Telegram's 20 a minute, a 5xx, and a crash in between."""

from __future__ import annotations

import contextlib
import time

from telegram.error import RetryAfter

from tests.conftest import STAFF_CHAT_ID
from tests.deliveries import deliveries_done, later, run_deliveries, staff_cards
from tests.flows import REF, submit, walk_incident


async def test_cards_wait_for_a_busy_staff_chat_and_keep_their_order(team, make_user, clock, monkeypatch):
    bot = team.pingan.bot.application.bot
    with contextlib.suppress(RetryAfter):
        while True:  # until the staff chat has had Telegram's 20 messages this minute
            await bot.send_message(STAFF_CHAT_ID, "busy")
    second = make_user("Bob", language_code="en")
    first_ref = await submit(team.resident, await walk_incident(team.resident, phone="138 0013 8000"), card_in=None)
    second_ref = await submit(second, await walk_incident(second, description="Someone tried every car door."),
                              card_in=None)
    await deliveries_done(team.pingan)
    assert staff_cards(team.emulator) == []  # not yet: the chat's minute is full
    later(team.pingan, clock, monkeypatch, 62)
    await run_deliveries(team.pingan)
    cards = staff_cards(team.emulator)
    assert [REF.search(c["text"]).group(0) for c in cards] == [first_ref, second_ref]
    assert not [c for c in team.emulator.calls if c.error_code == 429]


async def test_a_5xx_on_the_confirmation_neither_skips_the_card_nor_loses_the_reference(team, clock, monkeypatch):
    resident = team.resident
    review = await walk_incident(resident, phone="138 0013 8000")
    team.emulator.fail_next("sendMessage", 502, chat_id=resident.chat_id)
    await resident.click(review, text="✅ Send the report")
    card = await team.emulator.wait_for(lambda: staff_cards(team.emulator))
    ref = REF.search(card[0]["text"]).group(0)
    assert not [m for m in resident.pending_replies() if "Sorry" in (m.get("text") or "")]
    await deliveries_done(team.pingan)  # the 502 is recorded, with its wait, before the wait passes
    later(team.pingan, clock, monkeypatch, 10)
    await run_deliveries(team.pingan)
    confirmation = await resident.reply()
    assert f"Reference: {ref}" in confirmation["text"]
    assert len(staff_cards(team.emulator)) == 1


async def test_a_card_refused_by_the_staff_chat_is_posted_after_a_restart(team, pingan):
    team.emulator.fail_next("sendMessage", 500, chat_id=STAFF_CHAT_ID)
    ref = await submit(team.resident, await walk_incident(team.resident, phone="138 0013 8000"), card_in=None)
    assert staff_cards(team.emulator) == []
    await pingan.restart()
    card = await team.emulator.wait_for(lambda: staff_cards(team.emulator))
    assert ref in card[0]["text"] and len(card) == 1


async def test_a_crash_after_storing_the_case_still_confirms_and_posts_it(team, pingan):
    """The process dies right after the case is stored: nothing was sent, nothing recorded as owed."""
    resident = team.resident
    await walk_incident(resident, phone="138 0013 8000")
    draft = await pingan.services.intake.draft(resident.user_id)
    stored = await pingan.services.reports.submit(draft, "en")  # what the press did before the kill
    await pingan.restart()
    confirmation = await resident.reply()
    assert f"Reference: {stored.case.ref}" in confirmation["text"]
    card = await team.emulator.wait_for(lambda: staff_cards(team.emulator))
    assert stored.case.ref in card[0]["text"]
    # Nothing owed twice: a second restart sends nothing more.
    started = time.monotonic()
    await pingan.restart()
    await resident.ask("/help")
    assert len(staff_cards(team.emulator)) == 1 and time.monotonic() - started < 10
    assert not [m for m in resident.pending_replies() if "Reference" in (m.get("text") or "")]


async def test_a_confirmation_goes_out_at_once_whatever_the_staff_chat_is_waiting_for(team, make_user):
    """The staff chat is slow to take a card: the run of deliveries is held up by it, and the
    reporters' confirmations do not wait for it, nor come twice."""
    emulator = team.emulator
    emulator.delays.delay_next("sendMessage", 2.0, chat_id=STAFF_CHAT_ID)
    first_ref = await submit(team.resident, await walk_incident(team.resident, phone="138 0013 8000"), card_in=None)
    second = make_user("Bob", language_code="en")
    second_ref = await submit(second, await walk_incident(second, description="Someone tried every car door."),
                              card_in=None)
    assert staff_cards(emulator) == []  # the first card is still on its way
    cards = await emulator.wait_for(lambda: len(staff_cards(emulator)) == 2 and staff_cards(emulator))
    assert [REF.search(c["text"]).group(0) for c in cards] == [first_ref, second_ref]
    await deliveries_done(team.pingan)
    for resident, ref in ((team.resident, first_ref), (second, second_ref)):
        confirmations = [m for m in emulator.bot_messages(resident.chat_id) if "Reference" in (m.get("text") or "")]
        assert len(confirmations) == 1 and ref in confirmations[0]["text"]
