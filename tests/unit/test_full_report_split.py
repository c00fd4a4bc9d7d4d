"""The full report's words, cut into messages Telegram takes (4096 UTF-16 units each)."""

from __future__ import annotations

import html

from handlers.case_full_report import pack
from handlers.message_text import MESSAGE_LIMIT, split_plain, utf16_len


def test_a_long_chinese_text_is_cut_anywhere_and_nothing_is_lost():
    text = "电瓶车被盗，" * 1500  # 9,000 characters, no spaces
    pieces = split_plain(text, MESSAGE_LIMIT)
    assert len(pieces) == 3 and "".join(pieces) == text
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in pieces)


def test_a_long_english_text_is_cut_at_a_space():
    text = " ".join(["word"] * 2000)
    pieces = split_plain(text, 1000)
    assert all(p.endswith("word") and p.startswith("word") for p in pieces)
    assert " ".join(pieces) == text


def test_emoji_count_twice_as_telegram_counts_them():
    pieces = split_plain("😀" * 3000, MESSAGE_LIMIT)
    assert [len(p) for p in pieces] == [2048, 952]


def test_blocks_share_messages_while_they_fit_and_are_escaped_once():
    messages = list(pack(["<b>a</b> & b", "x" * 3000, "y" * 3000], MESSAGE_LIMIT))
    assert len(messages) == 2
    assert messages[0].startswith("&lt;b&gt;a&lt;/b&gt; &amp; b\n\nxxx")
    assert all(utf16_len(html.unescape(m)) <= MESSAGE_LIMIT for m in messages)
