"""Officers' additions to the scam rules: layered over the shipped YAML, previewed against the
checks kept, audited, removable, and refused to anyone else or when they would do harm."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import open_services
from bot.services.errors import NotAllowed
from bot.services.scam_rules import RuleAddition, RuleProblem
from storage.audit import AuditRepo
from storage.models import Role

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
OFFICER, RESIDENT = frozenset({Role.OFFICER}), frozenset()
#: A new scam script the shipped rules miss: "a parcel held at customs, pay the duty".
CUSTOMS = "您好，您的国际包裹被海关扣留，需缴纳关税清关费后才能放行，请联系专员处理。"


@pytest.fixture
async def services(tmp_path):
    services = await open_services(Settings(storage={"path": str(tmp_path / "pingan.db")}), ManualClock(NOW))
    yield services
    await services.db.close()


async def _kept(services, *texts):
    for user_id, text in enumerate(texts, start=1):
        await services.scam_clusters.record(user_id, text, services.scam_rules.checker.check(text))


async def test_a_new_signal_is_previewed_on_the_checks_kept_then_used_and_audited(services):
    rules = services.scam_rules
    await _kept(services, CUSTOMS, "海关扣留了我的包裹，我去现场问了。", "今天天气不错。")
    assert rules.checker.check(CUSTOMS).type_id is None
    addition = RuleAddition("fake_customer_service", None, "清关费", say_zh="要交“清关费”",
                            say_en="asks for a customs fee", weight=3)
    preview = await rules.preview(addition)
    assert (preview.looked_at, preview.matched, preview.newly_named) == (3, 1, 1)
    assert preview.samples[0].startswith("您好，您的国际包裹")
    edit_id = await rules.add(1001, OFFICER, addition)
    verdict = rules.checker.check(CUSTOMS)
    assert verdict.type_id == "fake_customer_service"
    assert [f.quote for f in verdict.findings] == ["清关费"]
    assert rules.checker.signal_text(f"added_{edit_id}", "en") == "asks for a customs fee"
    audit = await AuditRepo(services.db).entries(subject_type="scam_rule", subject_id=str(edit_id))
    assert [e.action for e in audit] == ["scam_rule.added"]


async def test_a_phrase_added_to_a_signal_survives_a_restart_and_can_be_removed(services, tmp_path):
    rules = services.scam_rules
    await rules.add(1001, OFFICER, RuleAddition("fake_police", "safe_account", "保险柜账户"))
    text = "我是公安局的，把钱转到保险柜账户。"
    assert rules.checker.check(text).firm_rule is not None
    reopened = await open_services(services.config, services.clock)
    try:
        assert reopened.scam_rules.checker.check(text).type_id == "fake_police"
        [edit] = await reopened.scam_rules.added()
        removed = await reopened.scam_rules.remove(1001, OFFICER, edit.id)
        assert removed.phrase == "保险柜账户"
        assert reopened.scam_rules.checker.check(text).firm_rule is None
        with pytest.raises(RuleProblem, match="gone"):
            await reopened.scam_rules.remove(1001, OFFICER, edit.id)
    finally:
        await reopened.db.close()


async def test_removing_a_new_signal_removes_the_phrases_added_to_it(services):
    rules = services.scam_rules
    new_signal = RuleAddition("fake_shopping", None, "代付款", say_zh="代付", say_en="pays for you", weight=1)
    signal_id = await rules.add(1001, OFFICER, new_signal)
    await rules.add(1001, OFFICER, RuleAddition("fake_shopping", f"added_{signal_id}", "帮忙代付"))
    await rules.remove(1001, OFFICER, signal_id)
    assert await rules.added() == []


@pytest.mark.parametrize(("addition", "code"), [
    (RuleAddition("fake_police", "safe_account", "账"), "too_short"),
    (RuleAddition("fake_police", "safe_account", "安 全 账 户"), "known"),  # folded, it is already there
    (RuleAddition("fake_police", "safe_account", "长" * 41), "too_long"),
    (RuleAddition("no_such_type", None, "清关费"), "unknown_type"),
    (RuleAddition("fake_police", "deposit", "清关费"), "unknown_signal"),  # not a signal of that type
    (RuleAddition("fake_police", None, "清关费", say_zh="清关", say_en=None, weight=2), "incomplete"),
])
async def test_harmful_or_incomplete_additions_are_refused(services, addition, code):
    with pytest.raises(RuleProblem, match=code):
        await services.scam_rules.add(1001, OFFICER, addition)
    assert await services.scam_rules.added() == []


async def test_only_officers_supervisors_and_admins_change_the_rules(services):
    with pytest.raises(NotAllowed):
        await services.scam_rules.add(5, RESIDENT, RuleAddition("fake_police", "safe_account", "保险柜账户"))
    with pytest.raises(NotAllowed):
        await services.scam_rules.add(5, frozenset({Role.MEDIATOR}),
                                      RuleAddition("fake_police", "safe_account", "保险柜账户"))
