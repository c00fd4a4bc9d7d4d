"""What the authorisation matrix and the fuzzer found (issue 19), each kept as the press that showed
it: buttons forged onto a message they were never on — the case card in the staff chat, the bot's
message in a residents' group — must leave it as it is and post nothing there."""

from __future__ import annotations

from handlers.addition import AdditionButton
from handlers.alert_prompts import AlertButton
from handlers.audit_view import AuditButton
from handlers.case_find import FindButton
from handlers.case_supervision_view import SuperviseButton
from handlers.mediation_decline import DeclineButton
from handlers.scam_check import CheckButton
from tests.conftest import STAFF_CHAT_ID
from tests.flows import join_group

CASE_WORDS = ("e-bike battery", "Building 3")


def _shown(message: dict) -> tuple:
    return message.get("text"), message.get("reply_markup")


async def _residents_group(team, make_user):
    """A residents' group with a resident, the officer and the admin in it; returns it and the bot's greeting."""
    resident = await join_group(make_user("Bob", language_code="en"), "Sunny Garden")
    for person in (team.officer, team.admin):
        team.emulator.add_member(resident.chat_id, person.user_id)
    return resident, team.emulator.bot_messages(resident.chat_id)[0]


async def test_back_under_supervise_never_turns_a_group_message_into_the_case_card(team, make_user):
    ref = await team.report()
    case = await team.pingan.services.cases.by_ref(ref)
    resident, greeting = await _residents_group(team, make_user)
    await resident.forge_press(greeting, SuperviseButton("back", case.id).pack())
    shown = resident.current(greeting)
    assert _shown(shown) == _shown(greeting)
    assert not any(word in (shown.get("text") or "") for word in CASE_WORDS)


async def test_private_dialogue_buttons_leave_the_card_and_the_group_alone(team, make_user):
    ref = await team.report()
    resident, greeting = await _residents_group(team, make_user)
    in_staff = team.resident.in_chat(STAFF_CHAT_ID)
    team.emulator.add_member(STAFF_CHAT_ID, team.resident.user_id)
    card = team.card(ref)
    forged = [AdditionButton("done").pack(), CheckButton("again").pack(), CheckButton("stop").pack(),
              DeclineButton("skip").pack(), AlertButton("cal", "91").pack()]
    for data in forged:
        for client, message in ((resident, greeting), (in_staff, card)):
            before = client.current(message)
            answer = await client.forge_press(message, data)
            assert answer["show_alert"] is True, data
            assert _shown(client.current(message)) == _shown(before), data
    # "Report it" under a check does not take the card's words into the presser's report.
    await in_staff.forge_press(card, CheckButton("report").pack())
    await team.resident.ask("/help")  # every update before it is handled
    draft = await team.pingan.services.intake.draft(team.resident.user_id)
    assert draft is None or "e-bike" not in str(draft.data)


async def test_staff_pages_never_replace_a_residents_group_message(team, make_user):
    await team.report()
    resident, greeting = await _residents_group(team, make_user)
    await team.admin.ask("/audit")
    await team.officer.ask("/find bike")
    [search_id] = [row[0] for row in await team.pingan.services.db.fetch_all("SELECT id FROM case_searches")]
    [view_id] = [row[0] for row in await team.pingan.services.db.fetch_all("SELECT id FROM audit_views")]
    for person, data in ((team.admin, AuditButton("page", view_id, 1).pack()),
                         (team.officer, FindButton("page", search_id, 1).pack())):
        in_group = person.in_chat(resident.chat_id)
        answer = await in_group.forge_press(greeting, data)
        assert answer["show_alert"] is True, data  # "this button has expired", in the group's language
        assert _shown(in_group.current(greeting)) == _shown(greeting), data
