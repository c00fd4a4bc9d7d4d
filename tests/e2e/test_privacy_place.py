"""A reporter's exact place (the typed address, the map pin) counts as identity (issue 13): the
staff chat's card names the compound only; the address and the pin reach only those who may see
the reporter's contact — behind the contact button and in their Full report."""

from __future__ import annotations

from tests.conftest import STAFF_CHAT_ID
from tests.flows import submit, walk_incident

ADDRESS = "No. 18 Peach Lane, flat 302"
FULL_REPORT = "📄 完整报告"
CONTACT = "📞 报告人联系方式（内部）"


async def _full_report(team, user, ref) -> list[dict]:
    """Presses Full report and returns every message it sent the presser."""
    before = len(team.emulator.bot_messages(user.chat_id))
    answer = await team.press(user, ref, text=FULL_REPORT)
    assert answer["text"] == "I have sent you the full report privately."
    await team.emulator.wait_for(lambda: len(team.emulator.bot_messages(user.chat_id)) > before)
    return team.emulator.bot_messages(user.chat_id)[before:]


async def test_a_typed_address_stays_out_of_the_staff_chat_and_reaches_those_who_may_see_identity(team):
    ref = await submit(team.resident, await walk_incident(team.resident, where=ADDRESS, phone="138 0013 8000"))
    card = team.card(ref)["text"]
    assert ADDRESS not in card and "地点：报告人提供了具体位置（只随报告人联系方式显示给有权查看的人）" in card
    refused = " ".join(m.get("text", "") for m in await _full_report(team, team.officer2, ref))
    assert ADDRESS not in refused
    assert "Where: an exact place was given: only those who may see the reporter's contact see it" in refused
    await team.press(team.officer, ref, text="✋ 接单")
    contact = await team.press(team.officer, ref, text=CONTACT)
    assert f"Place: {ADDRESS}" in contact["text"]
    allowed = " ".join(m.get("text", "") for m in await _full_report(team, team.officer, ref))
    assert f"Where: {ADDRESS}" in allowed
    assert ADDRESS not in " ".join(m.get("text") or "" for m in team.emulator.bot_messages(STAFF_CHAT_ID))


async def test_a_map_pin_goes_only_to_those_who_may_see_identity(team):
    ref = await submit(team.resident, await walk_incident(team.resident, location=(31.23, 121.47),
                                                          phone="138 0013 8000"))
    assert not [c for c in team.emulator.calls_to("sendLocation") if int(c.params["chat_id"]) == STAFF_CHAT_ID]
    refused = await _full_report(team, team.officer2, ref)
    assert not [m for m in refused if "location" in m]
    await team.press(team.officer, ref, text="✋ 接单")
    contact = await team.press(team.officer, ref, text=CONTACT)
    assert "Place: a map pin (it is in the Full report)" in contact["text"]
    allowed = await _full_report(team, team.officer, ref)
    assert [m["location"]["latitude"] for m in allowed if "location" in m] == [31.23]


async def test_the_compound_a_reporter_chose_is_on_the_card(team):
    team.pingan.services.config.reports.areas.append("Riverside")
    ref = await submit(team.resident, await walk_incident(team.resident, where_button="Riverside"))
    assert "地点：Riverside" in team.card(ref)["text"]


async def test_privacy_says_the_exact_place_is_identity_in_both_languages(team, make_user):
    english = await team.resident.ask("/privacy")
    assert "the exact place you give (a typed address or a map pin)" in english["text"]
    chinese = await make_user("李华", language_code="zh").ask("/privacy")
    assert "您提供的具体位置（输入的地址或地图定位）" in chinese["text"]
