"""Cards that read at a glance (issue 16): grade buttons that name their colour, the report's
photos as an album in reply to its card (sent once, whatever is retried), a /case copy that says
it is a snapshot, dates as people write them and counts with their measure word."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import STAFF_CHAT_ID
from tests.deliveries import retry_deliveries
from tests.flows import submit, walk_incident
from tests.harness import button_texts


async def _retry_deliveries(team, clock, monkeypatch) -> None:
    await retry_deliveries(team.pingan, clock, monkeypatch, 120)


def _staff_calls(emulator, method: str) -> list:
    return [c for c in emulator.calls_to(method) if c.ok and int(c.params.get("chat_id", 0)) == STAFF_CHAT_ID]


async def test_grade_buttons_name_their_colour_and_the_card_says_the_grade_in_words(team):
    ref = await team.report()
    card = team.card(ref)
    assert ["🔴 红", "🟠 橙", "🟡 黄", "🟢 绿"] == [t for t in button_texts(card) if t[-1] in "红橙黄绿"]
    assert "等级：未定级" in card["text"]
    await team.press(team.officer, ref, text="🟠 橙")
    card = team.card(ref)
    assert "等级：🟠 橙色" in card["text"] and "✓🟠 橙" in button_texts(card)
    cases = await team.officer.ask("/cases")
    assert f"🟠 orange /case_{ref.replace('-', '_')}" in cases["text"]  # the presser's language (en)


async def test_photos_follow_the_card_as_one_album_in_reply_to_it(team, emulator):
    resident = team.resident
    ref = await submit(resident, await walk_incident(resident, photos=3, voice=b"voice", phone="138 0013 8000"))
    card = team.card(ref)
    assert "照片：3 张" in card["text"] and "语音：1 条" in card["text"]
    # The card's album and voice note follow it (after the resident's confirmation, maybe).
    await emulator.wait_for(lambda: [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "voice" in m])
    album = [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "photo" in m]
    assert len(album) == 3 and len({m["media_group_id"] for m in album}) == 1
    assert album[0]["reply_to_message"]["message_id"] == card["message_id"]  # an album replies by its first
    assert all(m["message_id"] > card["message_id"] for m in album)  # never loose before the card
    voice = [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "voice" in m]
    assert len(voice) == 1 and voice[0]["reply_to_message"]["message_id"] == card["message_id"]


async def test_a_retried_card_never_sends_its_photos_twice(team, emulator, clock, monkeypatch):
    resident = team.resident
    emulator.fail_next("sendVoice", 500, chat_id=STAFF_CHAT_ID)  # after the card and its album
    ref = await submit(resident, await walk_incident(resident, photos=2, voice=b"voice", phone="138 0013 8000"),
                       card_in=None)
    await emulator.wait_for(lambda: [c for c in emulator.calls_to("sendVoice") if not c.ok])
    assert len(_staff_calls(emulator, "sendMediaGroup")) == 1 and not _staff_calls(emulator, "sendVoice")
    await _retry_deliveries(team, clock, monkeypatch)
    await emulator.wait_for(lambda: _staff_calls(emulator, "sendVoice"))
    await _retry_deliveries(team, clock, monkeypatch)  # nothing is owed any more
    assert len(_staff_calls(emulator, "sendMediaGroup")) == 1 and len(_staff_calls(emulator, "sendVoice")) == 1
    assert len([m for m in emulator.bot_messages(STAFF_CHAT_ID) if ref in (m.get("text") or "")]) == 1


async def test_an_album_refused_once_is_sent_once_under_the_card_already_posted(team, emulator, clock, monkeypatch):
    resident = team.resident
    emulator.fail_next("sendMediaGroup", 502, chat_id=STAFF_CHAT_ID)
    ref = await submit(resident, await walk_incident(resident, photos=2, phone="138 0013 8000"), card_in=None)
    card = await team.card_posted(ref)
    assert not [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "photo" in m]
    await _retry_deliveries(team, clock, monkeypatch)
    album = await emulator.wait_for(lambda: [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "photo" in m])
    await _retry_deliveries(team, clock, monkeypatch)
    assert len(album) == 2 and len(_staff_calls(emulator, "sendMediaGroup")) == 1
    assert album[0]["reply_to_message"]["message_id"] == card["message_id"]
    assert [m for m in emulator.bot_messages(STAFF_CHAT_ID) if ref in (m.get("text") or "")] == [
        team.card(ref)]  # the card itself was posted once


async def test_a_case_copy_says_it_is_a_snapshot_and_a_press_brings_it_up_to_date(team, clock):
    ref = await team.report()
    copy = await team.officer.ask(f"/case {ref}")
    assert "此为 3月2日 09:00 的快照" in copy["text"] and f"/case {ref}" in copy["text"]
    assert "快照" not in team.card(ref)["text"]  # the staff chat's card follows every change
    clock.advance(timedelta(hours=1, minutes=5))
    await team.officer.click(copy, text="✋ 接单")
    updated = team.officer.current(copy)
    assert "此为 3月2日 10:05 的快照" in updated["text"] and "状态：已受理" in updated["text"]
    assert "状态：已受理" in team.card(ref)["text"]
    await team.press(team.officer, ref, text="🟢 绿")
    assert "等级：🟢 绿色" in team.card(ref)["text"]
    assert "等级：未定级" in team.officer.current(copy)["text"]  # a snapshot stays as it said it would


async def test_dates_on_cards_history_and_myreports_read_as_people_write_them(team):
    ref = await team.report()
    assert "报告时间：3月2日 09:00" in team.card(ref)["text"]
    await team.press(team.supervisor, ref, text="📜 记录")
    history = await team.emulator.wait_for(
        lambda: next((m for m in team.emulator.bot_messages(team.supervisor.chat_id)
                      if m["text"].startswith("History of")), None))
    assert "2 Mar 09:00 · " in history["text"]
    listing = await team.resident.ask("/myreports")
    await team.resident.click(listing, text=button_texts(listing)[0])
    assert "• 2 Mar 09:00 — Report received" in team.resident.current(listing)["text"]
