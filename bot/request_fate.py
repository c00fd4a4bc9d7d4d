"""Whether a Bot API request that failed may all the same have reached Telegram.

Telegram has no idempotency key and no way to ask whether a message arrived. A request that timed
out waiting for its answer, or whose connection broke after it was written, may have been carried
out; one answered with an error (a 5xx, a 429, a 400/403), refused before connecting, or stuck in
our own connection pool never was. At-least-once deliveries send the first kind again saying the
copy may be a repeat, and the second kind again unmarked. The causes are aiohttp's exceptions, as
bot/transport.py raises them.
"""

from __future__ import annotations

import aiohttp
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

#: Transport failures after the request may have been written: the server went away, the
#: connection was reset, the answer broke off.
AFTER_SENDING = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)


def may_have_arrived(exc: TelegramError) -> bool:
    """True for a read timeout or a connection lost after sending; False for an error answer, or a
    timeout or failure before the request left."""
    cause = exc.__cause__
    if isinstance(exc, TimedOut):
        return not isinstance(cause, aiohttp.ConnectionTimeoutError)
    if isinstance(exc, BadRequest):
        return False
    # A ClientConnectorError is a connection error met while connecting: nothing was sent.
    return (isinstance(exc, NetworkError) and isinstance(cause, AFTER_SENDING)
            and not isinstance(cause, aiohttp.ClientConnectorError))
