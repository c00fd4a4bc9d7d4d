"""Routing cases to chats (issue 12): several staff chats by area, and tiered handling (四事分办),
where setting a case's level posts its card in that level's chat, and an overdue case is raised a
level. Every posted copy of a card is edited on each change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config_chats import LevelChat, StaffChat
from bot.i18n import gettext_in
from handlers.case_card import CaseButton
from storage.models import GroupKind
from tests.conftest import ADMIN_ID, STAFF_CHAT_ID
from tests.flows import submit, walk_incident
from tests.harness import button_texts

RIVERSIDE_CHAT = -1009000000002
COMMUNITY_CHAT = -1009000000003
TOWNSHIP_CHAT = -1009000000004
SENT_TO_TOWNSHIP = gettext_in("zh", "🏛 Sent to the township chat.")
RAISE_TO_TOWNSHIP = gettext_in("zh", "⬆ Raise to township")
STAFF_GREETING = gettext_in("zh", "Hello, I am Pingan. This is the staff chat: new reports arrive here as case "
                                  "cards, with buttons to accept, grade, assign and resolve them. Residents' "
                                  "details stay behind a staff-only button. Useful here: /cases, /case, /stats.")


@pytest.fixture
def config(config):
    """Riverside's cases go to their own staff chat; the community and township levels have chats."""
    config.reports.areas.append("Riverside")
    config.staff_chats = [StaffChat(chat_id=RIVERSIDE_CHAT, areas=["Riverside"])]
    config.cases.levels = {"community": LevelChat(chat_id=COMMUNITY_CHAT),
                           "township": LevelChat(chat_id=TOWNSHIP_CHAT)}
    return config


@pytest.fixture
async def chats_team(team, emulator):
    """The team, each of them also in the Riverside, community and township chats."""
    for title, chat_id in (("Riverside staff", RIVERSIDE_CHAT), ("Community", COMMUNITY_CHAT),
                           ("Township", TOWNSHIP_CHAT)):
        emulator.add_group(title, chat_id=chat_id, members=[u.user_id for u in team.staff], admins=[ADMIN_ID])
        emulator.add_bot_to_group(chat_id, by_user_id=ADMIN_ID, status="administrator")
        await emulator.wait_for(lambda chat_id=chat_id: emulator.bot_messages(chat_id))
    return team


def card_in(emulator, chat_id, ref):
    return next(m for m in emulator.bot_messages(chat_id) if ref in (m.get("text") or ""))


def has_card(emulator, chat_id, ref) -> bool:
    return any(ref in (m.get("text") or "") for m in emulator.bot_messages(chat_id))


async def test_each_staff_chat_is_greeted_and_recorded_as_a_staff_group(chats_team, emulator, pingan):
    assert emulator.bot_messages(RIVERSIDE_CHAT)[0]["text"] == STAFF_GREETING
    # A level's chat is told what it handles.
    assert emulator.bot_messages(COMMUNITY_CHAT)[0]["text"].startswith("大家好，我是平安。本群负责社区层级的案件")
    assert emulator.bot_messages(TOWNSHIP_CHAT)[0]["text"].startswith("大家好，我是平安。本群负责镇街层级的案件")
    for chat_id in (RIVERSIDE_CHAT, COMMUNITY_CHAT, TOWNSHIP_CHAT):
        group = await pingan.services.groups.by_chat_id(chat_id)
        assert group.kind is GroupKind.STAFF


async def test_a_case_goes_to_the_staff_chat_of_its_area(chats_team, emulator, clock):
    team = chats_team
    ref = await submit(team.resident, await walk_incident(team.resident, where_button="Riverside"),
                       card_in=RIVERSIDE_CHAT)
    assert has_card(emulator, RIVERSIDE_CHAT, ref) and not has_card(emulator, STAFF_CHAT_ID, ref)
    # Nobody accepts it: the 80 % reminder goes to the Riverside chat too.
    clock.advance(timedelta(hours=20))
    await team.run_alarms()
    reminder = gettext_in("zh", "Reminder: {ref} must be accepted by {time}.").split("{time}")[0].format(ref=ref)
    assert [m for m in emulator.bot_messages(RIVERSIDE_CHAT) if m["text"].startswith(reminder)]
    assert not has_card(emulator, STAFF_CHAT_ID, ref)
    # Its buttons work there.
    await team.officer.in_chat(RIVERSIDE_CHAT).click(card_in(emulator, RIVERSIDE_CHAT, ref), text="✋ 接单")
    assert "Wang" in card_in(emulator, RIVERSIDE_CHAT, ref)["text"]
    assert (await team.resident.reply())["text"] == f"Your report {ref} has been accepted by the community police."
    # New information from the reporter is posted under the card, in the Riverside chat.
    listing = await team.resident.ask("/myreports")
    await team.resident.click(listing, text=button_texts(listing)[0])
    await team.resident.click(team.resident.current(listing), text="➕ Add information")
    await team.resident.reply()
    await team.resident.click(await team.resident.ask("The thief wore a <b>red</b> jacket & cap."), text="Done")
    card = card_in(emulator, RIVERSIDE_CHAT, ref)
    added = await emulator.wait_for(lambda: [m for m in emulator.bot_messages(RIVERSIDE_CHAT)
                                             if "red</b> jacket" in (m.get("text") or "")])
    assert added[0]["reply_to_message"]["message_id"] == card["message_id"]
    assert "The thief wore a <b>red</b> jacket & cap." in added[0]["text"]  # shown as typed
    # A case of an area no chat lists goes to the default staff chat.
    elsewhere = await team.report()
    assert has_card(emulator, STAFF_CHAT_ID, elsewhere) and not has_card(emulator, RIVERSIDE_CHAT, elsewhere)


