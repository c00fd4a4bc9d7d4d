"""The "Is this a scam?" rules: every realistic message of the corpus gets its fraud type, every
harmless one (filed by the type whose words it shares) none; evasions and reminders are read as people mean."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.services.scam_check import RuleLibrary, ScamChecker, defang, fold

CORPUS = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "scam_corpus.yaml").read_text("utf-8"))
CHECKER = ScamChecker()
SCAMS = [(fraud, text) for fraud, texts in CORPUS["scams"].items() for text in texts]
HARMLESS = [(fraud, text) for fraud, texts in CORPUS["harmless"].items() for text in texts]
#: The issue asks for at least this many scam and harmless messages per type.
PER_TYPE = 8


@pytest.mark.parametrize(("fraud", "text"), SCAMS, ids=[f"{f}-{i}" for i, (f, _t) in enumerate(SCAMS)])
def test_each_scam_is_named_by_its_type(fraud, text):
    assert CHECKER.check(text).type_id == fraud


@pytest.mark.parametrize(("fraud", "text"), HARMLESS, ids=[f"{f}-{i}" for i, (f, _t) in enumerate(HARMLESS)])
def test_harmless_messages_are_not_flagged(fraud, text):
    assert CHECKER.check(text).type_id is None


def test_every_type_of_the_library_has_examples():
    assert set(CORPUS["scams"]) == set(CHECKER.library.types)
    assert set(CORPUS["harmless"]) == set(CHECKER.library.types)


@pytest.mark.parametrize("section", ["scams", "harmless"])
def test_every_type_has_enough_distinct_messages(section):
    short = {fraud: len(set(texts)) for fraud, texts in CORPUS[section].items() if len(set(texts)) < PER_TYPE}
    assert not short, f"{section}: fewer than {PER_TYPE} distinct messages: {short}"


def test_inserted_spaces_symbols_and_full_width_forms_do_not_hide_a_scam():
    for evasion in ("请把钱转到安 全 账 户", "请把钱转到安*全*账*户", "请把钱转到安.全.账.户"):
        verdict = CHECKER.check(evasion)
        assert verdict.type_id == "fake_police" and verdict.firm_rule is not None
    assert fold("ＵＳＤＴ充值")[0] == "usdt充值"


def test_findings_quote_the_message_as_received():
    verdict = CHECKER.check("我是市公安局警官，请把存款转到安 全 账 户。")
    quotes = {f.signal: f.quote for f in verdict.findings}
    assert quotes["safe_account"] == "安 全 账 户"
    assert quotes["authority_identity"] == "公安局"


def test_an_anti_fraud_reminder_is_not_a_scam():
    verdict = CHECKER.check("民警提醒：公安机关从不要求把钱转到安全账户，谨防诈骗。")
    assert verdict.type_id is None and verdict.reads_as_warning


def test_links_and_numbers_are_found_and_defanged():
    verdict = CHECKER.check("点击 http://yibao-check.cc/login 或拨打 13812345678、021-61234567 办理")
    assert verdict.links == ("http://yibao-check.cc/login",)
    assert verdict.phones == ("13812345678", "021-61234567")
    assert defang("http://yibao-check.cc/login") == "hxxp://yibao-check[.]cc/login"


def test_the_library_refuses_a_type_naming_an_unknown_signal():
    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "scam_rules.yaml").read_text("utf-8"))
    data["types"]["fake_police"]["signals"]["no_such_signal"] = 1
    with pytest.raises(ValueError, match="no_such_signal"):
        RuleLibrary.model_validate(data)


def test_traditional_forms_and_homophones_are_read_as_what_they_stand_for():
    verdict = CHECKER.check("請把錢轉到安全帳戶")
    assert verdict.type_id == "fake_police"
    assert {f.signal: f.quote for f in verdict.findings}["safe_account"] == "安全帳戶"
    assert CHECKER.fold("加薇信付款")[0] == "加微信付款"
    assert CHECKER.check("超低价出名表，不走平台，加 威 信 付款").type_id == "fake_shopping"


def test_a_real_police_notice_of_a_case_filed_is_not_a_scam():
    notice = "【城东派出所】您报警的电动车被盗一案已立案，案件编号A2026-1234，如有新线索请联系派出所民警。"
    assert CHECKER.check(notice).type_id is None
    # The same words with a demand are the scam.
    assert CHECKER.check(notice + "请把存款转到安全账户核查。").type_id == "fake_police"
