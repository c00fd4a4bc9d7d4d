"""What a case's steps were and how it ended (issue 16): History names each step's details, the
card shows the outcome, a referral is never "resolved" to the reporter, mediation outcomes are for
disputes only, and Reopen asks why and for a confirmation."""

from __future__ import annotations

from tests.conftest import STAFF_CHAT_ID
from tests.flows import NOTED, submit, walk_dispute
from tests.harness import button_texts

REFERRED, MEDIATED = "已转交其他部门", "调解成功，达成协议"
REOPEN = "↩ 重新办理"


async def _history(team, user, ref) -> str:
    """Presses History on the card and returns the text it sent the presser privately."""
    await team.press(user, ref, text="📜 记录")
    return (await team.emulator.wait_for(lambda: next(
        (m for m in reversed(team.emulator.bot_messages(user.chat_id)) if m["text"].startswith("History of")),
        None)))["text"]


def _resident_texts(team) -> list[str]:
    return [m.get("text") or "" for m in team.emulator.bot_messages(team.resident.chat_id)]


async def test_history_and_card_show_each_steps_details_and_a_referral_is_not_resolved(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.press(team.officer, ref, text="🔴 红")
    await team.press(team.officer, ref, text="❓ 询问报告人")
    await team.officer.reply()
    await team.officer.ask("Which shed, <b>exactly</b>?")
    question = await team.emulator.wait_for(lambda: next(
        (m for m in team.emulator.bot_messages(team.resident.chat_id) if "Which shed" in m["text"]), None))
    await team.resident.ask("The one behind building 3 & 4.", reply_to_message_id=question["message_id"])
    await team.press(team.officer, ref, text="👤 指派")
    await team.press(team.officer, ref, text=next(b for b in button_texts(team.card(ref)) if b.startswith("Zhao")))
    await team.press(team.officer2, ref, text="✅ 办结")
    await team.press(team.officer2, ref, text=REFERRED)
    await team.emulator.wait_for(lambda: "Write what was done" in (
        team.emulator.last_bot_message(team.officer2.chat_id) or {}).get("text", ""))
    await team.officer2.ask("Passed to the housing office, tel. 12345.")

    history = await _history(team, team.supervisor, ref)
    for line in ("Wang · accepted", "Wang · graded: 🔴 red", "reporter asked: “Which shed, <b>exactly</b>?”",
                 "reporter answered: “The one behind building 3 & 4.”", "Wang · assigned: to Zhao",
                 "Zhao · resolved: Referred elsewhere — “Passed to the housing office, tel. 12345.”"):
        assert line in history, line
    card = team.card(ref)["text"]
    assert "结果：已转交其他部门" in card and "告知报告人：Passed to the housing office, tel. 12345." in card

    told = _resident_texts(team)
    assert any(f"Your report {ref} has been passed on to the office responsible for it: Passed to" in t for t in told)
    assert not [t for t in told if "resolved" in t]
    listing = await team.resident.ask("/myreports")
    assert button_texts(listing) == [f"{ref} · Theft · passed on to the office responsible"]
    await team.resident.click(listing, text=button_texts(listing)[0])
    details = team.resident.current(listing)["text"]
    assert "Status: passed on to the office responsible" in details
    assert "— Passed on to the office responsible" in details
    assert "Resolved" not in details and "resolved" not in details


async def test_mediation_outcomes_are_offered_for_disputes_only(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.press(team.officer, ref, text="✅ 办结")
    offered = button_texts(team.card(ref))
    assert "已解决" in offered and REFERRED in offered and MEDIATED not in offered and "调解未成功" not in offered
    case = await team.pingan.services.cases.by_ref(ref)
    forged = await team.officer.in_chat(STAFF_CHAT_ID).forge_press(team.card(ref), f"case:resolveto:{case.id}:mediated")
    assert forged["text"] == "Mediation outcomes are for disputes only: please choose another outcome."
    assert await team.pingan.services.cases.pending_text(team.officer.user_id) is None

    resident = team.resident
    await walk_dispute(resident)
    await resident.send("138 0013 8000")
    assert (await resident.reply())["text"] == NOTED
    dispute = await submit(resident, await resident.reply())
    await team.press(team.mediator, dispute, text="✋ 接单")
    await team.press(team.mediator, dispute, text="✅ 办结")
    assert MEDIATED in button_texts(team.card(dispute))


async def test_reopen_asks_why_and_for_a_confirmation(team):
    ref = await team.report()
    await team.resolve(ref, text="Handled.")
    await team.press(team.officer, ref, text=REOPEN)
    ask = await team.officer.reply()
    assert ask["text"].startswith(f"Write why {ref} is reopened")
    confirmation = await team.officer.ask("Wrong shed <checked>")
    assert confirmation["text"] == f"Reopen {ref}?\nReason: Wrong shed <checked>"  # escaped: shown as typed
    assert button_texts(confirmation) == ["↩ Yes, reopen it", "No, leave it closed"]
    await team.officer.click(confirmation, text="No, leave it closed")
    assert team.officer.current(confirmation)["text"] == f"{ref} stays as it was: not reopened."
    assert "状态：已解决" in team.card(ref)["text"]

    await team.press(team.officer, ref, text=REOPEN)
    await team.officer.reply()
    await team.officer.ask("First reason")
    confirmation = await team.officer.ask("The bikes are still gone.")  # a new message replaces the reason
    assert confirmation["text"].endswith("Reason: The bikes are still gone.")
    await team.officer.click(confirmation, text="↩ Yes, reopen it")
    assert team.officer.current(confirmation)["text"] == f"{ref} is reopened."
    assert "状态：已重新办理" in team.card(ref)["text"]
    assert f"Your report {ref} has been reopened" in _resident_texts(team)[-1]
    assert "reopened: “The bikes are still gone.”" in await _history(team, team.supervisor, ref)
    # Its buttons are gone; a press sent again (a slow double tap) does nothing more.
    assert button_texts(team.officer.current(confirmation)) == []
    again = await team.officer.forge_press(confirmation, confirmation["reply_markup"]["inline_keyboard"][0][0]
                                           ["callback_data"])
    assert again["text"] == "This button has expired."