async def test_setting_the_level_posts_the_card_in_that_levels_chat(chats_team, emulator, pingan):
    team = chats_team
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.press(team.officer, ref, text="🏛 层级")
    await team.press(team.officer, ref, text="镇街")
    township_card = card_in(emulator, TOWNSHIP_CHAT, ref)
    assert SENT_TO_TOWNSHIP in team.card(ref)["text"]  # the staff chat's card says where it went
    assert "镇街" in township_card["text"]
    assert not has_card(emulator, COMMUNITY_CHAT, ref)
    # Staff act on it in the township chat; both copies show the change.
    await team.supervisor.in_chat(TOWNSHIP_CHAT).click(township_card, text="🟠 橙")
    assert "橙" in card_in(emulator, TOWNSHIP_CHAT, ref)["text"] and "橙" in team.card(ref)["text"]
    # The next change, from the staff chat, edits both copies too.
    await team.press(team.officer, ref, text="🟢 绿")
    assert "绿" in card_in(emulator, TOWNSHIP_CHAT, ref)["text"] and "绿" in team.card(ref)["text"]
    cards = await pingan.services.cards.posted((await pingan.services.cases.by_ref(ref)).id)
    assert [(c.chat_id, c.kind) for c in cards] == [(STAFF_CHAT_ID, "staff"), (TOWNSHIP_CHAT, "level")]
    # Setting the same level again posts nothing more.
    await team.press(team.officer, ref, text="🏛 层级")
    await team.press(team.officer, ref, text="镇街")
    assert len([m for m in emulator.bot_messages(TOWNSHIP_CHAT) if ref in (m.get("text") or "")]) == 1


async def test_an_overdue_case_is_raised_one_level(chats_team, emulator, pingan, clock):
    team = chats_team
    ref = await team.report()
    await team.press(team.officer, ref, text="✋ 接单")
    await team.press(team.officer, ref, text="🏛 层级")
    await team.press(team.officer, ref, text="社区")
    community_card = card_in(emulator, COMMUNITY_CHAT, ref)
    assert RAISE_TO_TOWNSHIP not in button_texts(team.card(ref))  # not overdue: nothing to raise
    clock.advance(timedelta(days=7, minutes=1))  # past the 7 days to resolve
    await team.run_alarms()
    assert RAISE_TO_TOWNSHIP in button_texts(card_in(emulator, COMMUNITY_CHAT, ref))
    refused = await team.officer2.in_chat(COMMUNITY_CHAT).click(community_card, text=RAISE_TO_TOWNSHIP)
    assert refused["text"] == "Sorry, you are not allowed to do this."  # Wang owns it
    await team.officer.in_chat(COMMUNITY_CHAT).click(card_in(emulator, COMMUNITY_CHAT, ref), text=RAISE_TO_TOWNSHIP)
    township_card = card_in(emulator, TOWNSHIP_CHAT, ref)
    assert "镇街" in township_card["text"] and SENT_TO_TOWNSHIP in team.card(ref)["text"]
    assert SENT_TO_TOWNSHIP in card_in(emulator, COMMUNITY_CHAT, ref)["text"]
    # The township gets its own time: a fresh limit from now, so nothing to raise again yet.
    assert gettext_in("zh", "⬆ Raise to county") not in button_texts(township_card)
    case = await pingan.services.cases.by_ref(ref)
    assert case.level == "township" and case.resolve_due > clock.now()
    raised = [e for e in await pingan.services.cases.history(case.id, team.admin.user_id)
              if e.action == "case.level_raised"]
    assert len(raised) == 1 and raised[0].actor_id == team.officer.user_id
    # A second press of the same button (a copy drawn before the raise) changes nothing.
    stale = CaseButton("raise", case.id, "township").pack()
    await team.officer.in_chat(COMMUNITY_CHAT).forge_press(card_in(emulator, COMMUNITY_CHAT, ref), stale)
    assert (await pingan.services.cases.by_ref(ref)).level == "township"
