"""Webhook delivery: while a webhook is set, queued updates are POSTed to it one at a time, as
Telegram does, with the `X-Telegram-Bot-Api-Secret-Token` header; a non-2xx answer or no answer
is retried after a growing delay (Telegram's own delays are longer; these suit tests)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp

from bot.emulator.world import World

logger = logging.getLogger("pingan.emulator")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Seconds before the 1st, 2nd, 3rd… retry of a failed delivery (the last one repeats).
RETRY_DELAYS = (0.05, 0.1, 0.25, 0.5, 1.0)
#: Telegram gives up on a request after about a minute; tests need less.
REQUEST_TIMEOUT = 10.0


class WebhookDelivery:
    """The task that delivers a World's queued updates to its webhook."""

    def __init__(self, world: World, retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self.world = world
        self.retry_delays = retry_delays
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="emulator-webhook-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
            failures = 0
            while not self.world.closing:
                update = await self.world.wait_until(self.world.next_webhook_update, timeout=3600)
                if update is None:
                    continue
                if await self._deliver(session, update):
                    failures = 0
                    continue
                await asyncio.sleep(self.retry_delays[min(failures, len(self.retry_delays) - 1)])
                failures += 1

    async def _deliver(self, session: aiohttp.ClientSession, update: dict) -> bool:
        hook = self.world.webhook
        if hook is None:
            return True  # deleted meanwhile: the update waits for getUpdates
        headers = {SECRET_HEADER: hook["secret_token"]} if hook.get("secret_token") else {}
        try:
            async with session.post(hook["url"], json=update, headers=headers) as response:
                status, error = response.status, f"Wrong response from the webhook: {response.status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            status, error = None, f"Connection failed: {type(exc).__name__}"
        delivered = status is not None and 200 <= status < 300
        self.world.webhook_attempted(update["update_id"], status, None if delivered else error)
        return delivered
