"""Reporters staff cannot reach (they blocked the bot), and answers that reach every staff member
concerned."""

from __future__ import annotations

from datetime import timedelta

UNREACHABLE_ON_CARD = "无法联系报告人"  # the staff chat speaks the deployment's language


async def audit_actions(team, ref) -> list[str]:
    case = await team.pingan.services.cases.by_ref(ref)
    return [e.action for e in reversed(await team.pingan.services.reports.audit_of(case.id))]


async def test_a_blocked_reporter_marks_the_case_and_the_asker_is_told(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    team.emulator.block_bot(team.resident.user_id)
    await team.press(team.officer, ref, text="❓ 询问报告人")
    await team.officer.reply()
    told = await team.officer.ask("Was the shed locked?")
    assert told["text"] == (f"The reporter of {ref} could not be reached (they may have blocked the bot): "
                            "your question was not delivered.")
    assert UNREACHABLE_ON_CARD in team.card(ref)["text"]
    assert "case.reporter_unreachable" in await audit_actions(team, ref)
    await team.press(team.officer, ref, text="✅ 办结")
    await team.press(team.officer, ref, text="已解决")
    await team.officer.reply()
    done = await team.officer.ask("Handled.")
    assert done["text"] == f"{ref} is resolved, but the reporter could not be reached to be told."
    case = await team.pingan.services.cases.by_ref(ref)
    during = [e.detail["during"] for e in await team.pingan.services.reports.audit_of(case.id)
              if e.action == "case.reporter_unreachable"]
    # The block itself (Telegram's my_chat_member), then each refused message.
    assert sorted(during) == ["blocked", "news", "question"]
    # Unblocked, the reporter hears the next news, and the card no longer says they cannot be reached.
    team.emulator.unblock_bot(team.resident.user_id)
    await team.press(team.officer, ref, text="↩ 重新办理")
    await team.officer.reply()  # why is it reopened?
    confirmation = await team.officer.ask("The shed was opened again.")
    reopened = await team.officer.click(confirmation, text="↩ Yes, reopen it")
    assert not reopened.get("text")  # reached: nothing to warn about
    assert "reopened" in (await team.resident.reply())["text"]
    assert UNREACHABLE_ON_CARD not in team.card(ref)["text"]
    assert (await audit_actions(team, ref))[-1] == "case.reporter_reachable"


async def test_a_blocked_reporter_is_said_when_a_button_tells_them(team):
    ref = await team.report()
    team.emulator.block_bot(team.resident.user_id)
    answer = await team.press(team.officer, ref, text="✋ 接单")
    assert answer["text"] == "Done, but the reporter could not be reached to be told (they may have blocked the bot)."
    assert UNREACHABLE_ON_CARD in team.card(ref)["text"]


async def test_an_answer_reaches_the_asker_and_the_owner(team, clock):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    await team.press(team.supervisor, ref, text="❓ 询问报告人")  # a supervisor asks about Wang's case
    await team.supervisor.reply()
    confirmation = await team.supervisor.ask("Did anyone else see it?")
    assert confirmation["text"].startswith(f"Your question was passed on to the reporter of {ref}")
    question = await team.resident.reply()
    await team.resident.ask("The guard at <b>gate 2</b> & his dog.", reply_to_message_id=question["message_id"])
    for reader in (team.supervisor, team.officer):
        answer = await reader.reply()
        assert answer["text"].startswith(f"Answer from the reporter of {ref}")
        assert "The guard at <b>gate 2</b> & his dog." in answer["text"]
    await team.officer.click(answer, text="✓ Seen")
    clock.advance(timedelta(minutes=61))
    await team.run_alarms()  # each reader has their own Seen: only the supervisor has not read it
    reminder = await team.supervisor.reply()
    assert reminder["text"].startswith(f"Still unread: the reporter of {ref} wrote to you.")
    assert team.officer.pending_replies() == []


async def test_blocking_the_bot_shows_on_the_card_at_once_and_coming_back_clears_it(team):
    ref = await team.report()
    team.emulator.block_bot(team.resident.user_id)
    await team.emulator.wait_for(lambda: UNREACHABLE_ON_CARD in team.card(ref)["text"])
    team.emulator.unblock_bot(team.resident.user_id)
    await team.emulator.wait_for(lambda: UNREACHABLE_ON_CARD not in team.card(ref)["text"])
    assert (await audit_actions(team, ref))[-1] == "case.reporter_reachable"


async def test_a_question_telegram_failed_to_deliver_is_not_blamed_on_the_reporter(team):
    """A 5xx is Telegram's failure: the asker is told the question may not have arrived and may be
    asked again; the reporter is not marked unreachable."""
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    await team.press(team.officer, ref, text="❓ 询问报告人")
    await team.officer.reply()
    team.emulator.fail_next("sendMessage", 502, chat_id=team.resident.chat_id)
    told = await team.officer.ask("Was the shed locked?")
    assert told["text"] == (f"Telegram did not confirm that your question reached the reporter of {ref}. It may "
                            "not have arrived: please ask again in a few minutes, or wait for an answer.")
    assert UNREACHABLE_ON_CARD not in team.card(ref)["text"]
    assert "case.reporter_unreachable" not in await audit_actions(team, ref)
