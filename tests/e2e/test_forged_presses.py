"""Presses and commands from outside the path the bot drew: forged data, buttons pressed on another
message or in another chat, double taps, ids too large for SQLite. Judged by effect: what the
database holds and what the chats show."""

from __future__ import annotations

from handlers.case_card import CaseButton
from handlers.language import LanguageButton
from handlers.myreports import MyReportsButton
from handlers.report_prompts import ReportButton, ReportStartButton
from handlers.roles import RevokeButton
from storage.models import Role
from tests.conftest import STAFF_CHAT_ID
from tests.flows import join_group, start_incident, submit, walk_incident
from tests.harness import button_texts

APOLOGY = "Sorry, something went wrong on our side"
TOO_BIG = 2**63  # one more than SQLite's largest integer


def _apologised(answers: list[dict]) -> bool:
    return any(APOLOGY in (answer.get("text") or "") for answer in answers)


async def test_a_forged_join_naming_a_case_not_offered_joins_nothing(team, make_user):
    ref = await team.report()
    case = await team.pingan.services.cases.by_ref(ref)
    intruder = make_user("Mallory", language_code="en")
    review = await walk_incident(intruder, category="Suspicious person or vehicle",
                                 description="A van parked by the gate all night.")
    assert not [t for t in button_texts(review) if ref in t]  # the bot offered no case to join
    refused = await intruder.forge_press(review, ReportButton("join", case_id=case.id).pack())
    assert refused["text"].startswith("This button has expired")
    reporters = await team.pingan.services.reports.reporters(case.id)
    assert [r.user_id for r in reporters] == [team.resident.user_id]
    assert intruder.pending_replies() == []
    # The report is still there to send, as a case of its own.
    own = await submit(intruder, review)
    assert own != ref


async def test_private_buttons_pressed_on_group_messages_change_nothing(team, make_user, emulator):
    ref = await team.report()
    card = team.card(ref)
    in_group = await join_group(make_user("Bob", language_code="en"), "Sunny Garden")
    greeting = emulator.bot_messages(in_group.chat_id)[0]
    forged = [LanguageButton("set", "en").pack(), MyReportsButton("list").pack(), RevokeButton("no").pack()]
    officer_in_staff = team.officer.in_chat(STAFF_CHAT_ID)
    for data in forged:
        for client, message in ((in_group, greeting), (officer_in_staff, card)):
            before = client.current(message)
            answer = await client.forge_press(message, data)
            assert answer["show_alert"] is True  # "this button has expired", in the chat's language
            after = client.current(message)
            assert after["text"] == before["text"] and after.get("reply_markup") == before.get("reply_markup")
    person = await team.pingan.services.people.person(in_group.user_id)
    assert person is None or person.language is None


async def test_the_revoke_question_is_only_for_those_who_may_revoke(team):
    resident = team.resident
    own = await resident.ask("/help")
    refused = await resident.forge_press(own, RevokeButton("ask", team.officer.user_id, Role.OFFICER.value).pack())
    assert refused["text"] == "Sorry, you are not allowed to do this."
    assert resident.current(own)["text"] == own["text"]
    # Someone who may revoke gets the question.
    listing = await team.admin.ask(f"/revoke {team.officer.user_id}")
    answer = await team.admin.forge_press(listing, RevokeButton("ask", team.officer.user_id,
                                                                Role.OFFICER.value).pack())
    assert answer.get("text") is None
    assert team.admin.current(listing)["text"].startswith("Remove the role")


async def test_case_typed_in_a_residents_group_does_not_post_the_card_there(team, emulator):
    ref = await team.report()
    in_group = await join_group(team.officer, "Sunny Garden")
    shown_before = len(emulator.bot_messages(in_group.chat_id))
    reply = await in_group.ask(f"/case {ref}")
    assert ref not in reply["text"] and "Building 3" not in reply["text"]
    assert len(emulator.bot_messages(in_group.chat_id)) == shown_before + 1
    # In the staff chat and in private it still works.
    assert ref in (await team.officer.in_chat(STAFF_CHAT_ID).ask(f"/case {ref}"))["text"]
    assert ref in (await team.officer.ask(f"/case {ref}"))["text"]


async def test_history_does_not_name_a_reporter_who_chose_anonymity(team):
    ref = await submit(team.resident, await walk_incident(team.resident))  # stays anonymous
    case = await team.pingan.services.cases.by_ref(ref)
    await team.press(team.officer, ref, data=CaseButton("history", case.id).pack())
    history = await team.officer.reply()
    assert history["text"].startswith(f"History of {ref}:")
    assert "Alice" not in history["text"]
    # A reporter who gave their name is named.
    named = await team.report()
    named_case = await team.pingan.services.cases.by_ref(named)
    await team.press(team.officer, named, data=CaseButton("history", named_case.id).pack())
    assert "Alice" in (await team.officer.reply())["text"]


async def _double_tap(client, message, text=None, data=None):
    """Two presses of one button before the bot answers the first."""
    emulator = client.emulator
    ids = [emulator.press_button(client.user_id, client.chat_id, message["message_id"], text=text, data=data)
           for _ in range(2)]
    return [await emulator.wait_for(lambda q=q: emulator.callback_answer(q)) for q in ids]


async def test_double_taps_do_not_get_the_apology(team):
    resident = team.resident
    choice = await resident.ask("/language")
    assert not _apologised(await _double_tap(resident, choice, text="English"))
    ref = await team.report()
    listing = await resident.ask("/myreports")
    assert not _apologised(await _double_tap(resident, listing, text=button_texts(listing)[0]))
    assert ref in resident.current(listing)["text"]
    assert not _apologised(await _double_tap(resident, listing, text="« All my reports"))

    listing = await team.admin.ask(f"/revoke {team.officer.user_id}")
    assert not _apologised(await _double_tap(team.admin, listing, text=button_texts(listing)[0]))
    assert team.admin.current(listing)["text"].startswith("Remove the role")
    assert not _apologised(await _double_tap(team.admin, listing, text="Keep the role"))

    in_group = await join_group(team.officer2, "Sunny Garden")
    panel = await in_group.ask("/setup")
    assert not _apologised(await _double_tap(in_group, panel, text=button_texts(panel)[0]))


async def test_ids_too_large_or_naming_nothing_are_expired_buttons(team):
    resident = team.resident
    own = await resident.ask("/help")
    for data in (MyReportsButton("show", TOO_BIG).pack(), CaseButton("accept", TOO_BIG).pack(),
                 ReportStartButton("restart", 424242).pack()):
        answer = await resident.forge_press(own, data)
        assert answer["text"].startswith("This button has expired"), data
    reply = await team.admin.ask(f"/revoke {TOO_BIG}")
    assert APOLOGY not in reply["text"]
    reply = await team.admin.ask(f"/revoke {TOO_BIG} officer")
    assert APOLOGY not in reply["text"]
    # The report started meanwhile is not broken by the forged restart.
    await start_incident(resident)
