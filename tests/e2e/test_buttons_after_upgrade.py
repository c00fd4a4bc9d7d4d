"""Buttons posted before callback data had versions: where they stay in chats for days (the
welcome's Report button, case cards) they keep working; a question's button from before says it
has expired and changes nothing."""

from __future__ import annotations

from bot.services.dialogues import DialogueName


async def test_an_old_question_button_has_expired_and_changes_nothing(pingan, make_user):
    resident = make_user("Li Hua", language_code="en")
    question = await resident.ask("/report")
    answer = await resident.forge_press(question, "rep:a:kind:incident")
    assert "expired" in answer["text"] and answer.get("show_alert")
    draft = await pingan.services.dialogues.get(resident.user_id, DialogueName.REPORT)
    assert draft.state == "kind" and "kind" not in draft.data


async def test_the_old_welcome_button_still_starts_a_report(pingan, make_user):
    resident = make_user("Li Hua", language_code="en")
    welcome = await resident.ask("/start")
    answer = await resident.forge_press(welcome, "rep:new")
    assert not answer.get("show_alert")
    assert (await resident.reply())["text"] == "What would you like to tell us about?"
