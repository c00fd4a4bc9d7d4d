"""A case card and a resident's confirmation are delivered at least once, so now and then twice: a
copy sent after an attempt that may have reached Telegram (a dropped connection, a request that
hung past the read timeout, a crash while it was out) says it is sent again; a copy after a
certain failure (a 5xx) does not. Found by tests/e2e/test_telegram_faults.py: cards and
confirmations arrived twice, unmarked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.case_cards import CaseCardRepo
from tests.conftest import STAFF_CHAT_ID
from tests.deliveries import deliveries_done, retry_deliveries, staff_cards
from tests.flows import REF, submit, walk_incident

#: The card's note in the (zh) staff chat, and the confirmation's for an English resident.
CARD_NOTE = "重发：这张卡片的上一份可能已送达。"
CONFIRMATION_NOTE = "Sent again: this message may have reached you twice. Your report was received once."


def _confirmations(emulator, resident) -> list[dict]:
    return [m for m in emulator.bot_messages(resident.chat_id) if "Reference" in (m.get("text") or "")]


async def _deliveries_again(team, clock, monkeypatch) -> None:
    """The failures are recorded with their wait, the wait passes and the deliveries job runs."""
    await retry_deliveries(team.pingan, clock, monkeypatch, 10)


async def test_after_a_dropped_connection_the_card_and_the_confirmation_say_they_are_sent_again(
        team, clock, monkeypatch):
    emulator, resident = team.emulator, team.resident
    review = await walk_incident(resident, phone="138 0013 8000")
    # Every message lost with its connection: Telegram may or may not have it.
    emulator.inject_faults(1.0, kinds=["drop"], methods=["sendMessage"])
    await resident.click(review, text="✅ Send the report")
    await emulator.wait_for(lambda: len([c for c in emulator.calls_to("sendMessage") if not c.ok]) >= 2)
    emulator.stop_faults()
    await _deliveries_again(team, clock, monkeypatch)
    confirmation = await resident.reply()
    assert confirmation["text"].endswith(CONFIRMATION_NOTE) and "Reference: PA-" in confirmation["text"]
    card = await emulator.wait_for(lambda: staff_cards(emulator))
    assert len(card) == 1 and CARD_NOTE in card[0]["text"]


async def test_after_a_5xx_the_copies_are_sent_again_unmarked(team, clock, monkeypatch):
    emulator, resident = team.emulator, team.resident
    review = await walk_incident(resident, phone="138 0013 8000")
    emulator.fail_next("sendMessage", 502, chat_id=resident.chat_id)
    emulator.fail_next("sendMessage", 500, chat_id=STAFF_CHAT_ID)
    await resident.click(review, text="✅ Send the report")
    await emulator.wait_for(lambda: len([c for c in emulator.calls_to("sendMessage") if c.error_code]) >= 2)
    await _deliveries_again(team, clock, monkeypatch)
    confirmation = await resident.reply()
    assert "Reference: PA-" in confirmation["text"] and "Sent again" not in confirmation["text"]
    card = await emulator.wait_for(lambda: staff_cards(emulator))
    assert len(card) == 1 and "重发" not in card[0]["text"]


async def test_a_card_out_at_a_crash_is_posted_again_saying_so(team, pingan, monkeypatch):
    emulator, resident = team.emulator, team.resident
    review = await walk_incident(resident, phone="138 0013 8000")

    async def crash_before_recording(self, *args, **kwargs):
        raise RuntimeError("crash")  # the process is gone: the card went out, its message id was never kept

    monkeypatch.setattr(CaseCardRepo, "add", crash_before_recording)
    await resident.click(review, text="✅ Send the report")
    first = await emulator.wait_for(lambda: staff_cards(emulator))
    await deliveries_done(team.pingan)  # the crash came before anything was recorded
    monkeypatch.undo()
    await pingan.restart()
    cards = await emulator.wait_for(lambda: len(staff_cards(emulator)) == 2 and staff_cards(emulator))
    assert CARD_NOTE not in first[0]["text"] and CARD_NOTE in cards[1]["text"]
    assert REF.search(cards[0]["text"]).group(0) == REF.search(cards[1]["text"]).group(0)
    # A restart later, nothing more: the card is delivered and known.
    await pingan.restart()
    await resident.ask("/help")
    assert len(staff_cards(emulator)) == 2


@pytest.mark.slow  # a request held past the 5-second read timeout
async def test_a_card_that_hung_arrives_twice_and_both_copies_work(team, clock, monkeypatch):
    emulator, resident = team.emulator, team.resident
    review = await walk_incident(resident, phone="138 0013 8000")
    emulator.delays.delay_next("sendMessage", 6.0, chat_id=STAFF_CHAT_ID)  # done, but after the bot gave up
    await resident.click(review, text="✅ Send the report", timeout=15)
    ref = REF.search((await resident.reply())["text"]).group(0)
    late = (await emulator.wait_for(lambda: staff_cards(emulator), timeout=15))[0]
    clock.advance(timedelta(seconds=1))
    await _deliveries_again(team, clock, monkeypatch)
    first, again = staff_cards(emulator)
    assert CARD_NOTE not in first["text"] and CARD_NOTE in again["text"] and first["message_id"] == late["message_id"]
    # The copy the bot never heard of works all the same: the case is accepted, the kept card follows.
    await team.officer.in_chat(STAFF_CHAT_ID).click(first, text="✋ 接单")
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.owner_id == team.officer.user_id
    kept = team.officer.in_chat(STAFF_CHAT_ID).current(again)
    assert "✋ 接单" not in str(kept.get("reply_markup")) and "Wang" in kept["text"]
    assert "✋ 接单" not in str(team.officer.in_chat(STAFF_CHAT_ID).current(first).get("reply_markup"))


async def _bob_at_his_review_of_the_same_theft(team, make_user, *, photos: int = 0):
    """Alice's report of a bike theft in Riverside, sent; Bob at the review of his report of it,
    which offers to add his to hers. Returns her reference, Bob and his review."""
    team.pingan.services.config.reports.areas.append("Riverside")
    first_ref = await submit(team.resident, await walk_incident(team.resident, description="Bike stolen, says Alice.",
                                                                where_button="Riverside", when="Earlier today"))
    bob = make_user("Bob", language_code="en")
    review = await walk_incident(bob, description="Bike stolen, says Bob.", where_button="Riverside",
                                 when="Earlier today", photos=photos)
    return first_ref, bob, review


async def test_the_notice_of_a_joined_report_sent_again_says_so(team, make_user, clock, monkeypatch):
    emulator = team.emulator
    first_ref, bob, review = await _bob_at_his_review_of_the_same_theft(team, make_user)
    emulator.inject_faults(1.0, kinds=["drop"], methods=["sendMessage"])
    await bob.click(review, text=f"Add my information to {first_ref}")
    await emulator.wait_for(lambda: len([c for c in emulator.calls_to("sendMessage") if not c.ok]) >= 2)
    emulator.stop_faults()
    await _deliveries_again(team, clock, monkeypatch)
    notices = await emulator.wait_for(lambda: [m for m in emulator.bot_messages(STAFF_CHAT_ID)
                                               if "Bike stolen, says Bob" in (m.get("text") or "")])
    assert len(notices) == 1 and notices[0]["text"].endswith("重发：这条消息的上一份可能已送达。")
    assert (await bob.reply())["text"].endswith(CONFIRMATION_NOTE)


async def test_a_joined_notice_whose_photo_failed_repeats_its_text_saying_so(team, make_user, clock, monkeypatch):
    """The notice's text went out, its photo got a 5xx: the whole notice goes again, and its text,
    which the staff chat already has, says so; the photo comes once."""
    emulator = team.emulator
    first_ref, bob, review = await _bob_at_his_review_of_the_same_theft(team, make_user, photos=1)
    emulator.fail_next("sendPhoto", 500, chat_id=STAFF_CHAT_ID)
    await bob.click(review, text=f"Add my information to {first_ref}")
    await emulator.wait_for(lambda: [c for c in emulator.calls_to("sendPhoto") if c.error_code == 500])
    await _deliveries_again(team, clock, monkeypatch)
    await emulator.wait_for(lambda: [c for c in emulator.calls_to("sendPhoto") if c.ok])
    first, again = [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "Bike stolen, says Bob" in (m.get("text") or "")]
    assert "重发" not in first["text"] and again["text"].endswith("重发：这条消息的上一份可能已送达。")
    assert len([m for m in emulator.bot_messages(STAFF_CHAT_ID) if m.get("photo")]) == 1
