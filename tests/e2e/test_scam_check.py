"""'Is this a scam?' as a resident meets it: /check with the text, a forwarded message, /check and
then the paste; the first line is the verdict; links are shown unclickable; nothing is kept."""

from __future__ import annotations

from bot.services.dialogues import DialogueName
from tests.flows import submit
from tests.harness import button_texts

SAFE_ACCOUNT_CALL = ("我是市公安局刑侦支队警官，你涉嫌一起洗钱案，现在要对你的资金进行清查，"
                     "把钱转到安全账户，此事保密不要告诉家人。")
BRUSHING_INVITE = "招聘兼职宝妈，在家动动手指做任务点赞，一单一结，第一单先垫付50元 http://easy-job.top/join"


async def test_a_safe_account_call_is_named_fake_police_with_what_to_do(pingan, make_user):
    resident = make_user("王阿姨")
    answer = await resident.ask(f"/check {SAFE_ACCOUNT_CALL}")
    lines = answer["text"].splitlines()
    assert lines[0] == "⚠️ 很可能是诈骗：冒充公检法"
    assert "安全账户" in answer["text"] and "96110" in answer["text"] and "110" in answer["text"]
    assert button_texts(answer) == ["📝 向警方报告", "再查一条"]
    assert await pingan.services.dialogues.open_drafts(resident.user_id) == []


async def test_a_forwarded_invitation_is_checked_and_its_link_made_unclickable(pingan, make_user):
    resident = make_user("Li Hua", language_code="en")
    answer = await resident.ask(BRUSHING_INVITE, forwarded_from="Job Agent")
    assert answer["text"].splitlines()[0] == "⚠️ Likely fraud: Order-brushing rebates"
    assert "hxxp://easy-job[.]top/join" in answer["text"]
    assert "http://easy-job.top" not in answer["text"]
    assert not any(e.get("type") in ("url", "text_link") for e in answer.get("entities", []))


async def test_check_then_paste_with_wrong_input_cancel_and_restart(pingan, make_user):
    resident = make_user("张大爷")
    question = await resident.ask("/check")
    assert "粘贴" in question["text"]
    assert "保存 30 天用于反诈统计，不会向任何人显示是谁发来的" in question["text"]  # what is kept, and how long
    retry = await resident.ask(sticker=True)
    assert "只能查文字" in retry["text"]
    await pingan.restart()
    harmless = await resident.ask("【菜鸟驿站】您的快递已到小区东门驿站，取件码3-2-1024，请及时领取。")
    assert harmless["text"].splitlines()[0] == "✅ 没有发现已知的诈骗特征。拿不准就打 96110。"
    # The dialogue is over: the next plain message is not taken as another check.
    assert (await resident.ask("你好"))["text"].startswith("想把这件事告诉社区民警吗？")  # the general offer
    again = await resident.click(harmless, text="再查一条")
    assert again.get("text") is None
    await resident.reply()
    assert "已取消" in (await resident.ask("/cancel"))["text"]


async def test_html_in_the_checked_message_is_shown_as_written(pingan, make_user):
    resident = make_user("Li Hua", language_code="en")
    answer = await resident.ask("/check <b>Your parcel</b> & refund: this is customer service, share your screen")
    assert answer["text"].splitlines()[0] == "⚠️ Likely fraud: Fake shop or courier customer service"
    assert "share your screen" in answer["text"]


async def test_in_a_group_it_points_to_the_private_chat(pingan, make_user, emulator):
    resident = make_user("王阿姨")
    emulator.add_group("Riverside", chat_id=-1002000000001, members=[resident.user_id])
    emulator.add_bot_to_group(-1002000000001, by_user_id=resident.user_id)
    answer = await resident.in_chat(-1002000000001).ask(f"/check {SAFE_ACCOUNT_CALL}")
    assert "私聊" in answer["text"] and "安全账户" not in answer["text"]
    assert await pingan.services.dialogues.get(resident.user_id, DialogueName.SCAM_CHECK) is None


async def test_the_welcome_offers_the_check_and_keeps_its_buttons(pingan, make_user):
    resident = make_user("王阿姨")
    welcome = await resident.ask("/start")
    assert "/check" in welcome["text"]
    await resident.click(welcome, text="🛡 是不是诈骗？查一查")
    assert "粘贴" in (await resident.reply())["text"]
    assert "🛡 是不是诈骗？查一查" in button_texts(resident.current(welcome))


async def test_one_tap_turns_a_check_into_a_fraud_report_with_the_message_kept(pingan, make_user):
    resident = make_user("Li Hua", language_code="en")
    verdict = await resident.ask(BRUSHING_INVITE, forwarded_from="Job Agent")
    await resident.click(verdict, text="📝 Report it to the police")
    urgency = await resident.reply()
    assert urgency["text"] == "Is it happening now, or is anyone in danger?"  # the category is known: fraud
    draft = await pingan.services.dialogues.get(resident.user_id, DialogueName.REPORT)
    assert draft.data["category"] == "fraud" and draft.data["received_message"] == BRUSHING_INVITE
    await resident.click(urgency, text="No")
    await resident.reply()  # what happened?
    await resident.send("I paid 50 yuan for the first task and they asked for more.")
    photos = await resident.reply()
    await resident.click(photos, text="Skip: no photos")
    await resident.reply()  # the location keyboard
    await resident.send("Building 3")
    await resident.reply()  # noted
    await resident.click(await resident.reply(), text="Yesterday")
    await resident.reply()  # the phone keyboard
    await resident.click(await resident.reply(), text="Stay anonymous")
    await resident.reply()  # noted
    review = await resident.reply()
    assert "The message you received: 招聘兼职宝妈" in review["text"]
    assert "Fraud or attempted fraud" in review["text"]
    ref = await submit(resident, review)
    [case] = await pingan.services.reports.cases_of(resident.user_id)
    assert (case.ref, case.category) == (ref, "fraud")
    assert case.details["received_message"] == BRUSHING_INVITE  # the message checked goes with the case


async def test_checks_are_counted_in_the_stations_figures(pingan, make_user, admin):
    harmless = "今晚七点小区广场有电影放映。"
    for name, text in (("王阿姨", SAFE_ACCOUNT_CALL), ("李叔", BRUSHING_INVITE), ("张姐", harmless)):
        await make_user(name).ask(f"/check {text}")
    stats = await admin.ask("/stats")
    assert "Scam checks: 3 · a known fraud pattern in 2 (66.7%) · waves raised: 0" in stats["text"]
    assert "Most seen: " in stats["text"] and "Fake police, procurators or courts" in stats["text"]
