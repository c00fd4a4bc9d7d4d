"""How updates arrive: long polling, or Telegram's webhook served by Pingan's own small server.

In webhook mode `setWebhook` is called with the secret token, the update kinds Pingan handles and
`drop_pending_updates` false (updates queued while the bot was down are delivered after it).
Starting in polling mode deletes a webhook left from before (Telegram refuses getUpdates while one
is set).

The webhook server is Pingan's, not python-telegram-bot's `Updater.start_webhook`: the library's
server answers 400 to an update it cannot read, and Telegram then sends that update again and
again and holds back every later one. Its handler and server live in a private module and are
built inside private `Updater` methods, so changing that answer would mean relying on private
API. Instead the Application is built without an Updater and this server puts what it receives on
`application.update_queue`, the custom-webhook setup the library documents (its
`customwebhookbot` example): aiohttp (already serving the health endpoint) on the bot's event loop.
Its rules: a request without the right `X-Telegram-Bot-Api-Secret-Token` gets 403 before its body
is read; an update the library cannot read is passed on as its bare id, counted and logged by id
only, as in polling mode (`bot.metrics.skip_unreadable`, one rule for both); a body that is not
even JSON is counted and dropped. Every request with the secret gets 200: for one that cannot be
read, sending it again could never help.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from typing import TYPE_CHECKING

from telegram import Bot, Update
from telegram.ext import Application

from bot.clock import Clock
from bot.config import Settings
from bot.metrics import Metrics, skip_unreadable
from storage.db import Database
from storage.operations import OperationsRepo

if TYPE_CHECKING:
    from aiohttp import web

logger = logging.getLogger(__name__)

SECRET_NAME = "telegram.webhook.secret_token"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def webhook_secret(config: Settings, db: Database, clock: Clock) -> str:
    """The configured secret token, else the one generated at the first start (stored, so that it
    stays the same across restarts and Telegram's queued deliveries still carry the right one)."""
    configured = config.telegram.webhook.secret_token
    if configured is not None:
        return configured.get_secret_value()
    return await OperationsRepo(db).store_secret_once(SECRET_NAME, secrets.token_urlsafe(32), clock.now())


def read_webhook_body(body: bytes, bot: Bot, metrics: Metrics) -> Update | None:
    """The update a webhook request carries; when the library cannot read it, its bare id (None
    when there is no id to be had, a body that is not JSON among them)."""
    data = None
    try:
        data = json.loads(body)
        return Update.de_json(data, bot)
    except Exception as error:  # whatever json or the library trips over in it
        bare = skip_unreadable(data, error, metrics)
        return None if bare is None else Update.de_json(bare, bot)


class WebhookServer:
    """POST `path` with the secret header: the update goes on the application's update queue."""

    def __init__(self, application: Application, metrics: Metrics, *, path: str, secret: str,
                 listen: str, port: int) -> None:
        self._application = application
        self._metrics = metrics
        self._path = "/" + path.lstrip("/")
        self._secret = secret.encode()
        self._listen = listen
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        """Whether the server is listening (the health check's *updates* part in webhook mode)."""
        return self._runner is not None

    async def start(self) -> None:
        """Listens on `listen:port` (raises OSError when the port is taken)."""
        from aiohttp import web  # polling mode never loads it

        app = web.Application()
        app.router.add_post(self._path, self._receive)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._listen, self._port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        """Stops listening; a request under way gets its answer first (at most a second)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        """403 without the right secret (the body unread), else 200 with the update queued."""
        from aiohttp import web

        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403)
        update = read_webhook_body(await request.read(), self._application.bot, self._metrics)
        if update is not None:
            await self._application.update_queue.put(update)
        return web.Response(status=200)


async def start_receiving(application: Application, config: Settings, db: Database, clock: Clock, *,
                          poll_timeout: int) -> WebhookServer | None:
    """Starts long polling, or (when `telegram.webhook.url` is set) the webhook server, returned."""
    webhook = config.telegram.webhook
    if not webhook.enabled:
        await application.updater.start_polling(poll_interval=0, timeout=poll_timeout,
                                                allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        return None
    token = config.telegram.token.get_secret_value()
    secret = await webhook_secret(config, db, clock)
    server = WebhookServer(application, application.metrics, path=webhook.url_path(token), secret=secret,
                           listen=webhook.listen, port=webhook.port)
    await server.start()  # listening before Telegram is told where to deliver
    try:
        await application.bot.set_webhook(url=webhook.public_url(token), secret_token=secret,
                                          allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except BaseException:
        await server.stop()
        raise
    logger.info("webhook server listening on %s:%d", webhook.listen, webhook.port)
    return server
