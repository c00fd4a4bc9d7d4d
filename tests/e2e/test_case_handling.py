"""Case handling (issue 12): duplicates merged into their original, re-categorising, hand-over on
revoke and by /handover, the away mark, and a reporter withdrawing their report."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import STAFF_CHAT_ID
from tests.flows import submit, walk_incident
from tests.harness import button_texts


async def case_of(team, ref):
    return await team.pingan.services.cases.by_ref(ref)


async def history(team, ref):
    case = await case_of(team, ref)
    return await team.pingan.services.cases.history(case.id, team.admin.user_id)


async def test_reject_as_duplicate_of_a_candidate_merges_and_keeps_the_reporter_informed(team, make_user):
    original = await team.report()
    bob = make_user("Bob", language_code="en")
    duplicate = await submit(bob, await walk_incident(bob))
    await team.press(team.officer, duplicate, text="🚫 不予受理")
    await team.press(team.officer, duplicate, text="重复报告")
    candidates = button_texts(team.card(duplicate))
    assert any(original in b for b in candidates) and "✏️ 输入原报告的编号" in candidates
    await team.press(team.officer, duplicate, text=next(b for b in candidates if original in b))
    told = await bob.reply()
    assert told["text"].startswith(f"Your report {duplicate} is about the same thing as report {original}")
    dup_case, orig_case = await case_of(team, duplicate), await case_of(team, original)
    assert dup_case.status == "rejected" and dup_case.duplicate_of == orig_case.id
    assert {r.user_id for r in await team.pingan.services.reports.reporters(orig_case.id)} == {
        team.resident.user_id, bob.user_id}
    assert "2 位居民报告了此事。" in team.card(original)["text"]
    assert f"重复报告，原报告为 {original}" in team.card(duplicate)["text"]
    merged = [e for e in await history(team, original) if e.action == "case.duplicate_merged"]
    assert merged and merged[0].detail["duplicate"] == dup_case.id
    # Bob now hears the original's news, and /myreports says where his report went.
    await team.press(team.officer, original, text="✋ 接单")
    assert (await bob.reply())["text"] == f"Your report {original} has been accepted by the community police."
    listing = await bob.ask("/myreports")
    await bob.click(listing, text=next(b for b in button_texts(listing) if duplicate in b))
    details = bob.current(listing)["text"]
    assert f"This is the same as report {original}" in details
    assert "My e-bike battery" in details  # his own words only (the original's are the same text here)


async def test_duplicate_by_typed_reference_and_wrong_references(team, make_user):
    original = await team.report()
    bob = make_user("Bob", language_code="en")
    duplicate = await submit(bob, await walk_incident(bob, category="Fraud or attempted fraud"))
    await team.press(team.officer, duplicate, text="🚫 不予受理")
    await team.press(team.officer, duplicate, text="重复报告")
    assert not any(original in b for b in button_texts(team.card(duplicate)))  # another category
    await team.press(team.officer, duplicate, text="✏️ 输入原报告的编号")
    prompt = await team.officer.reply()
    assert prompt["text"].startswith(f"Which case does {duplicate} repeat?")
    assert (await team.officer.ask("<b>&"))["text"].startswith("I could not find that case.")
    refused = await team.officer.ask(duplicate)  # itself
    assert refused["text"].startswith("That case cannot be the original")
    done = await team.officer.ask(f"it is {original.lower()}")
    assert done["text"].startswith(f"{duplicate} is closed as a duplicate of {original}")
    assert (await case_of(team, duplicate)).duplicate_of == (await case_of(team, original)).id
    assert (await bob.reply())["text"].startswith(f"Your report {duplicate} is about the same thing")


async def test_recategorise_is_audited_and_the_figures_follow(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    await team.press(team.officer, ref, text="🏷 类别")
    assert "✓ 盗窃" in button_texts(team.card(ref))
    answer = await team.press(team.officer2, ref, text="诈骗")
    assert "not allowed" in answer["text"]  # not the owner, not a supervisor
    await team.press(team.officer, ref, text="诈骗")
    case = await case_of(team, ref)
    assert case.category == "fraud" and "诈骗" in team.card(ref)["text"]
    entry = next(e for e in await history(team, ref) if e.action == "case.recategorised")
    assert entry.detail == {"from": "theft", "to": "fraud"} and entry.actor_id == team.officer.user_id
    figures = await team.pingan.services.stats.figures("week", area=None)
    assert [(kind, category) for kind, category, _n in figures.top_categories] == [("incident", "fraud")]


async def test_revoking_a_role_hands_the_open_cases_to_the_one_chosen(team):
    first, second = await team.report(), await team.report()
    for ref in (first, second):
        await team.press(team.officer, ref, text="✋ 接单")
        await team.resident.reply()
    confirm = await team.admin.ask(f"/revoke {team.officer.user_id} officer")
    assert "They own 2 open cases. Who should take them over?" in confirm["text"]
    buttons = button_texts(confirm)
    assert "Yes, and hand them to Zhao" in buttons and "Yes, and put them back in the staff chat" in buttons
    assert not any("Wang" in b for b in buttons)
    await team.admin.click(confirm, text="Yes, and hand them to Zhao")
    done = team.admin.current(confirm)["text"]
    assert done == "Done: Wang is no longer a community officer. 2 cases of Wang are now with Zhao."
    told = await team.officer2.reply()
    assert told["text"].startswith(f"These cases were handed over to you: {first}, {second}.")
    for ref in (first, second):
        case = await case_of(team, ref)
        assert case.owner_id == team.officer2.user_id and case.status == "in_progress"
        assert "Zhao" in team.card(ref)["text"]
        moved = [e for e in await history(team, ref) if e.action == "case.handed_over"]
        assert moved[0].detail == {"from": team.officer.user_id, "to": team.officer2.user_id, "via": "revoke"}


async def test_revoking_without_a_successor_puts_cases_back_in_the_staff_chat(team):
    ref = await team.report()
    await team.press(team.mediator, ref, text="✋ 接单")
    await team.resident.reply()
    before = len(team.emulator.bot_messages(STAFF_CHAT_ID))
    confirm = await team.admin.ask(f"/revoke {team.mediator.user_id} mediator")
    await team.admin.click(confirm, text="Yes, and put them back in the staff chat")
    assert "1 case of Liu is back in the staff chat, unowned." in team.admin.current(confirm)["text"]
    case = await case_of(team, ref)
    assert case.owner_id is None and case.status == "new"
    said = [m["text"] for m in team.emulator.bot_messages(STAFF_CHAT_ID)[before:]]
    assert any(ref in text and "Liu" in text for text in said)
    assert "✋ 接单" in button_texts(team.card(ref))  # anyone may accept it again


async def test_handover_command_for_supervisors_only(team, clock):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    refused = await team.officer2.ask(f"/handover {team.officer.user_id} {team.officer2.user_id}")
    assert refused["text"] == "Sorry, only supervisors and administrators can hand cases over."
    assert "/handover <from user id>" in (await team.supervisor.ask("/handover x"))["text"]
    done = await team.supervisor.ask(f"/handover {team.officer.user_id} {team.mediator.user_id}")
    assert done["text"] == "1 case of Wang is now with Liu."
    assert (await team.mediator.reply())["text"].startswith(f"This case was handed over to you: {ref}.")
    assert (await case_of(team, ref)).owner_id == team.mediator.user_id
    nothing = await team.supervisor.ask(f"/handover {team.officer.user_id} -")
    assert nothing["text"] == "Wang had no open cases to hand over."
    back = await team.supervisor.ask(f"/handover {team.mediator.user_id} -")
    assert back["text"] == "1 case of Liu is back in the staff chat, unowned."
    assert (await case_of(team, ref)).accept_due > clock.now()  # a fresh limit to be accepted again
    assert [e.detail["via"] for e in await history(team, ref) if e.action == "case.handed_over"] == [
        "command", "command"]


async def test_away_keeps_out_of_assign_lists_and_sends_reminders_to_the_supervisors(team, clock):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    away = await team.officer.ask("/away")
    assert away["text"].startswith("You are marked away")
    await team.press(team.supervisor, ref, text="👤 指派")
    assert not any("Wang" in b for b in button_texts(team.card(ref)))
    assert any("Zhao" in b for b in button_texts(team.card(ref)))
    await team.press(team.supervisor, ref, text="« 上一步")
    clock.advance(timedelta(days=5, hours=15))  # past 80 % of the default 7 days to resolve
    await team.run_alarms()
    reminder = await team.supervisor.reply()
    assert reminder["text"].startswith(f"Reminder: {ref} must be resolved by")
    assert not [m for m in team.emulator.bot_messages(team.officer.user_id) if "Reminder" in (m.get("text") or "")]
    back = await team.officer.ask("/away off")
    assert back["text"].startswith("Welcome back")
    assert not await team.pingan.services.handover.is_away(team.officer.user_id)
    assert (await team.resident.ask("/away"))["text"] == "Sorry, only staff can mark themselves away."


async def test_a_reporter_withdraws_an_open_report(team):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.resident.reply()
    listing = await team.resident.ask("/myreports")
    await team.resident.click(listing, text=button_texts(listing)[0])
    await team.resident.click(listing, text="↩ Withdraw this report")
    assert button_texts(team.resident.current(listing)) == [
        "I solved it myself", "I reported it by mistake", "Another reason", "« Keep my report"]
    await team.resident.click(listing, text="I solved it myself")
    assert team.resident.current(listing)["text"].startswith(f"Your report {ref} is withdrawn.")
    told = await team.officer.reply()
    assert told["text"].startswith(f"The reporter withdrew {ref}: I solved it myself.")
    case = await case_of(team, ref)
    assert case.status == "withdrawn" and case.outcome == "withdrawn_solved_myself"
    assert "报告人已撤回" in team.card(ref)["text"]
    entry = next(e for e in await history(team, ref) if e.action == "case.withdrawn")
    assert entry.detail == {"reason": "solved_myself"} and entry.actor_id == team.resident.user_id
    counts = (await team.pingan.services.stats.figures("week", area=None)).cases
    assert (counts.withdrawn, counts.resolved, counts.rejected, counts.still_open) == (1, 0, 0, 0)
    listing = await team.resident.ask("/myreports")
    await team.resident.click(listing, text=button_texts(listing)[0])
    details = team.resident.current(listing)
    assert "You withdrew it" in details["text"] and "↩ Withdraw this report" not in button_texts(details)


async def test_an_unowned_withdrawal_is_said_in_the_staff_chat_and_only_the_first_reporter_may(team, make_user):
    ref = await team.report()
    case = await case_of(team, ref)
    mallory = make_user("Mallory", language_code="en")
    await mallory.ask("/help")
    fake = await mallory.ask("/myreports")
    answer = await mallory.forge_press(fake, f"wd:1:do:{case.id}:by_mistake")
    assert "only see your own reports" in answer["text"]
    before = len(team.emulator.bot_messages(STAFF_CHAT_ID))
    listing = await team.resident.ask("/myreports")
    await team.resident.click(listing, text=button_texts(listing)[0])
    await team.resident.click(listing, text="↩ Withdraw this report")
    await team.resident.click(listing, text="I reported it by mistake")
    said = [m["text"] for m in team.emulator.bot_messages(STAFF_CHAT_ID)[before:]]
    assert any(text.startswith(f"报告人撤回了 {ref}") for text in said), said
    assert (await case_of(team, ref)).status == "withdrawn"
