"""Edited messages in mediation's dialogues (issue 17, as the report dialogue answers edits): an edit
of the answer just given corrects it while the question after it is open, and that question is
asked again below showing it; an edit that does not fit is refused and the earlier answer stays;
an edit of an older answer changes nothing and says so."""

from __future__ import annotations

from bot.services.dialogues import DialogueName
from handlers.mediation_summary import SummaryButton
from tests.e2e.test_mediation import SUMMARY, joined_mediation, report_dispute, take

UPDATED = "Thank you: your answer to “{field}” is updated. You can go on with the question below."
CHANGES_NOTHING = ("I noticed you edited a message. An edit does not change an answer already given here; where a "
                   "« Back » button is offered, you can use it to answer again.")


async def mediators_choice(team, make_user, panel_button: str, choice: str):
    """Up to Bob joining, then the mediator's panel button and a first choice; returns Bob and the
    mediator's next question."""
    _ref, bob, panel = await joined_mediation(team, make_user)
    await team.mediator.click(panel, text=panel_button)
    await team.mediator.click(await team.mediator.reply(), text=choice)
    return bob, await team.mediator.reply()


async def test_an_edit_of_the_summary_corrects_it_before_the_link_is_made(team, pingan):
    liu = team.mediator
    ref = await report_dispute(team)
    await take(team, ref)
    await liu.reply()  # "write a neutral summary"
    written = await liu.send("A dispute about noise.")
    first_confirm = await liu.reply()
    assert "A dispute about noise." in first_confirm["text"]

    team.emulator.user_edits(liu.user_id, liu.chat_id, written["message_id"], "")
    refused = await liu.reply()
    assert refused["text"] == ("Your edit of “the summary” was not taken, so your earlier answer stays. Please write "
                               "the summary as text.")
    team.emulator.user_edits(liu.user_id, liu.chat_id, written["message_id"], "x" * 1001)
    assert "at most 1000 characters" in (await liu.reply())["text"]

    team.emulator.user_edits(liu.user_id, liu.chat_id, written["message_id"], SUMMARY + " <b>Both</b> & calm.")
    confirm = await liu.reply()
    assert confirm["text"].startswith(UPDATED.format(field="the summary") + "\n\nThe other party will read:")
    assert "<b>Both</b> & calm." in confirm["text"]  # shown as typed, escaped once
    assert liu.pending_replies() == []
    stale = await liu.forge_press(first_confirm, SummaryButton("make").pack())  # its buttons are gone
    assert "already answered" in stale["text"]
    await liu.click(confirm, text="🔗 Make the invitation link")
    await liu.reply()  # the link
    case = await pingan.services.cases.by_ref(ref)
    mediation = await pingan.services.mediation.of_case(case.id)
    assert mediation.summary == SUMMARY + " <b>Both</b> & calm."

    team.emulator.user_edits(liu.user_id, liu.chat_id, written["message_id"], "Too late")
    await liu.reply()  # the QR code, sent with the link
    assert liu.pending_replies() == []  # the dialogue has ended: the edit changes nothing, silently
    assert (await pingan.services.mediation.of_case(case.id)).summary == SUMMARY + " <b>Both</b> & calm."


async def test_an_edit_is_answered_in_the_mediators_language(team):
    liu = team.mediator
    await liu.ask("/language zh")
    ref = await report_dispute(team)
    await take(team, ref)
    await liu.reply()
    written = await liu.send("邻居之间关于夜间噪音的争议。")
    await liu.reply()
    team.emulator.user_edits(liu.user_id, liu.chat_id, written["message_id"], "两户邻居之间关于深夜噪音的争议。")
    confirm = await liu.reply()
    assert confirm["text"].startswith("谢谢，您对“概要”的回答已更新。请继续回答下面的问题。")
    assert "两户邻居之间关于深夜噪音的争议。" in confirm["text"]


