"""The bot's Bot API client (bot/transport.py) as operators configure it: a proxy from the
environment, as python-telegram-bot's default client honours it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot.transport import AiohttpRequest


@asynccontextmanager
async def listening(seen: list[str]) -> AsyncIterator[int]:
    """A local HTTP server answering every request as getMe would; yields its port."""
    async def answer(request: web.Request) -> web.Response:
        seen.append(str(request.url))  # a proxy is asked for the whole URL
        return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "P"}})

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]
    finally:
        await runner.cleanup()


async def _get_me(url: str) -> tuple[int, bytes]:
    request = AiohttpRequest()
    await request.initialize()
    try:
        return await request.do_request(url, "POST")
    finally:
        await request.shutdown()


@pytest.fixture(autouse=True)
def no_operator_proxies(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "ALL_PROXY"])
async def test_an_http_proxy_from_the_environment_carries_the_calls(monkeypatch, variable):
    through_proxy: list[str] = []
    async with listening(through_proxy) as port:
        monkeypatch.setenv(variable, f"http://127.0.0.1:{port}")
        code, body = await _get_me("http://api.telegram.invalid/bot1:x/getMe")
    assert code == 200 and json.loads(body)["result"]["first_name"] == "P"
    assert through_proxy == ["http://api.telegram.invalid/bot1:x/getMe"]


async def test_a_host_no_proxy_names_is_reached_directly(monkeypatch):
    through_proxy: list[str] = []
    direct: list[str] = []
    async with listening(through_proxy) as proxy_port, listening(direct) as api_port:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        code, _body = await _get_me(f"http://127.0.0.1:{api_port}/bot1:x/getMe")
    assert code == 200 and through_proxy == [] and len(direct) == 1
