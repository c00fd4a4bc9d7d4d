"""Which failed Bot API requests may all the same have reached Telegram (bot/request_fate.py)."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.request_fate import may_have_arrived


def _caused(error, cause):
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(("error", "arrived"), [
    (_caused(TimedOut(), httpx.ReadTimeout("read")), True),  # written, no answer in time
    (_caused(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone")), True),
    (_caused(NetworkError("httpx.ReadError"), httpx.ReadError("reset")), True),
    (_caused(TimedOut(), httpx.ConnectTimeout("connect")), False),  # never connected
    (_caused(TimedOut("Pool timeout: all connections busy"), httpx.PoolTimeout("pool")), False),
    (_caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")), False),
    (NetworkError("Bad Gateway"), False),  # an answer: 502, nothing done
    (NetworkError("Internal Server Error (500)"), False),
    (RetryAfter(3), False),
    (BadRequest("Bad Request: chat not found"), False),
    (Forbidden("Forbidden: bot was blocked by the user"), False),
])
def test_only_a_request_that_may_have_been_carried_out_counts_as_maybe_arrived(error, arrived):
    assert may_have_arrived(error) is arrived