async def test_an_edit_of_the_meeting_time_just_typed_replaces_it(team, make_user, pingan):
    await mediators_choice(team, make_user, "📅 Propose meeting times", "🏛 Mediation room")
    liu = team.mediator
    typed = await liu.send("2026-03-05 15:00 Room 2")
    await liu.reply()

    team.emulator.user_edits(liu.user_id, liu.chat_id, typed["message_id"], "2026-03-01 10:00 Room 2")
    refused = await liu.reply()
    assert refused["text"] == ("Your edit of “the meeting time” was not taken, so your earlier answer stays. That "
                               "time has already passed.")
    team.emulator.user_edits(liu.user_id, liu.chat_id, typed["message_id"], "2026-03-06 16:30 Room 3")
    places = await liu.reply()
    assert places["text"].startswith(UPDATED.format(field="the meeting time"))
    assert "• 6 Mar 16:30, the mediation room (Room 3)" in places["text"]
    assert "5 Mar" not in places["text"]
    draft = await pingan.services.dialogues.get(liu.user_id, DialogueName.MEDIATION_SLOTS)
    assert [t["note"] for t in draft.data["times"]] == ["Room 3"]
    await liu.click(places, text="📨 Send to both parties")
    assert (await liu.reply())["text"] == "Sent to both parties. I will tell you what they choose."
    assert (await team.resident.reply())["reply_markup"]["inline_keyboard"][0][0]["text"] == (
        "6 Mar 16:30, the mediation room (Room 3)")


async def test_edits_in_the_outcome_correct_the_latest_answer_only(team, make_user, pingan):
    _bob, who = await mediators_choice(team, make_user, "📝 Record the outcome", "🤝 An agreement")
    liu = team.mediator
    await liu.click(who, text="Both parties")
    await liu.reply()
    term = await liu.send("Talk once a month")
    assert (await liu.reply())["text"].startswith("By when?")
    team.emulator.user_edits(liu.user_id, liu.chat_id, term["message_id"], "Talk once a week")
    due_again = await liu.reply()
    assert due_again["text"] == UPDATED.format(field="the term") + "\n\nBy when? Type a date, for example: 2026-03-20"

    due = await liu.send("2026-03-20")
    review = await liu.reply()
    assert "both parties: Talk once a week (by 20 Mar)" in review["text"]
    team.emulator.user_edits(liu.user_id, liu.chat_id, term["message_id"], "Never talk")
    assert (await liu.reply())["text"] == CHANGES_NOTHING  # no longer the latest answer
    team.emulator.user_edits(liu.user_id, liu.chat_id, due["message_id"], "2026-03-27")
    review = await liu.reply()
    assert review["text"].startswith(UPDATED.format(field="the date"))
    assert review["text"].endswith("1. both parties: Talk once a week (by 27 Mar)")
    draft = await pingan.services.dialogues.get(liu.user_id, DialogueName.MEDIATION_AGREEMENT)
    assert draft.data["terms"] == [{"who": "both", "text": "Talk once a week", "due": "2026-03-27"}]


async def test_an_edit_of_the_reason_for_no_agreement_corrects_it(team, make_user, pingan):
    await mediators_choice(team, make_user, "📝 Record the outcome", "No agreement")
    liu = team.mediator
    reason = await liu.send("They could not agree.")
    await liu.reply()  # where can the parties turn?
    team.emulator.user_edits(liu.user_id, liu.chat_id, reason["message_id"], "They could not agree on the hours.")
    referral = await liu.reply()
    assert referral["text"].startswith(UPDATED.format(field="the reason"))
    draft = await pingan.services.dialogues.get(liu.user_id, DialogueName.MEDIATION_AGREEMENT)
    assert draft.data["reason"] == "They could not agree on the hours."
    await liu.click(referral, text="The people's court")
    assert (await liu.reply())["text"] == "Recorded: no agreement. Both parties have been told."


async def test_an_edit_of_a_refused_answer_or_of_an_account_item_asks_to_send_it_again(team, make_user):
    bob, _time_asked = await mediators_choice(team, make_user, "📅 Propose meeting times", "🏛 Mediation room")
    liu = team.mediator
    wrong = await liu.send("tomorrow")
    assert (await liu.reply())["text"].startswith("Please type the date and time like this")
    team.emulator.user_edits(liu.user_id, liu.chat_id, wrong["message_id"], "2026-03-05 15:00")
    assert "An edit is not taken as an answer" in (await liu.reply())["text"]

    tell = next(m for m in reversed(team.emulator.bot_messages(bob.user_id))
                if "📝 Tell the mediator my side" in str(m.get("reply_markup")))
    await bob.click(tell, text="📝 Tell the mediator my side")
    await bob.reply()
    said = await bob.send("They play music at night.")
    await bob.reply()  # received
    await liu.reply()  # the item, passed on
    team.emulator.user_edits(bob.user_id, bob.chat_id, said["message_id"], "They play loud music at night.")
    assert "please send the corrected text again as a new message" in (await bob.reply())["text"]
    assert liu.pending_replies() == []
