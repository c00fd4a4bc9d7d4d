"""Whether a Bot API request that failed may all the same have reached Telegram.

Telegram has no idempotency key and no way to ask whether a message arrived. A request that timed
out waiting for its answer, or whose connection broke after it was written, may have been carried
out; one answered with an error (a 5xx, a 429, a 400/403), refused before connecting, or stuck in
our own connection pool never was. At-least-once deliveries send the first kind again saying the
copy may be a repeat, and the second kind again unmarked.
"""

from __future__ import annotations

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

#: Transport failures after the request may have been written.
AFTER_SENDING = (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)


def may_have_arrived(exc: TelegramError) -> bool:
    """True for a read timeout or a connection lost after sending; False for an error answer, or a
    timeout or failure before the request left."""
    cause = exc.__cause__
    if isinstance(exc, TimedOut):
        return not (isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout) or "Pool timeout" in str(exc))
    if isinstance(exc, BadRequest):
        return False
    return isinstance(exc, NetworkError) and isinstance(cause, AFTER_SENDING)
