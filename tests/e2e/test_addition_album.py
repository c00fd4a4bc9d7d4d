"""Photos a reporter adds later reach the staff chat as one album in reply to the card (a single
photo alone, still in reply), captioned with whose they are and nothing more (issue 16)."""

from __future__ import annotations

from handlers import addition
from tests.conftest import STAFF_CHAT_ID
from tests.flows import submit, walk_incident
from tests.harness import button_texts


async def _start_adding(resident, ref: str) -> dict:
    listing = await resident.ask("/myreports")
    await resident.click(listing, text=next(b for b in button_texts(listing) if ref in b))
    await resident.click(resident.current(listing), text="➕ Add information")
    return await resident.reply()


def _staff_photos(emulator) -> list[dict]:
    return [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "photo" in m]


async def test_an_album_added_later_goes_as_one_album_in_reply_to_the_card(team, emulator):
    ref = await team.report()
    card = team.card(ref)
    await _start_adding(team.resident, ref)
    album = emulator.new_media_group_id()
    for n in range(3):
        await team.resident.send(None, photo=f"later-{n}".encode(), media_group_id=album)
    posted = await emulator.wait_for(lambda: len(_staff_photos(emulator)) == 3 and _staff_photos(emulator))
    assert len({m["media_group_id"] for m in posted}) == 1
    assert posted[0]["reply_to_message"]["message_id"] == card["message_id"]
    assert posted[0]["caption"] == f"报告人后来补充的照片 3 张：{ref}"
    assert "Alice" not in posted[0]["caption"] and "138" not in posted[0]["caption"]
    assert not [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "报告人补充了新信息" in (m.get("text") or "")]
    acknowledged = team.resident.pending_replies()
    assert len(acknowledged) == 1 and acknowledged[0]["text"].startswith(f"Added to {ref}.")  # once for the album

    # One photo goes alone, still in reply to the card; words go as before.
    single = await team.resident.ask(None, photo=b"one more")
    assert single["text"].startswith(f"Added to {ref}.")
    [alone] = await emulator.wait_for(lambda: _staff_photos(emulator)[3:])
    assert "media_group_id" not in alone and alone["reply_to_message"]["message_id"] == card["message_id"]
    assert alone["caption"] == f"报告人后来补充的照片 1 张：{ref}"


async def test_done_right_after_an_album_sends_it_at_once(team, emulator, monkeypatch):
    monkeypatch.setattr(addition, "ALBUM_SETTLE_SECONDS", 600.0)  # only Done can send it now
    ref = await team.report()
    await _start_adding(team.resident, ref)
    album = emulator.new_media_group_id()
    for n in range(2):
        await team.resident.send(None, photo=f"later-{n}".encode(), media_group_id=album)
    prompt = await team.resident.reply()
    await team.resident.click(prompt, text="Done")  # updates are handled in order: both photos are in
    assert (await team.resident.reply())["text"].startswith("Thank you. Staff will see")
    posted = _staff_photos(emulator)
    assert len(posted) == 2 and posted[0]["media_group_id"] == posted[1]["media_group_id"]
    assert len(emulator.calls_to("sendMediaGroup")) == 1


async def test_an_english_deployment_says_so_in_english_and_a_caption_stays_with_its_words(team, emulator):
    team.pingan.services.config.default_language = "en"
    ref = await team.report()
    await _start_adding(team.resident, ref)
    await team.resident.ask(None, photo=b"the lock", caption="The broken lock of the shed.")
    words = await emulator.wait_for(lambda: [m for m in emulator.bot_messages(STAFF_CHAT_ID)
                                             if "The broken lock of the shed." in (m.get("text") or "")])
    assert words[0]["text"].startswith(f"New information from the reporter: {ref}")
    [photo] = await emulator.wait_for(lambda: _staff_photos(emulator))
    assert photo["caption"] == f"1 photo added later by the reporter: {ref}"


async def test_a_sensitive_cases_album_stays_out_of_the_staff_chat(team, emulator):
    ref = await submit(team.resident, await walk_incident(team.resident, category="Drugs or gambling tip",
                                                          phone="138 0013 8000"))
    await _start_adding(team.resident, ref)
    album = emulator.new_media_group_id()
    for n in range(2):
        await team.resident.send(None, photo=f"later-{n}".encode(), media_group_id=album)
    notice = await emulator.wait_for(lambda: [m for m in emulator.bot_messages(STAFF_CHAT_ID)
                                              if "🔒" in (m.get("text") or "") and m.get("reply_to_message")])
    assert notice[0]["reply_to_message"]["message_id"] == team.card(ref)["message_id"]
    assert not _staff_photos(emulator)
