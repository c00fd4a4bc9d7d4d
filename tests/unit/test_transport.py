"""The bot's Bot API client (bot/transport.py) as operators configure it: a proxy from the
environment, as python-telegram-bot's default client honours it."""

from __future__ import annotations

import json

from aiohttp import web

from bot.transport import AiohttpRequest


async def test_an_http_proxy_from_the_environment_carries_the_calls(monkeypatch):
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))  # a proxy is asked for the whole URL
        return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "P"}})

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    request = AiohttpRequest()
    await request.initialize()
    try:
        code, body = await request.do_request("http://api.telegram.invalid/bot1:x/getMe", "POST")
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert code == 200 and json.loads(body)["result"]["first_name"] == "P"
    assert seen == ["http://api.telegram.invalid/bot1:x/getMe"]
