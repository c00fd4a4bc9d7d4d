"""A press that arrives after the case moved on (found by tests/e2e/test_crash.py): the officer
writes the resolution and, before the card is redrawn, taps ✅ 办结 again. The picker must not
open on a resolved case, and a refused press leaves the card as the case is, not a stale picker."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from tests.conftest import STAFF_CHAT_ID
from tests.harness import button_texts

OUTCOMES = {"已解决", "调解成功，达成协议", "调解未成功", "已转交其他部门", "不属于公安管辖"}


async def test_resolve_picker_pressed_after_the_case_was_resolved_is_refused(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.press(team.officer, ref, text="✅ 办结")
    await team.press(team.officer, ref, text="已解决")
    await team.officer.reply()  # "Write what was done …"
    card = team.card(ref)
    assert "✅ 办结" in button_texts(card)
    await team.officer.send("Returned the battery.")  # handled first …
    staff_side = team.officer.in_chat(STAFF_CHAT_ID)
    answer = await staff_side.click(card, text="✅ 办结")  # … then the tap on the card as it was
    assert answer["text"] == "This case is resolved now, so that is not possible."
    assert not OUTCOMES & set(button_texts(team.card(ref)))


async def test_an_outcome_pressed_on_a_stale_picker_redraws_the_card(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.press(team.officer, ref, text="✅ 办结")
    picker = team.card(ref)
    await team.press(team.officer, ref, text="已解决")
    await team.officer.reply()  # "Write what was done …"
    await team.officer.ask("Returned the battery.")
    # The card as two presses crossing each other could leave it: the outcome picker, case resolved.
    bot = team.pingan.bot.application.bot
    await bot.edit_message_reply_markup(STAFF_CHAT_ID, picker["message_id"],
                                        reply_markup=InlineKeyboardMarkup.de_json(picker["reply_markup"], bot))
    assert OUTCOMES & set(button_texts(team.card(ref)))
    answer = await team.press(team.officer, ref, text="已解决")
    assert answer["text"] == "This case is resolved now, so that is not possible."
    assert not OUTCOMES & set(button_texts(team.card(ref)))
