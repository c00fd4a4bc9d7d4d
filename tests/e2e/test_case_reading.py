"""Everything a resident said, to the staff who handle it (the Full report), and privacy between
the residents who reported the same case."""

from __future__ import annotations

from storage.models import Role
from tests.conftest import STAFF_CHAT_ID
from tests.flows import NOTED, submit, walk_dispute, walk_incident
from tests.harness import UserClient, button_texts

FULL_REPORT = "📄 完整报告"  # the staff chat speaks the deployment's language


def long_description(length: int = 1800) -> str:
    """A description of exactly `length` characters, with markup to show it arrives literally."""
    start, end = "开头 <b>&amp; 电瓶车", "结尾"
    middle = "楼下车棚里的电瓶车电池昨夜被人拿走了。"
    body = (middle * (length // len(middle) + 1))[: length - len(start) - len(end)]
    return start + body + end


async def all_replies(user) -> list[dict]:
    """Every message the bot has sent the user since their last reply was read."""
    messages = []
    while user.pending_replies():
        messages.append(await user.reply())
    return messages


async def add_information(resident, ref: str, *items: dict) -> None:
    """/myreports → the case → Add information → each item (send() keywords) → Done."""
    listing = await resident.ask("/myreports")
    await resident.click(listing, text=next(b for b in button_texts(listing) if ref in b))
    await resident.click(resident.current(listing), text="➕ Add information")
    await resident.reply()
    for item in items:
        added = await resident.ask(**item)
        assert added["text"].startswith(f"Added to {ref}."), added["text"]
    await resident.click(added, text="Done")
    await resident.reply()


async def test_a_long_report_reaches_staff_whole_through_full_report(team):
    resident, officer = team.resident, team.officer
    description = long_description()
    assert len(description) == 1800
    ref = await submit(resident, await walk_incident(resident, description=description, photos=2,
                                                     location=(31.23, 121.47), phone="138 0013 8000"))
    card = team.card(ref)
    assert "（内容已缩略：全文共 1800 字" in card["text"]  # the card stays short and says so
    assert description not in card["text"]
    more = ["第二次补充：" + "保安说监控拍到一个穿红衣服的人。" * 110, "第三次补充：" + "车棚的锁坏了很久。" * 200]
    await add_information(resident, ref, {"text": more[0]}, {"text": more[1]}, {"voice": b"voice note"})
    await team.press(officer, ref, text="✋ 接单")  # the owner: the map pin identifies, they may see it
    answer = await team.press(officer, ref, text=FULL_REPORT)
    assert answer["text"] == "I have sent you the full report privately."
    messages = await all_replies(officer)
    texts = [m["text"] for m in messages if "text" in m]
    assert texts[0].startswith(f"Full report · {ref}")
    assert all(len(t) <= 4096 for t in texts) and len(texts) >= 3  # split to fit Telegram's messages
    everything = "\n".join(texts)
    assert description in everything  # whole, and literally (<b>&amp; as typed)
    assert "Where: 📍 a location: the map pin follows" in everything and "When: Yesterday" in everything
    assert "Happening now: No" in everything
    assert more[0] in everything and more[1].replace("\n", "") in everything.replace("\n", "")
    assert "13800138000" not in everything and "Alice" not in everything  # the contact stays behind its button
    album = [m for m in messages if "photo" in m]
    assert len(album) == 2 and album[0]["media_group_id"] == album[1]["media_group_id"]
    assert [m["location"]["latitude"] for m in messages if "location" in m] == [31.23]
    assert len([m for m in messages if "voice" in m]) == 1
    case = await team.pingan.services.cases.by_ref(ref)
    views = [e.actor_id for e in await team.pingan.services.reports.audit_of(case.id)
             if e.action == "case.full_report_viewed"]
    assert views == [officer.user_id]
    history = (await team.press(team.supervisor, ref, text="📜 记录"), await team.supervisor.reply())[1]
    assert "Wang · full report read" in history["text"]


async def test_every_answer_of_a_dispute_reaches_staff(team):
    resident = team.resident
    await walk_dispute(resident)
    await resident.send("138 0013 8000")
    assert (await resident.reply())["text"] == NOTED
    ref = await submit(resident, await resident.reply())
    card = await team.officer.ask(f"/case {ref}")  # in private: the card, then the full report
    assert ref in card["text"] and FULL_REPORT in button_texts(card)
    everything = (await team.officer.reply())["text"]  # a dispute's answers fit one message
    assert everything.startswith(f"Full report · {ref}")
    for answer in ("Other party: Upstairs neighbour in 3-502", "Loud music every night after midnight.",
                   "About three months. I talked to them twice and to the property office.",
                   "Outcome wanted:\nQuiet after 22:00.", "Mediation: willing (Weekday evenings, Weekends)"):
        assert answer in everything, answer
    assert "13800138000" not in everything
    in_group = await team.officer.in_chat(STAFF_CHAT_ID).ask(f"/case {ref}")
    assert ref in in_group["text"]
    await team.officer.ask("/help")  # answered after the group's /case is done with
    reports = [m for m in team.emulator.bot_messages(team.officer.user_id) if "Full report" in m.get("text", "")]
    assert len(reports) == 1  # in a group, only the card


async def test_full_report_is_for_staff_only_and_needs_a_private_chat(team, make_user):
    ref = await team.report()
    outsider = make_user("Mallory", language_code="en")
    team.emulator.add_member(STAFF_CHAT_ID, outsider.user_id)
    refused = await team.press(outsider, ref, text=FULL_REPORT)
    assert refused["text"] == "Sorry, only staff can read the full report."
    assert outsider.pending_replies() == []
    # Staff, but has never opened a private chat with the bot.
    newcomer = UserClient(team.emulator, team.emulator.add_user("Qian", language_code="en"), STAFF_CHAT_ID)
    people = team.pingan.services.people
    await people.register_contact(newcomer.user_id, "Qian", None, "en")
    await people.grant_by_system(newcomer.user_id, Role.OFFICER, via="test")
    team.emulator.add_member(STAFF_CHAT_ID, newcomer.user_id)
    told = await team.press(newcomer, ref, text=FULL_REPORT)
    assert told["text"].startswith("Please open a private chat with me first")
    case = await team.pingan.services.cases.by_ref(ref)
    assert not [e for e in await team.pingan.services.reports.audit_of(case.id)
                if e.action == "case.full_report_viewed"]


async def test_a_joined_reporter_sees_only_their_own_words(team, make_user):
    first, second = team.resident, make_user("Bob", language_code="en")
    team.pingan.services.config.reports.areas.append("Riverside")
    ref = await submit(first, await walk_incident(first, description="Bike stolen, says Alice.",
                                                  where_button="Riverside", when="Earlier today"))
    review = await walk_incident(second, description="Bike stolen, says <b>Bob</b> & co.", where_button="Riverside",
                                 when="Earlier today")
    await second.click(review, text=f"Add my information to {ref}")
    await second.reply()
    listing = await second.ask("/myreports")
    await second.click(listing, text=button_texts(listing)[0])
    details = second.current(listing)["text"]
    assert ref in details and "Status: received" in details
    assert "Bike stolen, says <b>Bob</b> & co." in details and "Alice" not in details
    listing = await first.ask("/myreports")
    await first.click(listing, text=button_texts(listing)[0])
    details = first.current(listing)["text"]
    assert "Bike stolen, says Alice." in details and "Bob" not in details
    await team.press(team.officer, ref, text=FULL_REPORT)
    everything = "\n".join(m["text"] for m in await all_replies(team.officer) if "text" in m)
    assert "Bike stolen, says Alice." in everything
    assert "From reporter 2, who reported the same thing" in everything
    assert "Bike stolen, says <b>Bob</b> & co." in everything and "When: Earlier today" in everything


async def test_a_reporter_is_never_given_their_own_case(team):
    reporter = team.officer2  # staff report things too
    ref = await submit(reporter, await walk_incident(reporter, phone="138 0013 8000"))
    case = await team.pingan.services.cases.by_ref(ref)
    await team.press(team.supervisor, ref, text="👤 指派")
    choices = button_texts(team.card(ref))
    assert any("Wang" in c for c in choices) and not any("Zhao" in c for c in choices)
    forged = await team.supervisor.in_chat(STAFF_CHAT_ID).forge_press(
        team.card(ref), f"case:assignto:{case.id}:{reporter.user_id}")
    assert forged["text"].startswith("A case is never handled by someone who reported it")
    await team.press(team.supervisor, ref, text="« 上一步")
    accepted = await team.press(reporter, ref, text="✋ 接单")
    assert accepted["text"].startswith("A case is never handled by someone who reported it")
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.owner_id is None and case.status == "new"
