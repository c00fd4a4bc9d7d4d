"""The staff card shows the case as it is now, when two staff members change it from different
chats at once and the first one's edit of the card is slow to reach Telegram."""

from __future__ import annotations

import pytest

from tests.conftest import STAFF_CHAT_ID
from tests.harness import button_texts

SLOW_EDIT_SECONDS = 2.0


@pytest.mark.slow
async def test_a_slow_card_edit_does_not_overwrite_a_later_change(team, emulator):
    ref = await team.report()
    emulator.delays.delay_next("editMessageText", SLOW_EDIT_SECONDS, chat_id=STAFF_CHAT_ID)
    card = team.card(ref)
    emulator.press_button(team.officer.user_id, STAFF_CHAT_ID, card["message_id"], text="✋ 接单")
    await emulator.wait_for(lambda: emulator.calls_to("answerCallbackQuery"))
    snapshot = await team.supervisor.ask(f"/case {ref}")
    answer = await team.supervisor.click(snapshot, text="🟠 橙")
    assert answer is not None
    await emulator.wait_for(lambda: "Wang" in team.card(ref)["text"] and "橙" in team.card(ref)["text"],
                            timeout=SLOW_EDIT_SECONDS + 5)
    await emulator.wait_for(lambda: len([c for c in emulator.calls_to("editMessageText")
                                          if c.params.get("chat_id") == STAFF_CHAT_ID]) >= 2,
                            timeout=SLOW_EDIT_SECONDS + 5)
    final = team.card(ref)
    assert "Wang" in final["text"] and "橙" in final["text"] and "✋ 接单" not in button_texts(final)
