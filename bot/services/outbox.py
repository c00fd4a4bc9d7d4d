"""Delivering the notice outbox through a `Sender`, once, within Telegram's limits.

Delivery policy (README, "Delivery"): a row is written (pending) before anything is sent, marked
`sending` and committed when its request is about to leave (after the rate limiter gave it a slot:
`about_to_send`), and marked with the outcome after it. A crash
between the write and the send leaves it pending: it is sent after the restart (if still
within the grace window). A crash between the send and the mark leaves it `sending`: Telegram may
or may not have the message and has no idempotency key, so routine notices are *at most once* —
the row becomes `uncertain`, is logged and counted, and is never sent again — while urgent
alerts are *at least once* and are sent again.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.clock import Clock
from bot.i18n import gettext_in
from storage.db import Database
from storage.models import OutboxEntry, OutboxState
from storage.outbox import OutboxRepo

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: An event of an urgent row whose send may have reached Telegram (a crash or a read timeout while it
#: was out): it is sent again, and the copy says so.
MAYBE_DELIVERED = "maybe_delivered"
#: How long routine sends wait at most for an urgent broadcast being queued (`hold_routine`).
ROUTINE_HOLD_SECONDS = 5.0
ROUTINE_HOLD_POLL = 0.02
BACKOFF_BASE = timedelta(seconds=2)
BACKOFF_CAP = timedelta(minutes=5)


class SendStatus(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # not delivered, try again later (5xx, connection failure, flood)
    UNCERTAIN = "uncertain"  # the request may have reached Telegram (read timeout)
    FORBIDDEN = "forbidden"  # 403: the bot is not in the chat any more
    MIGRATED = "migrated"  # the group is now a supergroup with `new_chat_id`
    REJECTED = "rejected"  # 400 and the like: sending again would not help


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    message_id: int | None = None
    retry_after: float | None = None
    new_chat_id: int | None = None
    detail: str = ""
    events: frozenset[str] = frozenset()  # what happened on the way: rate_limited, pinned, pin_refused
    album_message_ids: tuple[int, ...] = ()  # an alert's album, sent before the message `message_id`


#: Told about a row once its outcome is recorded.
RowHook = Callable[[OutboxEntry], Awaitable[None]]
#: Set by the dispatcher around a send: the Sender awaits it once, right before the request leaves
#: (bot/sender.py's rate limiter does, once the send has its slot), so that a row is `sending` only
#: when Telegram may get it; a crash while it waits for a slot leaves it pending. It raises
#: `NotClaimed` when the send must not go out after all (stopping, or another run has the row).
about_to_send: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("pingan_about_to_send", default=None)


class NotClaimed(Exception):
    """The row was not marked `sending`: its send is dropped before any request leaves."""


class Sender(Protocol):
    """What the outbox needs from Telegram; `bot.sender.TelegramSender` implements it."""

    async def send_notice(self, chat_id: int, html_text: str, image: str | None) -> SendResult:
        """Send one bulk message (paced as a broadcast, never ahead of people's replies)."""

    async def send_alert(self, chat_id: int, html_text: str, payload: dict,
                         album_sent: tuple[int, ...] = ()) -> SendResult:
        """Send one urgent alert (photos, the "I have information" button, pinned if asked);
        `album_sent`: its album, delivered by an earlier attempt whose text failed."""

    def hold_routine(self, seconds: float) -> None:
        """Optional. Routine sends already handed over wait up to `seconds` (0: go on): an urgent one is
        coming."""


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    forbidden: int = 0
    uncertain: int = 0
    skipped: int = 0
    migrated: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # key -> final state, for this run

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retried", "failed", "forbidden", "uncertain", "skipped", "migrated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.outcomes.update(other.outcomes)


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


class OutboxDispatcher:
    """Sends due outbox rows with a few workers; the Sender's rate limiter does the pacing."""

    def __init__(self, db: Database, clock: Clock, *, grace: timedelta, sender: Sender | None = None, workers: int = 8,
                 on_forbidden: Callable[[int], Awaitable[None]] | None = None,
                 on_migrated: Callable[[int, int], Awaitable[object]] | None = None,
                 group_sendable: Callable[[int], Awaitable[bool]] | None = None) -> None:
        self._db = db
        self._clock = clock
        self._outbox = OutboxRepo(db)
        self._grace = grace
        self._workers = workers
        self._on_forbidden = on_forbidden
        self._on_migrated = on_migrated
        self._group_sendable = group_sendable
        self.sender = sender
        self.uncertain_total = 0  # since start, for logs and the benchmark
        # Set by stop(): workers take no new row, so shutting down never waits for a whole broadcast
        # (rows not yet claimed stay pending and go out after the restart, within the grace window).
        self._stopping = False
        # While urgent rows are being delivered, routine ones wait: alerts go out ahead of notices.
        self._urgent_runs = 0
        self._no_urgent = asyncio.Event()
        self._no_urgent.set()
        # Set when an alert is about to be queued (`hold_routine`), so that no notice goes out while
        # its rows are being written; bounded, so that a failure on the way never stalls notices.
        self._routine_held_until = 0.0
        #: Rows being sent now, by any run: their alert (if any), and set once the outcome is recorded.
        self._in_flight: dict[int, tuple[int | None, asyncio.Event]] = {}

    def stop(self) -> None:
        """Finish the sends in flight, start no new one."""
        self._stopping = True
        self._no_urgent.set()  # a notice waiting behind an alert must not hold the shutdown
        self._release_routine()

    def hold_routine(self, seconds: float = ROUTINE_HOLD_SECONDS) -> None:
        """An urgent broadcast is about to be queued: routine sends wait (at most `seconds`, or until
        the urgent rows have gone out), here and in the sender, so that none goes out ahead of it."""
        self._routine_held_until = time.monotonic() + seconds
        if self.sender is not None and hasattr(self.sender, "hold_routine"):
            self.sender.hold_routine(seconds)

    def _release_routine(self) -> None:
        self._routine_held_until = 0.0
        if self.sender is not None and hasattr(self.sender, "hold_routine"):
            self.sender.hold_routine(0.0)

    async def _routine_turn(self) -> None:
        """Returns when a routine row may go: no urgent run under way and no hold."""
        while True:
            await self._no_urgent.wait()
            held = self._routine_held_until - time.monotonic()
            if held <= 0 or self._stopping:
                return
            await asyncio.sleep(min(held, ROUTINE_HOLD_POLL))

    async def recover(self) -> DeliveryReport:
        """At start: rows left `sending` by a crash. Notices → uncertain (never resent); urgent → resent."""
        report = DeliveryReport()
        now = self._clock.now()
        for entry in await self._outbox.in_flight():
            if entry.urgent:
                await self._outbox.add_events(entry.id, {MAYBE_DELIVERED})
                await self._outbox.retry_later(entry.id, now, "resent_after_crash", now)
                logger.warning("outbox %s: urgent alert in flight at a crash; sending it again (at least once)",
                               entry.key)
                continue
            await self._outbox.finish(entry.id, OutboxState.UNCERTAIN, now, "crash_between_send_and_mark")
            report.uncertain += 1
            report.outcomes[entry.key] = OutboxState.UNCERTAIN.value
            logger.warning("outbox %s: in flight at a crash; Telegram may or may not have it. "
                           "Not sent again (notices are at most once).", entry.key)
        self.uncertain_total += report.uncertain
        return report

    async def deliver_due(self, now: datetime | None = None, *, alert_id: int | None = None,
                          on_recorded: RowHook | None = None) -> DeliveryReport:
        """Sends what is due, higher priority first (all of it before any lower row); or one alert's rows.
        `on_recorded` is told after each row's outcome is recorded (an alert's live report)."""
        if self.sender is None:
            raise RuntimeError("no sender attached")
        now = now or self._clock.now()
        report = DeliveryReport()
        due = await self._outbox.due(now, alert_id=alert_id)
        for level in sorted({_priority(e) for e in due}, reverse=True):
            tier = [e for e in due if _priority(e) == level]
            if level > 0:
                self._urgent_runs += 1
                self._no_urgent.clear()
            try:
                await self._deliver_tier(tier, now, report, on_recorded=on_recorded)
            finally:
                if level > 0:
                    self._urgent_runs -= 1
                    if self._urgent_runs == 0:
                        self._release_routine()
                        self._no_urgent.set()
        if alert_id is not None:
            # Rows of this alert that another run (the notice timer's) is sending: the alert's report
            # is brought up to date after them too.
            await asyncio.gather(*(recorded.wait() for owner, recorded in list(self._in_flight.values())
                                   if owner == alert_id))
        self.uncertain_total += report.uncertain
        return report

    async def _deliver_tier(self, due: list[OutboxEntry], now: datetime, report: DeliveryReport, *,
                            on_recorded: RowHook | None = None) -> None:
        queue: asyncio.Queue[OutboxEntry] = asyncio.Queue()
        for entry in due:
            queue.put_nowait(entry)

        async def worker() -> None:
            while not self._stopping:
                try:
                    entry = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self._deliver_one(entry, now, report, on_recorded=on_recorded)

        await asyncio.gather(*(worker() for _ in range(min(self._workers, len(due)))))

    async def _deliver_one(self, entry: OutboxEntry, now: datetime, report: DeliveryReport, *,
                           on_recorded: RowHook | None = None) -> None:
        urgent_row = _priority(entry) > 0
        if not urgent_row:
            await self._routine_turn()
        # An urgent row (an alert) stays due until the alert is closed, which skips its pending rows.
        if not urgent_row and entry.not_before + self._grace < now:
            await self._end(entry, OutboxState.SKIPPED, "expired", report)
            report.skipped += 1
            logger.info("outbox %s skipped: due at %s, more than the grace window ago", entry.key,
                        entry.not_before.isoformat())
            return
        if not urgent_row and self._group_sendable is not None and not await self._group_sendable(entry.group_id):
            await self._end(entry, OutboxState.SKIPPED, "group_paused_or_inactive", report)
            report.skipped += 1
            return
        if self._stopping or not await self._outbox.is_pending(entry.id) or entry.id in self._in_flight:
            return  # shutting down, or another run has it (or had it)
        recorded = asyncio.Event()
        self._in_flight[entry.id] = (getattr(entry, "alert_id", None), recorded)
        try:
            await self._send_claimed(entry, report, on_recorded)
        finally:
            del self._in_flight[entry.id]
            recorded.set()

    async def _send_claimed(self, entry: OutboxEntry, report: DeliveryReport, on_recorded: RowHook | None) -> None:
        if _priority(entry) == 0:
            await self._routine_turn()  # an alert may have arrived while this notice was being claimed
        chat_id = entry.chat_id
        events: set[str] = set()
        payload = getattr(entry, "payload", None)
        text = with_resend_note(entry)
        claimed = False

        async def mark_sending() -> None:
            nonlocal claimed
            if claimed:
                return
            if self._stopping or not await self._outbox.claim(entry.id, self._clock.now()):
                raise NotClaimed(entry.key)
            claimed = True

        token = about_to_send.set(mark_sending)
        try:
            for _hop in range(3):  # a migrated group is followed, but not around a loop
                try:
                    if payload is not None:
                        album_sent = entry.album_message_ids if chat_id == entry.chat_id else ()
                        result = await self.sender.send_alert(chat_id, text, payload, album_sent)
                    else:
                        result = await self.sender.send_notice(chat_id, text, entry.image)
                except NotClaimed:
                    return  # nothing left: the row stays as it is (pending, or another run's)
                except Exception as exc:  # noqa: BLE001 - a sender bug must leave a recorded outcome
                    logger.exception("outbox %s: the sender failed", entry.key)
                    result = SendResult(SendStatus.UNCERTAIN, detail=type(exc).__name__)
                events |= result.events
                if result.status is not SendStatus.MIGRATED:
                    break
                report.migrated += 1
                events.add("migrated")
                if self._on_migrated is not None:
                    await self._on_migrated(chat_id, result.new_chat_id)
                chat_id = result.new_chat_id
        finally:
            about_to_send.reset(token)
        if not claimed:  # a Sender that never said when its request left: the row was sent all the same
            await self._outbox.claim(entry.id, self._clock.now())
        await self._record(entry, result, report, events, on_recorded)

    async def _record(self, entry: OutboxEntry, result: SendResult, report: DeliveryReport,
                      events: set[str] | None = None, on_recorded: RowHook | None = None) -> None:
        events = set(events or ())
        if result.status is SendStatus.RETRY and result.retry_after:
            events.add("rate_limited")
        if result.status is SendStatus.UNCERTAIN and entry.urgent:
            events.add(MAYBE_DELIVERED)  # it goes again (at least once), saying so
        await self._outbox.add_events(entry.id, events)
        if result.album_message_ids and result.album_message_ids != entry.album_message_ids:
            # Recorded whatever became of the text: a retry must not post the album again.
            await self._outbox.record_album(entry.id, result.album_message_ids)
        await self._settle(entry, result, report)
        if on_recorded is not None:
            try:
                await on_recorded(entry)
            except Exception:  # noqa: BLE001 - a report refresh must never stop a broadcast
                logger.exception("outbox %s: the on_recorded hook failed", entry.key)

    async def _settle(self, entry: OutboxEntry, result: SendResult, report: DeliveryReport) -> None:
        now = self._clock.now()
        status = result.status
        if status is SendStatus.SENT:
            await self._outbox.finish(entry.id, OutboxState.SENT, now, "sent", result.message_id)
            report.sent += 1
            report.outcomes[entry.key] = OutboxState.SENT.value
        elif status is SendStatus.FORBIDDEN:
            await self._end(entry, OutboxState.FAILED, "forbidden", report)
            report.forbidden += 1
            if self._on_forbidden is not None:
                await self._on_forbidden(entry.group_id)
        elif status is SendStatus.UNCERTAIN and not entry.urgent:
            await self._end(entry, OutboxState.UNCERTAIN, f"uncertain: {result.detail}"[:200], report)
            report.uncertain += 1
            logger.warning("outbox %s: the send may have reached Telegram (%s); not sent again", entry.key,
                           result.detail)
        elif status in (SendStatus.RETRY, SendStatus.UNCERTAIN, SendStatus.MIGRATED) \
                and entry.attempts + 1 < MAX_ATTEMPTS:
            delay = timedelta(seconds=result.retry_after) if result.retry_after else backoff(entry.attempts + 1)
            await self._outbox.retry_later(entry.id, now + delay, f"retry: {result.detail}"[:200], now)
            report.retried += 1
            logger.info("outbox %s: %s; retrying in %ss", entry.key, result.detail, delay.total_seconds())
        else:
            await self._end(entry, OutboxState.FAILED, f"{status.value}: {result.detail}"[:200], report)
            report.failed += 1
            logger.warning("outbox %s failed: %s %s", entry.key, status.value, result.detail)

    async def _end(self, entry: OutboxEntry, state: OutboxState, outcome: str, report: DeliveryReport) -> None:
        await self._outbox.finish(entry.id, state, self._clock.now(), outcome)
        report.outcomes[entry.key] = state.value


def with_resend_note(entry: OutboxEntry) -> str:
    """The row's HTML text; for an urgent row that may have reached its group already, with a last
    line saying this copy is a repeat (alerts are sent at least once: a group may get two)."""
    if MAYBE_DELIVERED not in getattr(entry, "events", frozenset()):
        return entry.text
    note = gettext_in(entry.locale, "Sent again: this alert may have reached you twice. It is the same alert.")
    return f"{entry.text}\n\n{html.escape(note)}"


def _priority(entry: OutboxEntry) -> int:
    return getattr(entry, "priority", 0)


CAPTION_LIMIT = 1024


def alert_uses_caption(photos: list[str], html_text: str) -> bool:
    """One photo and a short enough text: the alert is that photo with the text as its caption."""
    return len(photos) == 1 and len(html_text) <= CAPTION_LIMIT
