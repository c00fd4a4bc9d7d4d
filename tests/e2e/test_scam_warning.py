"""A wave of one scam in an area, as officers meet it: several residents check the same kind of
message, the area's officers get an alert with the count and a sample (never who checked), and
one tap sends a ready-made warning to the area's residents' groups through the outbox, once."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import SCAM_PURGE_JOB
from bot.services.scam_rules import RuleAddition
from handlers.scam_warning import ScamWarnButton
from storage.models import GroupKind, Role
from storage.people import PeopleRepo
from tests.harness import button_texts

AREA = "幸福小区"
SAFE_ACCOUNT = ("我是市公安局刑侦支队警官，你涉嫌一起洗钱案，把钱转到安全账户，此事保密不要告诉家人。"
                "有问题打 0851-88886666")
ADMIN = frozenset({Role.ADMIN})


async def _group(emulator, pingan, title, area, language="zh"):
    chat = emulator.add_group(title, type="supergroup")
    emulator.add_bot_to_group(chat["id"], by_user_id=777001)
    await emulator.wait_for(lambda: emulator.bot_messages(chat["id"]))  # the greeting: the join is recorded
    group = await pingan.services.groups.by_chat_id(chat["id"])
    await pingan.services.groups.change(group.id, 1, ADMIN, kind=GroupKind.HOMEOWNERS, area=area, language=language)
    return chat["id"]


def _warnings(emulator, chat_id):
    return [m for m in emulator.bot_messages(chat_id) if "反诈预警" in m["text"] or "Anti-fraud warning" in m["text"]]


async def _residents_of(pingan, make_user, names):
    residents = [make_user(name) for name in names]
    people = PeopleRepo(pingan.services.db)
    for resident in residents:
        await people.ensure_exists(resident.user_id, pingan.services.clock.now())
        await people.set_area(resident.user_id, AREA, pingan.services.clock.now())
    return residents


async def test_a_cluster_alerts_the_areas_officers_and_one_tap_warns_its_groups_once(pingan, team, emulator,
                                                                                     make_user):
    for officer in (team.officer, team.officer2):
        await pingan.services.people.set_own_area(officer.user_id, AREA)
    groups = {"zh": await _group(emulator, pingan, "幸福小区1号楼", AREA),
              "en": await _group(emulator, pingan, "Happy Court 2", AREA, "en"),
              "elsewhere": await _group(emulator, pingan, "阳光花园", "阳光花园")}
    residents = await _residents_of(pingan, make_user, ["王阿姨", "李大爷", "张奶奶"])
    for resident in residents[:2]:
        await resident.ask(SAFE_ACCOUNT, forwarded_from="未知号码")
    assert not team.officer.pending_replies()  # two residents are not yet a wave
    await residents[2].ask(SAFE_ACCOUNT, forwarded_from="未知号码")

    alert = await team.officer.reply()  # one wave: the type and the number, in one alert
    assert alert["text"].splitlines()[0] == "⚠️ A scam is going round"
    assert f"3 residents of {AREA} checked messages of the scam “Fake police, procurators or courts”" in alert["text"]
    assert "The number in them: 085188886666" in alert["text"]
    assert "安全账户" in alert["text"]  # the sample
    assert not any(name in alert["text"] for name in ("王阿姨", "李大爷", "张奶奶"))
    assert button_texts(alert) == [f"📣 Warn the groups of {AREA}"]

    answer = await team.officer.click(alert, text=f"📣 Warn the groups of {AREA}")
    assert answer["text"] == "The warning is on its way to 2 groups."
    await emulator.wait_for(lambda: _warnings(emulator, groups["zh"]) and _warnings(emulator, groups["en"]))
    zh_warning = _warnings(emulator, groups["zh"])[0]["text"]
    assert "冒充公检法" in zh_warning and "085188886666" in zh_warning and "96110" in zh_warning
    assert "Fake police" in _warnings(emulator, groups["en"])[0]["text"]
    assert "Warning on its way to 2 groups" in team.officer.current(alert)["text"]
    assert button_texts(team.officer.current(alert)) == []

    # The other officer of the area taps their own copy: nothing is sent twice.
    other = await team.officer2.reply()
    second = await team.officer2.click(other, text=f"📣 Warn the groups of {AREA}")
    assert second["text"] == "Wang already sent this warning; it goes out once."
    await pingan.services.notices.run_due()
    assert [len(_warnings(emulator, groups[k])) for k in ("zh", "en", "elsewhere")] == [1, 1, 0]
    assert not team.officer.pending_replies() and not team.officer2.pending_replies()


async def test_only_officers_may_press_and_a_resident_hears_nothing_of_the_wave(pingan, team, emulator, make_user):
    await pingan.services.people.set_own_area(team.officer.user_id, AREA)
    await _group(emulator, pingan, "幸福小区1号楼", AREA)
    residents = await _residents_of(pingan, make_user, ["王阿姨", "李大爷", "张奶奶"])
    for resident in residents:
        verdict = await resident.ask(SAFE_ACCOUNT, forwarded_from="未知号码")
        assert verdict["text"].splitlines()[0] == "⚠️ 很可能是诈骗：冒充公检法"
    alert = await team.officer.reply()
    assert not any(r.pending_replies() for r in residents)  # residents hear nothing of the wave
    cluster_id = ScamWarnButton.parse(alert["reply_markup"]["inline_keyboard"][0][0]["callback_data"]).cluster_id
    refused = await residents[2].forge_press(verdict, ScamWarnButton("warn", cluster_id).pack())
    assert refused["text"] == "抱歉，只有社区民警、所领导和管理员可以发送预警。"
    expired = await team.officer.forge_press(alert, ScamWarnButton("warn", 999).pack())
    assert expired["text"] == "This button has expired."


async def test_the_daily_purge_forgets_texts_past_the_retention(pingan, make_user, clock):
    resident = make_user("王阿姨")
    await resident.ask(SAFE_ACCOUNT, forwarded_from="未知号码")
    figures = pingan.services.scam_figures
    start = clock.now() - timedelta(hours=1)
    clock.advance(timedelta(days=31))
    app = pingan.bot.application
    await app.job_queue.get_jobs_by_name(SCAM_PURGE_JOB)[0].run(app)
    preview = await pingan.services.scam_rules.preview(RuleAddition("fake_police", "safe_account", "保险柜账户"))
    assert preview.looked_at == 0  # no text is kept any more
    assert (await figures.figures(start, clock.now())).by_type == {"fake_police": 1}  # the figures stay
