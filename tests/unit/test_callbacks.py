"""Typed callback data: packing, parsing, versions, legacy buttons, and unique families."""

from __future__ import annotations

import re

import pytest

from bot import callbacks
from bot.callbacks import CallbackData


class Sample(CallbackData, prefix="tsample", version=2):
    action: str
    item_id: int
    flag: bool = False


class Legacy(CallbackData, prefix="tlegacy", legacy=True):
    action: str
    item_id: int


def test_pack_and_parse_round_trip():
    data = Sample("acc", 1234, True).pack()
    assert data == "tsample:2:acc:1234:1"
    assert Sample.parse(data) == Sample("acc", 1234, True)


def test_a_trailing_field_with_a_default_may_be_missing():
    assert Sample.parse("tsample:2:acc:7") == Sample("acc", 7, False)


@pytest.mark.parametrize("data", [
    None, "", "tsample", "tsample:2", "tsample:1:acc:1234",  # another version
    "tsample:acc:1234",  # version-less, and the family is not legacy
    "tsample:2:acc:x12", "tsample:2:acc:1:2", "tsample:2:acc:1:yes:extra", "other:2:acc:1",
    "tsample:2:a c:1", "tsample:2:" + "x" * 70 + ":1",
])
def test_anything_else_parses_as_none(data):
    assert Sample.parse(data) is None


def test_a_legacy_family_reads_buttons_posted_before_versions():
    assert Legacy.parse("tlegacy:acc:55") == Legacy("acc", 55)
    assert Legacy.parse("tlegacy:1:acc:55") == Legacy("acc", 55)
    assert Legacy.parse("tlegacy:2:acc:55") is None


def test_pack_refuses_what_telegram_would_refuse():
    with pytest.raises(ValueError):
        Sample("a:b", 1).pack()
    with pytest.raises(ValueError):
        Sample("x" * 60, 1).pack()


def test_the_pattern_catches_every_version_of_the_family_only():
    pattern = re.compile(Sample.pattern())
    assert pattern.match("tsample:1:acc:1") and pattern.match(Sample("a", 1).pack())
    assert not pattern.match("tsamplex:2:a:1")


def test_a_prefix_cannot_be_taken_twice():
    with pytest.raises(ValueError):
        class Again(CallbackData, prefix="tsample"):  # noqa: F841 - defining it is the test
            action: str


def test_fields_are_plain_values():
    with pytest.raises(TypeError):
        class Odd(CallbackData, prefix="todd"):  # noqa: F841
            items: list


def test_every_family_of_the_application_has_its_handler():
    """Each family the handlers define is registered with a CallbackQueryHandler on its own pattern."""
    from telegram.ext import Application, CallbackQueryHandler

    import handlers

    application = Application.builder().token("1:test").build()
    handlers.register(application)
    patterns = {h.pattern.pattern for group in application.handlers.values() for h in group
                if isinstance(h, CallbackQueryHandler) and h.pattern is not None}
    families = [f for f in callbacks.FAMILIES.values() if f.__module__.startswith(("bot.", "handlers."))]
    assert [f.prefix for f in families if f.pattern() not in patterns] == []
