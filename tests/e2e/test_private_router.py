"""The one router for private messages (handlers/private.py): a person with several dialogues open
is answering the one touched last, and /cancel stops exactly that one, then the next."""

from __future__ import annotations

from bot.services.dialogues import DialogueName


async def test_the_dialogue_touched_last_gets_the_message_and_the_cancel(pingan, admin):
    await admin.send("/report")
    report_question = await admin.reply()
    await admin.send("/alert")
    await admin.reply()

    # Text while both wait for a button: the alert, opened last, says so; the report is untouched.
    answer = await admin.ask("hello")
    assert "Please use the buttons" in answer["text"]
    assert (await pingan.services.dialogues.get(admin.user_id, DialogueName.REPORT)).state == "kind"

    # A tap on the report's question makes the report the one touched last.
    await admin.click(report_question, text="An incident: theft, fraud, danger…")
    await admin.reply()
    drafts = await pingan.services.dialogues.open_drafts(admin.user_id)
    assert [d.dialogue for d in drafts] == ["report", "alert"]

    assert "Cancelled. Nothing was sent." in (await admin.ask("/cancel"))["text"]
    assert "Alert cancelled" in (await admin.ask("/cancel"))["text"]
    assert "There is nothing to cancel" in (await admin.ask("/cancel"))["text"]


async def test_a_restart_keeps_every_open_dialogue_and_their_order(pingan, admin):
    await admin.send("/alert")
    await admin.reply()
    await admin.send("/report")
    await admin.reply()
    await pingan.restart()
    drafts = await pingan.services.dialogues.open_drafts(admin.user_id)
    assert [d.dialogue for d in drafts] == ["report", "alert"]
    assert "Cancelled. Nothing was sent." in (await admin.ask("/cancel"))["text"]
