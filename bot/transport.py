"""The HTTP client the bot talks to the Bot API with: aiohttp, behind python-telegram-bot's
`BaseRequest`.

Why not the library's default (httpx): on the 2-core machine a Bot API call through httpx costs
1.0–1.7 ms of CPU, through aiohttp 0.2–0.35 ms (bench/transport.py measures both in one run), and
a step of a report dialogue makes three or four calls. httpcore also checks every pooled connection
with a system call on each request, so its cost grows with the connections that updates handled
side by side keep open. python-telegram-bot documents `BaseRequest` as the way to use another
client; ptbcontrib's `AiohttpRequest` (not on PyPI) is the model, with the library's timeouts kept:

* `connect_timeout` bounds connecting, and `pool_timeout` more on top of it for waiting for a free
  connection (aiohttp counts both in one timeout): either one means the request never left.
* `read_timeout` bounds each wait for the answer's bytes: the request may have been carried out.
* `write_timeout` has no counterpart (aiohttp hands the body to the event loop's buffer); a stuck
  write ends in the read timeout.

Failures are raised as the library's `TimedOut` and `NetworkError`, with aiohttp's exception as
the cause, which `bot/request_fate.py` reads.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's requests over one aiohttp session, with the library's default timeouts."""

    __slots__ = ("_connection_pool_size", "_connect_timeout", "_media_read_timeout", "_pool_timeout",
                 "_proxies", "_read_timeout", "_session")

    def __init__(self, connection_pool_size: int = 256, read_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 media_read_timeout: float | None = 20.0) -> None:
        self._connection_pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_read_timeout = media_read_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default wait for an answer (python-telegram-bot adds a long poll's timeout to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Opens the session (in the running event loop, as aiohttp wants)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connection_pool_size),
                # The Bot API sets no cookies; a jar would only cost each request a look-up.
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        """Closes the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """One HTTP request; returns its status and body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        if read_timeout is BaseRequest.DEFAULT_NONE:
            read_timeout = self._media_read_timeout if files else self._read_timeout
        if connect_timeout is BaseRequest.DEFAULT_NONE:
            connect_timeout = self._connect_timeout
        if pool_timeout is BaseRequest.DEFAULT_NONE:
            pool_timeout = self._pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=None, sock_read=read_timeout, sock_connect=connect_timeout,
            connect=None if connect_timeout is None or pool_timeout is None else connect_timeout + pool_timeout)
        try:
            async with self._session.request(method, url, timeout=timeout, proxy=self._proxy(url),
                                             **_body(request_data)) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            if isinstance(error, aiohttp.ConnectionTimeoutError):
                raise TimedOut("Timed out before the request was sent (connecting, or waiting for a free "
                               "connection)") from error
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _proxy(self, url: str) -> str | None:
        """The proxy `HTTPS_PROXY` / `HTTP_PROXY` (else an HTTP one in `ALL_PROXY`) name for the URL's
        host, unless `NO_PROXY` spares it, as httpx honours them. Read once per host: aiohttp's
        `trust_env` reads the environment and ~/.netrc again for every request (a call's CPU tripled)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = urllib.request.getproxies_environment()
            fallback = proxies.get("all") if proxies.get("all", "").startswith("http") else None
            bypass = urllib.request.proxy_bypass_environment(key[1])
            self._proxies[key] = None if bypass else proxies.get(key[0]) or fallback
        return self._proxies[key]


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """The request's body: url-encoded parameters, as the library sends them, or a multipart form
    when it uploads files."""
    if request_data is None:
        return {}
    if not request_data.contains_files:
        return {"data": request_data.url_encoded_parameters().encode(), "headers": FORM}
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return {"data": form}
