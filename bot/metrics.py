"""Prometheus metrics (`GET /metrics`): updates handled, handler latency, sends by outcome, and the
outbox and case gauges read from the database at each scrape.

The counters are fed by three thin layers around python-telegram-bot, so no handler or service
knows about them: `MeteredApplication` (each update), `MeteredRateLimiter` (each Bot API send)
and `WatchedPollRequest` (each successful getUpdates, and the updates it cannot read; the webhook
server, bot/webhook.py, counts those it cannot read with the same `skip_unreadable`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.logging_setup import update_log_context
from bot.sender import SEND_METHODS, PacedRateLimiter, retry_seconds
from bot.transport import AiohttpRequest

logger = logging.getLogger(__name__)

#: Seconds buckets for handling one update (most are a few database statements and one send).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds = 0.0


class Metrics:
    """One registry per running bot (tests run many), and the moments the health check reads."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter("pingan_updates", "Updates handled, by kind", ["kind"], registry=self.registry)
        self.update_seconds = Histogram("pingan_update_handling_seconds", "Time to handle one update, by kind",
                                        ["kind"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.sends = Counter("pingan_sends", "Bot API sends, by outcome (sent, failed, rate_limited) and reason",
                             ["outcome", "reason"], registry=self.registry)
        self.retry_after = Histogram("pingan_send_retry_after_seconds", "Retry times Telegram asked for (429)",
                                     buckets=(1, 2, 5, 10, 30, 60, 300), registry=self.registry)
        self.outbox_pending = Gauge("pingan_outbox_pending", "Outbox rows waiting to be sent",
                                    registry=self.registry)
        self.outbox_oldest = Gauge("pingan_outbox_oldest_due_age_seconds",
                                   "How long the oldest due outbox row has waited", registry=self.registry)
        self.cases_open = Gauge("pingan_cases_open", "Open cases, by grade", ["grade"], registry=self.registry)
        self.cases_overdue = Gauge("pingan_cases_overdue", "Open cases past a time limit, by grade", ["grade"],
                                   registry=self.registry)
        self.unreadable_updates = Counter("pingan_unreadable_updates",
                                          "Updates python-telegram-bot could not read, skipped by their id",
                                          registry=self.registry)
        self.started_at = time.monotonic()
        self.last_update_at: float | None = None
        self.last_poll_at: float | None = None

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def set_case_gauges(self, by_grade: list[tuple[str, int, int]]) -> None:
        """Every grade gets a value (0 when it has no open case), so a graph never has gaps."""
        seen = {grade: (open_, overdue) for grade, open_, overdue in by_grade}
        for grade in ("red", "orange", "yellow", "green", "ungraded"):
            open_, overdue = seen.get(grade, (0, 0))
            self.cases_open.labels(grade).set(open_)
            self.cases_overdue.labels(grade).set(overdue)

    @contextmanager
    def handling(self, kind: str) -> Iterator[_Timer]:
        """Counts and times the update handled inside."""
        timer = _Timer()
        self.last_update_at = time.monotonic()
        try:
            yield timer
        finally:
            timer.seconds = time.perf_counter() - timer.started
            self.updates.labels(kind).inc()
            self.update_seconds.labels(kind).observe(timer.seconds)


def update_kind(update: object) -> str:
    """The update's field name (message, callback_query, my_chat_member, …)."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


class MeteredApplication(Application):
    """The Application, counting and timing each update and naming it in the log context."""

    def __init__(self, *, metrics: Metrics | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics or Metrics()

    async def process_update(self, update: object) -> None:
        kind = update_kind(update)
        chat = update.effective_chat if isinstance(update, Update) else None
        with update_log_context(update_id=getattr(update, "update_id", None), update_kind=kind,
                                chat_kind=chat.type if chat else None):
            with self.metrics.handling(kind) as timer:
                await super().process_update(update)
            logger.debug("update handled in %.1f ms", timer.seconds * 1000)


def send_failure_reason(error: Exception) -> str:
    """A short, fixed label for why a send failed (never the error's text: it may quote input)."""
    for kind, reason in ((Forbidden, "forbidden"), (ChatMigrated, "migrated"), (BadRequest, "bad_request"),
                         (TimedOut, "timed_out"), (NetworkError, "network")):
        if isinstance(error, kind):
            return reason
    return "other"


class MeteredRateLimiter(PacedRateLimiter):
    """The paced rate limiter, counting each send attempt's outcome."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: dict | None) -> Any:
        if endpoint not in SEND_METHODS:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        metrics = self._metrics

        async def counted(*call_args: Any, **call_kwargs: Any) -> Any:
            try:
                result = await callback(*call_args, **call_kwargs)
            except RetryAfter as error:
                metrics.sends.labels("rate_limited", "retry_after").inc()
                metrics.retry_after.observe(retry_seconds(error))
                raise
            except Exception as error:
                metrics.sends.labels("failed", send_failure_reason(error)).inc()
                raise
            metrics.sends.labels("sent", "").inc()
            return result

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)


#: The start of what python-telegram-bot logs, with the batch itself, when an update fetched by
#: getUpdates does not parse (the webhook's updates are read by bot/webhook.py, which logs none).
_UNREAD_MESSAGES = ("Error while parsing updates!",)
_UNREAD_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot")


class HideUnreadUpdates(logging.Filter):
    """python-telegram-bot logs an update it cannot read with the update itself (people's names
    and words); keep only that it happened."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(_UNREAD_MESSAGES):
            record.msg, record.args = record.msg.split(" Received data was")[0] + " (the data is not logged)", ()
        return True


_HIDE_UNREAD_UPDATES = HideUnreadUpdates()


def hide_unread_updates() -> None:
    """Keeps python-telegram-bot's own lines about an update it cannot read free of the update
    (the filter is added once, however many applications are built)."""
    for name in _UNREAD_LOGGERS:
        logging.getLogger(name).addFilter(_HIDE_UNREAD_UPDATES)


class WatchedPollRequest(AiohttpRequest):
    """The getUpdates connection, noting each successful poll for the health check.

    One update python-telegram-bot cannot read fails its whole batch: getUpdates raises, the
    offset stays, and the Updater would fetch the same batch forever. So a batch that comes again
    (the same first update_id: the last one was not taken) is read update by update here, and an
    update that does not parse is passed on as its bare id, which moves the offset past it. A batch
    that parses costs nothing more than before (reading every batch twice would add about a tenth
    to the bot's CPU per update)."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics
        self._last_batch_start: int | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 200:
            self._metrics.last_poll_at = time.monotonic()
        return code, payload

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:
        data = super().parse_json_payload(payload)
        updates = data.get("result") if data.get("ok") else None
        if not isinstance(updates, list) or not updates or not isinstance(updates[0], dict):
            return data
        start = updates[0].get("update_id")
        if start == self._last_batch_start:
            data["result"] = [readable for update in updates if (readable := self._readable(update)) is not None]
        self._last_batch_start = start
        return data

    def _readable(self, update: Any) -> dict[str, Any] | None:
        """The update if it parses; else its bare id (None without one: nothing could skip it)."""
        try:
            Update.de_json(update, None)
        except Exception as error:  # whatever the library trips over in it
            return skip_unreadable(update, error, self._metrics)
        return update


def skip_unreadable(data: object, error: Exception, metrics: Metrics) -> dict[str, int] | None:
    """What an update python-telegram-bot could not read is passed on as: its bare id, so that the
    bot moves past it in order (None when it has no id: nothing can), counted in
    `pingan_unreadable_updates` and logged by id only. The one rule of polling and the webhook."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    metrics.unreadable_updates.inc()
    # The update's content is people's words: the id and the kind of failure only.
    logger.warning("update %s could not be read (%s) and is skipped", update_id, type(error).__name__)
    return {"update_id": update_id} if isinstance(update_id, int) else None
