"""Every Chinese text of the catalogue follows the house rules: one term per thing, full-width
punctuation beside Chinese, and a count with its measure word."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "bot/locales/zh/LC_MESSAGES/messages.po"

#: Chinese characters and full-width forms.
_CJK = r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]"
#: Half-width punctuation touching Chinese ("你好,"), except after an ASCII word ("area:幸福小区"
#: is the /find syntax) and a dot inside a name or number.
_HALF_WIDTH = re.compile(
    rf"(?<={_CJK})[,;:?!()\"]|(?<![A-Za-z])[,;:?!(\"]\s*(?={_CJK})|[)\"](?={_CJK})|(?<={_CJK})\.(?!\w)")
#: One word for each thing: the wrong one → the one used.
_TERMS = {"举报人": "报告人", "督导": "所领导", "紧急通知": "紧急通报", "防诈骗": "反诈", "值班群": "工作群",
          "通知计划": "定时通知", "超时": "超期"}
#: A number placeholder in a plural text, and what may follow it: a measure word (or a unit), or
#: "/" for "3/10".
_COUNT = re.compile(r"\{(count|tips|total|limit|n)\}(?!\s?[\u4e00-\u9fff/]|\s?/)")


def _texts() -> list[tuple[str, str, bool]]:
    """(msgid, Chinese text, is plural) for every entry."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    entries = []
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        entries += [(msgid, text, not isinstance(message.id, str)) for text in strings]
    return entries


def _without_placeholders(text: str) -> str:
    return re.sub(r"\{[^}]*\}", "X", text)


def test_punctuation_beside_chinese_is_full_width():
    offenders = [(msgid, text) for msgid, text, _ in _texts() if _HALF_WIDTH.search(_without_placeholders(text))]
    assert offenders == []


def test_one_term_per_thing():
    offenders = [(msgid, text, wrong) for msgid, text, _ in _texts() for wrong in _TERMS if wrong in text]
    assert offenders == []


def test_counts_carry_their_measure_word():
    offenders = [(msgid, text) for msgid, text, plural in _texts() if plural and _COUNT.search(text)]
    assert offenders == []


def test_the_rules_catch_what_they_are_for():
    assert _HALF_WIDTH.search("请稍候,马上就好")
    assert _HALF_WIDTH.search("照片(2 张)")
    assert not _HALF_WIDTH.search("area:幸福小区 时间 21:00")
    assert _COUNT.search("报告人撤回：{count}") and not _COUNT.search("照片：{count} 张")
    assert not _COUNT.search("已发送 {sent}/{total} 个群")
