"""Pure rules: roles, callback data, deep links, locale choice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks
from bot.deeplinks import InvitePayload, ReportPayload, invite_payload, parse_payload, start_link
from bot.i18n import choose_locale, normalise_language_code
from bot.roles import can_invite, can_revoke, invitable_roles, is_staff
from handlers.language import LanguageButton
from handlers.roles import RevokeButton
from storage.models import Role


def test_who_may_invite_whom():
    assert invitable_roles({Role.RESIDENT}) == []
    assert invitable_roles({Role.RESIDENT, Role.STEWARD}) == []
    assert invitable_roles({Role.RESIDENT, Role.OFFICER}) == [Role.STEWARD]
    assert can_invite({Role.ADMIN}, Role.ADMIN)
    assert not can_invite({Role.OFFICER}, Role.MEDIATOR)
    assert can_revoke({Role.OFFICER}, Role.STEWARD) and not can_revoke({Role.OFFICER}, Role.OFFICER)
    assert not is_staff({Role.RESIDENT, Role.STEWARD}) and is_staff({Role.MEDIATOR})


def test_callback_round_trip_and_limits():
    data = RevokeButton("do", 123456789, "officer").pack()
    assert RevokeButton.parse(data) == RevokeButton("do", 123456789, "officer")
    assert LanguageButton.parse(data) is None
    with pytest.raises(ValueError):
        RevokeButton("do", 1, "a" * 64).pack()
    with pytest.raises(ValueError):
        RevokeButton("do", 1, "has:colon").pack()


@given(st.text(max_size=100))
def test_callback_parse_never_raises(data):
    for family in callbacks.FAMILIES.values():
        parsed = family.parse(data)
        assert parsed is None or len(data.encode()) <= 64


@given(st.text(max_size=80))
def test_payload_parse_never_raises(payload):
    result = parse_payload(payload)
    assert result is None or isinstance(result, InvitePayload | ReportPayload)


def test_invite_payload_fits_a_deep_link():
    link = start_link("pingan_bot", invite_payload("Ab_-" * 4))
    assert link == "https://t.me/pingan_bot?start=inv_Ab_-Ab_-Ab_-Ab_-"
    with pytest.raises(ValueError):
        start_link("pingan_bot", "x" * 65)


@pytest.mark.parametrize("code,expected", [
    ("zh-hans", "zh"), ("zh-CN", "zh"), ("zh_TW", "zh"), ("en-US", "en"), ("EN", "en"), ("fr", None), ("", None),
    (None, None),
])
def test_normalise_language_code(code, expected):
    assert normalise_language_code(code) == expected


def test_choose_locale_order():
    assert choose_locale("en", "zh-hans", "zh") == "en"
    assert choose_locale(None, "en-US", "zh") == "en"
    assert choose_locale(None, "de", "en") == "en"
