"""An Accept pressed on a card that still offers it although the case was accepted (the kill -9
soak, tests/e2e/test_crash.py with PINGAN_SOAK=1: the process died after accepting and before
redrawing the card; every later press said "Already accepted" and the card kept its Accept
button for good). The press now redraws the card as the case is."""

from __future__ import annotations

from tests.harness import button_texts


async def test_accept_on_a_card_a_kill_left_stale_redraws_it(team):
    ref = await team.report()
    stale = team.card(ref)
    case = await team.pingan.services.cases.by_ref(ref)
    await team.pingan.services.cases.accept(case.id, team.officer.user_id)  # accepted; the redraw died with the process
    assert "✋ 接单" in button_texts(team.card(ref))
    answer = await team.press(team.officer2, ref, text="✋ 接单")
    assert answer["text"] == "Already accepted by Wang."
    card = team.officer2.in_chat(stale["chat"]["id"]).current(stale)
    assert "✋ 接单" not in button_texts(card) and "✅ 办结" in button_texts(card)
