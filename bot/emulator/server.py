"""The :class:`Emulator`: a :class:`World` served over HTTP on 127.0.0.1.

One aiohttp application serves the Bot API (``/bot{token}/...``, ``/file/bot{token}/...``), the
control API (``/control/...``) and the web chat page (``/`` and ``/static/...`` from
``bot/emulator/static/``, if present).
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from types import TracebackType

from aiohttp import web

from bot.emulator.botapi import BotApi
from bot.emulator.control import ControlApi
from bot.emulator.webhook import WebhookDelivery
from bot.emulator.world import World

logger = logging.getLogger("pingan.emulator")

STATIC_DIR = Path(__file__).with_name("static")
#: Telegram accepts uploads up to 50 MB.
MAX_UPLOAD = 50 * 1024 * 1024


class Emulator(World):
    """A local Telegram Bot API server plus the in-process control API (inherited from World).

    >>> emu = Emulator(token="123456:TEST", bot_username="pingan_bot")
    >>> await emu.start()                        # port 0: a free port
    >>> bot = telegram.Bot(emu.token, base_url=emu.base_url + "/bot",
    ...                    base_file_url=emu.base_url + "/file/bot")
    """

    def __init__(self, token: str = "123456:TEST", bot_username: str = "pingan_bot", bot_name: str = "Pingan",
                 bot_id: int | None = None, *, static_dir: Path | None = None) -> None:
        super().__init__(token=token, bot_username=bot_username, bot_name=bot_name, bot_id=bot_id)
        self.static_dir = static_dir or STATIC_DIR
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self.botapi = BotApi(self)
        self.control = ControlApi(self)
        self.webhook_delivery = WebhookDelivery(self)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (only once started)."""
        if self.port is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    def build_app(self) -> web.Application:
        """The aiohttp application (also usable with aiohttp's test client)."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        self.botapi.add_routes(app)
        self.control.add_routes(app)
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{path:.+}", self._static)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0 = a free port); sets ``port`` and ``base_url``."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        self.closing = False
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        # No access log: request paths contain the bot token.
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self.host, self.port = host, sock.getsockname()[1]
        self.webhook_delivery.start()
        logger.info("Telegram emulator listening on %s (bot @%s)", self.base_url, self.bot_user["username"])

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        if self._runner is None:
            return
        self.close()
        await self.webhook_delivery.stop()
        runner, self._runner = self._runner, None
        await runner.cleanup()
        logger.info("Telegram emulator stopped")

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    # ------------------------------------------------------------------ the web chat page

    async def _index(self, request: web.Request) -> web.StreamResponse:
        index = self.static_dir / "index.html"
        if not index.is_file():
            return web.Response(status=404, text="The chat page is not built (bot/emulator/static/index.html).")
        return web.FileResponse(index, headers={"Cache-Control": "no-cache"})

    async def _static(self, request: web.Request) -> web.StreamResponse:
        root = self.static_dir.resolve()
        target = (root / request.match_info["path"]).resolve()
        # Refuse anything that escapes the static folder (../ tricks).
        if not target.is_relative_to(root) or not target.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(target, headers={"Cache-Control": "no-cache"})
