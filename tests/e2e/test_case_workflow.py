"""The staff side: the case card's buttons, time limits with escalation, and the follow-up visit."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import STAFF_CHAT_ID
from tests.flows import REF, submit, walk_incident
from tests.harness import button_texts


async def test_the_closed_loop_from_report_to_follow_up(team, clock):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    told = await team.resident.reply()
    assert told["text"] == f"Your report {ref} has been accepted by the community police."
    assert "王" not in told["text"] and "Wang" not in told["text"]  # no staff names by default
    card = team.card(ref)
    assert "Wang" in card["text"] and "✋ 接单" not in button_texts(card)
    # A second press (from a copy of the card that still shows Accept) changes nothing.
    late = await team.officer2.in_chat(STAFF_CHAT_ID).forge_press(team.card(ref),
                                                                  f"case:accept:{(await case_of(team, ref)).id}")
    assert late["text"] == "Already accepted by Wang."
    await team.press(team.officer, ref, text="🟠 橙")
    assert "橙" in team.card(ref)["text"]
    await team.press(team.officer, ref, text="👤 指派")
    assert any("Liu" in b for b in button_texts(team.card(ref)))
    await team.press(team.officer, ref, text=next(b for b in button_texts(team.card(ref)) if "Liu" in b))
    assert (await team.resident.reply())["text"] == f"Someone is now handling your report {ref}."
    assigned = await team.mediator.reply()
    assert assigned["text"].startswith(f"Case {ref} has been assigned to you.")
    await team.press(team.mediator, ref, text="🏛 层级")
    await team.press(team.mediator, ref, text="社区")
    await team.press(team.mediator, ref, text="📝 备注")
    ask = await team.mediator.reply()
    assert ask["text"].startswith(f"Write the internal note for {ref}")
    saved = await team.mediator.ask("Spoke to the property office; CCTV being checked.")
    assert saved["text"] == f"Note saved on {ref}."
    await team.press(team.mediator, ref, text="✅ 办结")
    await team.press(team.mediator, ref, text="已解决")
    await team.mediator.reply()
    done = await team.mediator.ask("The battery was found and returned to you.")
    assert done["text"].startswith(f"{ref} is resolved")
    resolved = await team.resident.reply()
    assert resolved["text"] == f"Your report {ref} has been resolved: The battery was found and returned to you."
    assert "CCTV" not in resolved["text"]  # internal notes never reach the reporter
    listing = await team.resident.ask("/myreports")
    await team.resident.click(listing, text=button_texts(listing)[0])
    details = team.resident.current(listing)["text"]
    assert "Status: resolved" in details and "Result: The battery was found" in details and "CCTV" not in details
    for step in ("Report received", "Accepted by the community police", "Someone is now handling it", "Resolved"):
        assert step in details
    assert "Wang" not in details and "Liu" not in details  # what happened, never who
    case = await case_of(team, ref)
    assert case.status == "resolved" and case.level == "community" and case.owner_id == team.mediator.user_id
    # The follow-up visit, three days later.
    clock.advance(timedelta(days=3, minutes=1))
    await team.run_alarms()
    question = await team.resident.reply()
    assert question["text"].startswith(f"A few days ago your report {ref} was resolved.")
    rating = await team.resident.reply()
    await team.resident.click(rating, text="⭐⭐⭐⭐⭐")
    comment_prompt = await team.resident.reply()
    assert comment_prompt["text"].startswith("Thank you for your rating: ⭐⭐⭐⭐⭐.")
    await team.resident.click(question, text="Yes, it is solved")
    await team.resident.reply()  # glad it is solved
    thanks = await team.resident.ask("Very quick, thank you!", reply_to_message_id=comment_prompt["message_id"])
    assert thanks["text"] == "Thank you for your comment."
    case = await case_of(team, ref)
    assert case.status == "closed"
    followup = await team.pingan.services.followups.followup(case.id)
    assert followup.solved is True and followup.stars == 5 and followup.comment == "Very quick, thank you!"
    figures = await team.pingan.services.cases.figures()
    assert figures["screened"] == 1 and figures["resolved"] == 1 and figures["satisfied"] == 1
    history = [e.action for e in await team.pingan.services.cases.history(case.id, team.admin.user_id)]
    for action in ("case.reported", "case.accepted", "case.graded", "case.assigned", "case.level_set",
                   "case.note_added", "case.resolved", "case.followup_asked", "case.followup_answered",
                   "case.closed"):
        assert action in history


async def case_of(team, ref):
    return await team.pingan.services.cases.by_ref(ref)


async def test_residents_and_forged_presses_change_nothing(team, make_user):
    ref = await team.report()
    case = await case_of(team, ref)
    outsider = make_user("Mallory", language_code="en")
    team.emulator.add_member(STAFF_CHAT_ID, outsider.user_id)
    for data in (f"case:accept:{case.id}", f"case:grade:{case.id}:red", f"case:resolveto:{case.id}:resolved",
                 f"case:assignto:{case.id}:{outsider.user_id}", f"case:history:{case.id}"):
        answer = await outsider.in_chat(STAFF_CHAT_ID).forge_press(team.card(ref), data)
        assert "not allowed" in answer["text"], data
    answer = await team.officer.in_chat(STAFF_CHAT_ID).forge_press(team.card(ref), "case:accept:999999")
    assert "expired" in answer["text"]
    answer = await team.officer.in_chat(STAFF_CHAT_ID).forge_press(team.card(ref), f"case:resolveto:{case.id}:resolved")
    assert "not possible" in answer["text"]  # a new case cannot be resolved before it is accepted
    assert (await case_of(team, ref)).status == "new"


async def test_two_staff_accepting_at_once_make_one_owner(team):
    ref = await team.report()
    card = team.card(ref)
    first = team.emulator.press_button(team.officer.user_id, STAFF_CHAT_ID, card["message_id"], text="✋ 接单")
    second = team.emulator.press_button(team.officer2.user_id, STAFF_CHAT_ID, card["message_id"], text="✋ 接单")
    answers = [await team.emulator.wait_for(lambda q=q: team.emulator.callback_answer(q)) for q in (first, second)]
    case = await case_of(team, ref)
    assert case.owner_id == team.officer.user_id
    assert answers[1]["text"] == "Already accepted by Wang."
    told = [m for m in team.emulator.bot_messages(team.resident.user_id) if "has been accepted" in m["text"]]
    assert len(told) == 1


async def test_overdue_escalation_once_each_and_across_a_restart(team, clock, pingan):
    ref = await team.report()  # ungraded: the default (yellow) limits, accept within 24 h
    staff_chat_before = len(team.emulator.bot_messages(STAFF_CHAT_ID))
    clock.advance(timedelta(hours=19, minutes=13))  # 80% of 24 h
    await team.run_alarms()
    await team.run_alarms()  # nothing twice
    reminders = team.emulator.bot_messages(STAFF_CHAT_ID)[staff_chat_before:]
    assert [m["text"] for m in reminders if m["text"].startswith("提醒")] != []
    assert len(reminders) == 1
    await pingan.restart()
    clock.advance(timedelta(hours=5))  # past the limit: the supervisor hears of it
    await team.run_alarms()
    overdue = await team.supervisor.reply()
    assert overdue["text"].startswith(f"Overdue: {ref} was not accepted in time.")
    await team.run_alarms()
    assert team.supervisor.pending_replies() == []
    clock.advance(timedelta(hours=24))  # another limit: the admins
    await team.run_alarms()
    assert (await team.admin.reply())["text"].startswith(f"Overdue: {ref}")
    # Accepting late stops the accept alarms; the resolve ones go to the owner.
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    clock.advance(timedelta(days=4, hours=10))
    await team.run_alarms()
    assert (await team.officer.reply())["text"].startswith(f"Reminder: {ref} must be resolved by")


async def test_not_solved_at_follow_up_reopens_and_tells_owner_and_supervisor(team, clock):
    ref = await team.report()
    await team.resolve(ref, outcome="已解决", text="Both sides agreed to quiet hours.")
    assert "has been accepted" in (await team.resident.reply())["text"]
    assert "has been resolved" in (await team.resident.reply())["text"]
    clock.advance(timedelta(days=3, minutes=1))
    await team.run_alarms()
    question = await team.resident.reply()
    await team.resident.reply()
    await team.resident.click(question, text="No, not yet")
    assert (await case_of(team, ref)).status == "reopened"
    assert "is not solved" in (await team.officer.reply())["text"]
    assert "is not solved" in (await team.supervisor.reply())["text"]
    again = await team.resident.forge_press(question, f"fu:solved:{(await case_of(team, ref)).id}:1")
    assert "already saved" in again["text"] or "expired" in again["text"]


async def test_no_answer_to_the_follow_up_is_recorded(team, clock):
    ref = await team.report()
    await team.resolve(ref)
    clock.advance(timedelta(days=3, minutes=1))
    await team.run_alarms()
    clock.advance(timedelta(days=7, minutes=1))
    await team.run_alarms()
    case = await case_of(team, ref)
    followup = await team.pingan.services.followups.followup(case.id)
    assert followup.no_response and case.status == "closed"


async def test_cases_and_case_commands(team):
    ref = await team.report()
    listing = await team.officer.ask("/cases")
    assert f"/case_{ref.replace('-', '_')}" in listing["text"]
    card = await team.officer.ask(f"/case {ref}")
    assert ref in card["text"] and "✋ 接单" in button_texts(card)
    await team.officer.click(card, text="✋ 接单")
    assert "Wang" in team.card(ref)["text"]  # the staff chat's card follows
    refused = await team.resident.ask(f"/case {ref}")
    assert refused["text"] == "Sorry, only staff can see cases."
    assert (await team.officer.ask("/case nonsense"))["text"].startswith("“nonsense” is not a case reference.")
    assert (await team.officer.ask("/case"))["text"].startswith("Please give a reference")


async def test_supervisors_get_a_spot_check_sample(team, clock):
    team.pingan.services.cases.settings.spot_check_fraction = 1.0
    ref = await team.report()
    await team.resolve(ref)
    clock.advance(timedelta(days=3, minutes=1))
    await team.run_alarms()
    check = await team.supervisor.reply()
    assert check["text"].startswith(f"Spot check: {ref} was resolved (Resolved).")


async def test_ask_reporter_relays_both_ways_and_reminds_an_unread_answer(team, clock):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    await team.press(team.officer, ref, text="❓ 询问报告人")
    prompt = await team.officer.reply()
    assert prompt["text"].startswith(f"Write your question for the reporter of {ref}")
    confirmation = await team.officer.ask("Was the shed locked?")
    assert confirmation["text"].startswith(f"Your question was passed on to the reporter of {ref}")
    question = await team.resident.reply()
    assert "Was the shed locked?" in question["text"] and "Wang" not in question["text"]
    assert question["_reply_markup"].get("force_reply") is True
    thanks = await team.resident.ask("Yes, with a padlock.", reply_to_message_id=question["message_id"])
    assert thanks["text"] == "Thank you, your answer has been passed on."
    answer = await team.officer.reply()
    assert "Yes, with a padlock." in answer["text"] and "Alice" in answer["text"]
    assert not [m for m in team.emulator.bot_messages(STAFF_CHAT_ID) if "padlock" in (m.get("text") or "")]
    clock.advance(timedelta(minutes=61))
    await team.run_alarms()
    reminder = await team.officer.reply()
    assert reminder["text"].startswith(f"Still unread: the reporter of {ref} wrote to you.")
    await team.officer.click(answer, text="✓ Seen")
    clock.advance(timedelta(minutes=61))
    await team.run_alarms()
    assert team.officer.pending_replies() == []


async def test_an_answer_typed_without_reply_still_reaches_the_asker(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    await team.press(team.officer, ref, text="❓ 询问报告人")
    await team.officer.reply()
    await team.officer.ask("Was the shed locked?")
    question = await team.resident.reply()
    assert "Just type your answer here: there is no need to reply to this message." in question["text"]
    thanks = await team.resident.ask("Yes, with a padlock.")  # typed, not replied to
    assert thanks["text"] == "Thank you, your answer has been passed on."
    assert "Yes, with a padlock." in (await team.officer.reply())["text"]
    # Answered: the next plain message is not taken for an answer again.
    assert "Thank you" not in (await team.resident.ask("hello?"))["text"]


async def test_history_is_sent_privately_in_full(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    answer = await team.press(team.supervisor, ref, text="📜 记录")
    assert answer["text"] == "I have sent you the history privately."
    history = await team.supervisor.reply()
    assert history["text"].startswith(f"History of {ref}:") and "Wang · accepted" in history["text"]


async def test_staff_names_only_when_the_deployment_allows(team):
    team.pingan.services.config.cases.show_staff_names = True
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    told = await team.resident.reply()
    assert told["text"].endswith("Handled by: Wang")


async def test_orange_cases_go_to_the_areas_officer_and_assign_lists_them_first(team):
    team.pingan.services.config.reports.areas.append("Riverside")
    reply = await team.officer2.ask("/area Riverside")
    assert reply["text"] == "Your area is now Riverside."
    ref = await submit(team.resident, await walk_incident(team.resident, where_button="Riverside"))
    await team.press(team.officer, ref, text="🟠 橙")
    told = await team.officer2.reply()
    assert told["text"].startswith(f"Case {ref} was graded orange.")
    assert team.officer.pending_replies() == []  # Wang has no beat there
    await team.press(team.officer, ref, text="👤 指派")
    assert button_texts(team.card(ref))[0] == "Zhao · 社区民警 · Riverside"
    staff = await team.admin.ask("/staff")
    assert "Riverside" in staff["text"]


async def test_a_red_emergency_case_loop(team, clock):
    resident = team.resident
    kind = await resident.ask("/report")
    await resident.click(kind, text="An incident: theft, fraud, danger…")
    await resident.click(await resident.reply(), text="Fight or disturbance")
    await resident.click(await resident.reply(), text="Yes, it is happening now")
    numbers = await resident.reply()
    assert "110" in numbers["text"] and "120" in numbers["text"]
    urgent = await team.supervisor.reply()
    assert urgent["text"].startswith("URGENT:") and "is happening now" in urgent["text"]
    ref = REF.search(urgent["text"]).group(0)
    case = await case_of(team, ref)
    assert case.grade == "red" and case.accept_due - case.created_at == timedelta(minutes=15)
    clock.advance(timedelta(minutes=16))  # nobody accepted within 15 minutes
    await team.run_alarms()
    assert (await team.supervisor.reply())["text"].startswith(f"Overdue: {ref} was not accepted in time.")
    await team.press(team.supervisor, ref, text="✋ 接单")
    await team.press(team.supervisor, ref, text="✅ 办结")
    await team.press(team.supervisor, ref, text="已转交其他部门")
    await team.supervisor.reply()
    await team.supervisor.ask("Handed to the fire brigade, who came within minutes.")
    case = await case_of(team, ref)
    assert case.status == "resolved" and case.outcome == "referred"


async def test_markup_in_notes_questions_and_answers_reaches_people_literally(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    await team.press(team.officer, ref, text="📝 备注")
    await team.officer.reply()
    await team.officer.ask("Check <b>CCTV</b> & gate log")
    await team.press(team.officer, ref, text="❓ 询问报告人")
    await team.officer.reply()
    await team.officer.ask("Was it <i>locked</i> & chained?")
    question = await team.resident.reply()
    assert "Was it <i>locked</i> & chained?" in question["text"]
    await team.resident.ask("Yes <b>both</b> & more", reply_to_message_id=question["message_id"])
    answer = await team.officer.reply()
    assert "Yes <b>both</b> & more" in answer["text"]
    await team.press(team.supervisor, ref, text="📜 记录")
    history = await team.supervisor.reply()
    assert "Check <b>CCTV</b> & gate log" in history["text"]


async def test_a_reopened_case_is_escalated_again_at_its_new_deadline(team, clock):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")

    def overdue_notices() -> int:
        return sum(1 for m in team.emulator.bot_messages(team.supervisor.chat_id)
                   if m["text"].startswith(f"Overdue: {ref} was not resolved in time."))

    clock.advance(timedelta(days=7, hours=1))  # past the resolve limit (yellow: 7 days)
    await team.run_alarms()
    await team.emulator.wait_for(lambda: overdue_notices() == 1)
    await team.press(team.officer, ref, text="✅ 办结")
    await team.press(team.officer, ref, text="已解决")
    await team.emulator.wait_for(lambda: "Write what was done" in (team.emulator.last_bot_message(
        team.officer.chat_id) or {}).get("text", ""))
    await team.officer.send("Handled.")
    await team.officer.reply()  # resolved, the reporter told
    await team.emulator.wait_for(lambda: "↩ 重新办理" in button_texts(team.card(ref)))
    await team.press(team.officer, ref, text="↩ 重新办理")
    assert (await team.officer.reply())["text"].startswith(f"Write why {ref} is reopened")
    confirmation = await team.officer.ask("The bikes are gone again.")
    await team.officer.click(confirmation, text="↩ Yes, reopen it")
    clock.advance(timedelta(days=7, hours=1))  # the reopened case's own limit has passed too
    await team.run_alarms()
    await team.emulator.wait_for(lambda: overdue_notices() == 2)
