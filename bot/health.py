"""The health and metrics endpoint (`health.listen`, `health.port`): GET /healthz and GET /metrics.

/healthz answers 200 with a JSON body when every part is healthy and 503 (same body) when one is
not: updates arriving (the last successful poll, or the webhook server up), the database taking
writes, the outbox not stuck, no case alarm left unsent past its time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.metrics import Metrics
from storage.db import Database
from storage.operations import OperationsRepo

if TYPE_CHECKING:
    from aiohttp import web

logger = logging.getLogger(__name__)

#: A poll may be this much older than the long-poll timeout before updates count as not arriving.
POLL_SLACK_SECONDS = 60
#: A due outbox row waiting longer than this means the sends are stuck.
OUTBOX_STUCK = timedelta(minutes=15)
#: The alarm job runs every minute; an alarm unsent this long after its time means it stopped.
ALARM_LATE = timedelta(minutes=5)
#: A database that does not take a one-row write within this is unhealthy.
DB_PROBE_TIMEOUT = 5.0
#: The case gauges count every open case (a scan of the open ones): re-read at most this often,
#: however often the monitor scrapes, so that scrapes never hold up people's replies.
CASE_GAUGES_TTL = 15.0


@dataclass
class HealthReport:
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(part["healthy"] for part in self.parts.values())

    @property
    def failing(self) -> list[str]:
        return [name for name, part in self.parts.items() if not part["healthy"]]

    def to_json(self) -> dict[str, Any]:
        return {"status": "ok" if self.healthy else "unhealthy", "failing": self.failing, "parts": self.parts}


def _age(moment: float | None) -> float | None:
    return None if moment is None else round(time.monotonic() - moment, 1)


class HealthCheck:
    """Looks at each part of the running bot; `webhook_running` tells whether the webhook server is up
    (None in polling mode)."""

    def __init__(self, db: Database, clock: Clock, metrics: Metrics, *, poll_timeout: int,
                 webhook_running: Any = None) -> None:
        self._repo = OperationsRepo(db)
        self._clock = clock
        self._metrics = metrics
        self._poll_timeout = poll_timeout
        self._webhook_running = webhook_running
        self._case_gauges_read_at: float | None = None

    async def report(self) -> HealthReport:
        report = HealthReport()
        report.parts["updates"] = self._updates()
        report.parts["database"] = await self._database()
        if report.parts["database"]["healthy"]:
            report.parts["outbox"] = await self._outbox()
            report.parts["alarms"] = await self._alarms()
        return report

    def _updates(self) -> dict[str, Any]:
        metrics = self._metrics
        part: dict[str, Any] = {"last_update_age_seconds": _age(metrics.last_update_at)}
        if self._webhook_running is not None:
            return {**part, "mode": "webhook", "healthy": bool(self._webhook_running())}
        limit = self._poll_timeout + POLL_SLACK_SECONDS
        since = metrics.last_poll_at if metrics.last_poll_at is not None else metrics.started_at
        return {**part, "mode": "polling", "last_poll_age_seconds": _age(metrics.last_poll_at),
                "healthy": time.monotonic() - since <= limit}

    async def _database(self) -> dict[str, Any]:
        try:
            await asyncio.wait_for(self._repo.probe_write(self._clock.now()), DB_PROBE_TIMEOUT)
        except Exception as error:  # noqa: BLE001 - a timeout or any failure is the answer
            return {"writable": False, "error": type(error).__name__, "healthy": False}
        return {"writable": True, "healthy": True}

    async def _outbox(self) -> dict[str, Any]:
        now = self._clock.now()
        pending, oldest = await self._repo.outbox_pending(now)
        age = (now - oldest).total_seconds() if oldest is not None else None
        self._metrics.outbox_pending.set(pending)
        self._metrics.outbox_oldest.set(age or 0)
        return {"pending": pending, "oldest_due_age_seconds": age,
                "healthy": age is None or age <= OUTBOX_STUCK.total_seconds()}

    async def _alarms(self) -> dict[str, Any]:
        late = await self._repo.overdue_alarms(self._clock.now() - ALARM_LATE)
        return {"overdue_unsent": late, "healthy": late == 0}

    async def refresh_gauges(self) -> None:
        """The database-backed gauges: the outbox at each scrape, the cases every CASE_GAUGES_TTL."""
        await self._outbox()
        read_at = self._case_gauges_read_at
        if read_at is None or time.monotonic() - read_at >= CASE_GAUGES_TTL:
            self._metrics.set_case_gauges(await self._repo.open_cases_by_grade(self._clock.now()))
            self._case_gauges_read_at = time.monotonic()


class HealthServer:
    """GET /healthz and GET /metrics on `listen:port` (aiohttp, on the bot's event loop)."""

    def __init__(self, check: HealthCheck, metrics: Metrics, listen: str, port: int) -> None:
        self._check = check
        self._metrics = metrics
        self._listen = listen
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        from aiohttp import web  # the endpoint is off unless a port is set: load aiohttp only then

        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._listen, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        if self.port == 0:  # tests ask for a free port
            self.port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - aiohttp keeps it there
        logger.info("health endpoint on http://%s:%d/healthz", self._listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        from aiohttp import web

        report = await self._check.report()
        return web.Response(status=200 if report.healthy else 503, text=json.dumps(report.to_json()),
                            content_type="application/json")

    async def _metrics_page(self, request: web.Request) -> web.Response:
        from aiohttp import web

        try:
            await self._check.refresh_gauges()
        except Exception:  # noqa: BLE001 - the counters are still worth serving
            logger.exception("could not read the gauges from the database")
        return web.Response(body=self._metrics.render(),
                            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})
