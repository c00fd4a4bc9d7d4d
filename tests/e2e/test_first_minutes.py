"""What a newcomer trips over in the first minutes (issue 16, the sandbox walk): a resident who
just writes down their problem is offered the report at once, in their language; the figures'
lines read with Chinese punctuation."""

from __future__ import annotations

from storage.models import Role
from tests.flows import submit, walk_incident
from tests.harness import button_texts


async def test_a_resident_who_just_writes_their_problem_is_offered_the_report(pingan, make_user):
    resident = make_user("李华", language_code="zh")
    offer = await resident.ask("你好，我家电动车电瓶昨晚被偷了")
    assert offer["text"].startswith("想把这件事告诉社区民警吗？请点“报告警情或纠纷”")
    assert button_texts(offer) == ["📝 报告警情或纠纷", "🛡 是不是诈骗？查一查"]
    await resident.click(offer, text="📝 报告警情或纠纷")
    assert (await resident.reply())["text"] == "您想告诉我们什么？"


async def test_in_english_too_and_a_message_received_goes_to_the_check(pingan, make_user):
    resident = make_user("Alice", language_code="en")
    offer = await resident.ask("Someone called saying my bank account is frozen.")
    assert offer["text"].startswith("Would you like to tell the community police about this?")
    await resident.click(offer, text="🛡 Is this a scam? Check a message")
    assert (await resident.reply())["text"].startswith("Paste the message you received")


async def test_the_figures_by_type_and_category_use_the_chinese_colon(pingan, make_user, staff_chat):
    resident = make_user("Alice", language_code="en")
    await submit(resident, await walk_incident(resident, phone="138 0013 8000"))
    officer = make_user("王警官", language_code="zh")
    await pingan.services.people.register_contact(officer.user_id, "王警官", None, "zh")
    await pingan.services.people.grant_by_system(officer.user_id, Role.OFFICER, via="test")
    figures = (await officer.ask("/stats"))["text"]
    assert "\n警情：1 · 上期：0 · 去年同期：0" in figures and "\n  盗窃：1 · " in figures


async def test_a_steward_is_not_promised_cases_or_a_staff_chat(pingan, make_user):
    steward = make_user("刘师傅", language_code="zh")
    await pingan.services.people.register_contact(steward.user_id, "刘师傅", None, "zh")
    await pingan.services.people.grant_by_system(steward.user_id, Role.STEWARD, via="test")
    welcome = (await steward.ask("/start"))["text"]
    assert "作为平安管家，您的任务是及早发现隐患" in welcome and "工作群" not in welcome
    officer = make_user("Wang", language_code="en")
    await pingan.services.people.register_contact(officer.user_id, "Wang", None, "en")
    await pingan.services.people.grant_by_system(officer.user_id, Role.OFFICER, via="test")
    assert "reach you here and in the staff chat" in (await officer.ask("/start"))["text"]
