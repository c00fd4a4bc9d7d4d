"""Per-area supervision: red cases and overdue escalations go to the case's area supervisors (all
of them when the area has none), and Supervise (督办) gives an overdue case a new deadline with a
note to its owner."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import Role
from tests.conftest import STAFF_CHAT_ID
from tests.flows import submit, walk_incident
from tests.harness import button_texts


@pytest.fixture
async def area_team(team, make_user):
    """The team with a second supervisor whose area is Riverside."""
    team.pingan.services.config.reports.areas.append("Riverside")
    team.riverside_chief = make_user("Chief Qian", language_code="en")
    people = team.pingan.services.people
    await people.register_contact(team.riverside_chief.user_id, "Chief Qian", None, "en")
    await people.grant_by_system(team.riverside_chief.user_id, Role.SUPERVISOR, via="test")
    assert (await team.riverside_chief.ask("/area Riverside"))["text"] == "Your area is now Riverside."
    return team


async def riverside_report(team) -> str:
    return await submit(team.resident, await walk_incident(team.resident, where_button="Riverside"))


async def test_red_and_overdue_go_to_the_areas_supervisor_first(area_team, clock):
    team = area_team
    ref = await riverside_report(team)
    await team.press(team.officer, ref, text="🔴 红")
    assert (await team.riverside_chief.reply())["text"].startswith(f"Case {ref} was graded red.")
    clock.advance(timedelta(minutes=16))
    await team.run_alarms()
    assert (await team.riverside_chief.reply())["text"].startswith(f"Overdue: {ref} was not accepted in time.")
    assert team.supervisor.pending_replies() == []  # Chief Sun has no beat in Riverside
    # A case from an area without its own supervisor goes to every supervisor.
    elsewhere = await team.report()
    await team.press(team.officer, elsewhere, text="🔴 红")
    assert (await team.supervisor.reply())["text"].startswith(f"Case {elsewhere} was graded red.")
    assert (await team.riverside_chief.reply())["text"].startswith(f"Case {elsewhere} was graded red.")


async def test_supervise_an_overdue_case_with_a_new_deadline_and_a_note(team, clock):
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    assert "⏰ 督办" not in button_texts(team.card(ref))  # not overdue: nothing to supervise
    clock.advance(timedelta(days=7, minutes=1))  # past the 7 days to resolve
    await team.run_alarms()
    assert (await team.supervisor.reply())["text"].startswith(f"Overdue: {ref} was not resolved in time.")
    await team.officer.reply()  # the owner's 80 % reminder came first
    assert "⏰ 督办" in button_texts(team.card(ref))
    refused = await team.press(team.officer2, ref, text="⏰ 督办")
    assert refused["text"] == "Sorry, only supervisors and admins can supervise a case."
    await team.press(team.supervisor, ref, text="⏰ 督办")
    assert button_texts(team.card(ref))[:3] == ["+4 小时", "+1 天", "+3 天"]
    answer = await team.press(team.supervisor, ref, text="+1 天")
    assert answer["text"] == "I have sent you a private message: write it there."
    prompt = await team.supervisor.reply()
    assert prompt["text"].startswith(f"Write a short note for the one handling {ref}")
    assert "(+1 day)" in prompt["text"]
    done = await team.supervisor.ask("Visit <b>Mrs Li</b> & report back")
    new_due = (clock.now() + timedelta(days=1)).astimezone(team.pingan.services.config.tzinfo)
    assert done["text"] == (f"{ref} is supervised: the new deadline is {new_due.day} {new_due:%b %H:%M}. "
                            "The one handling it has been told.")
    told = await team.officer.reply()
    assert told["text"] == (f"Supervision: Chief Sun set {ref} a new deadline, {new_due.day} {new_due:%b %H:%M}.\n"
                            f"Note: Visit <b>Mrs Li</b> & report back\n/case {ref}")
    card = team.card(ref)["text"]
    assert f"⏰ 已由 Chief Sun 督办，限 {new_due.month}月{new_due.day}日 {new_due:%H:%M} 前办结" in card
    assert "⏰ 督办" not in button_texts(team.card(ref))  # no longer overdue
    entries = await team.pingan.services.cases.history(
        (await team.pingan.services.cases.by_ref(ref)).id, team.supervisor.user_id)
    assert [e.detail["extension"] for e in entries if e.action == "case.supervised"] == ["1d"]
    figures = await team.officer.ask("/stats")
    assert "Supervised (new deadline set): 1 case" in figures["text"]
    # The new deadline has its own ladder: reminder, then the supervisors again.
    clock.advance(timedelta(hours=20))
    await team.run_alarms()
    assert (await team.officer.reply())["text"].startswith(f"Reminder: {ref} must be resolved by")
    clock.advance(timedelta(hours=4))
    await team.run_alarms()
    assert (await team.supervisor.reply())["text"].startswith(f"Overdue: {ref} was not resolved in time.")


async def test_supervising_a_case_nobody_accepted_tells_the_staff_chat(team, clock):
    ref = await team.report()
    clock.advance(timedelta(hours=24, minutes=1))
    await team.run_alarms()
    await team.press(team.admin, ref, text="⏰ 督办")
    await team.press(team.admin, ref, text="+4 小时")
    await team.admin.reply()
    done = await team.admin.ask("Someone take this today, please.")
    assert "Nobody owns it yet, so the staff chat has been told." in done["text"]
    staff_chat = [m["text"] for m in team.emulator.bot_messages(STAFF_CHAT_ID)]
    assert any(t.startswith("督办：Admin Chen 为") and ref in t for t in staff_chat)
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.accept_due == clock.now() + timedelta(hours=4)


async def test_a_forged_supervise_press_on_a_case_on_time_changes_nothing(team):
    ref = await team.report()
    case = await team.pingan.services.cases.by_ref(ref)
    answer = await team.supervisor.in_chat(STAFF_CHAT_ID).forge_press(team.card(ref), f"sup:1:ext:{case.id}:3d")
    assert answer["text"] == "This case is not overdue now, so there is nothing to supervise."
    assert await team.pingan.services.supervision.latest(case.id) is None
