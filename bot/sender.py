"""Telegram's side of broadcasts: the `Sender` the outbox uses, and the rate limiter that keeps
bulk sends within Telegram's limits without making people wait behind them.

Pacing design. Telegram allows about 30 messages a second per bot for bulk notifications, and
20 a minute per group. A reply to someone who just wrote is not a bulk notification: it is limited
per chat only (about one a second in a private chat, 20 a minute in a group). All of the bot's
calls go through one `PacedRateLimiter`:

* *Interactive* calls (replies to people; everything not marked bulk) go out at once. They take no
  slot of the global window; a reply to a group respects that group's 20-per-minute window (see
  `INTERACTIVE_GROUP_MAX_WAIT`).
* *Bulk* sends are marked with `rate_limit_args={"bulk": True}`. They go one at a time through a
  lane, spaced evenly (1.01/30 s: a 1% margin, so the window never holds a burst; the window itself
  counts each send when its answer came, which keeps Telegram's second from overflowing), and they respect
  each group's 20-per-minute window. The margin is also what lets a send the event loop woke late
  be made up for: the window holds each send against the one thirty places after it, so without
  it every delay would come back a second later, for good.
* The outbox row of the bulk send next out is marked `sending` in the last moments before its slot
  (`MARK_AHEAD`), not after it: the window frees a slot one second after each answer, so a
  database write between the slot and the request would slow every send thirty places behind it.
* A `RetryAfter` from Telegram (whatever it throttled) pauses the bulk lane for `retry_after`, and
  the call is tried again after it (up to `max_retries`); the outbox records anything that still
  fails.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter

from bot.request_fate import may_have_arrived
from bot.services.outbox import SendResult, SendStatus, about_to_send, alert_uses_caption

logger = logging.getLogger(__name__)

#: Bot API methods that post a message (what Telegram's flood limits count).
SEND_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendAudio", "sendAnimation",
    "sendSticker", "sendLocation", "sendContact", "sendMediaGroup", "copyMessage", "forwardMessage",
    "sendVenue", "sendPoll", "sendDice", "sendVideoNote",
})
BULK = {"bulk": True}
#: The most a bulk send counts earlier than it went, to make up for the event loop waking it late
#: (see `PacedRateLimiter._stamp`).
STAMP_SLACK = 0.003
#: A bulk send later than this after its slot was not woken late: the lane was idle or held.
CATCH_UP_LIMIT = 1.0
#: Seconds before its slot that the bulk send next out marks its outbox row `sending`: long enough
#: for the database write on a busy machine, short enough that a crash meanwhile finds at most that
#: one row marked though its request never left.
MARK_AHEAD = 0.02
#: A reply to a group that has had its 20 messages this minute is dropped rather than waited for:
#: updates are handled one at a time, so waiting would hold up everyone's replies.
INTERACTIVE_GROUP_MAX_WAIT = 2.0
#: How often a send re-checks a window that holds only requests still awaiting their answers.
IN_FLIGHT_POLL = 0.005
CAPTION_LIMIT = 1024
#: A send that wants to know whether Telegram throttled it sets a list here; the rate limiter
#: appends each `retry_after` it waited out (the call runs in the sender's task, so it sees it).
retries_seen: ContextVar[list[float] | None] = ContextVar("pingan_retries_seen", default=None)


class _Window:
    """The sends Telegram may count within the last `period` seconds.

    Telegram counts a send when the request reaches it, which is some time after the slot was taken
    (the request may wait in this process, on the network, or in the server's queue) and before its
    answer comes back. So a send counts as "now" while it is in flight and, once answered, at the
    moment its answer arrived: the latest moment Telegram can have counted it. A request delayed in
    transit then delays the sends that follow it instead of overflowing Telegram's window (a 429 and
    a whole second's pause).
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.answered: list[float] = []  # sorted
        self.in_flight = 0

    def wait_needed(self, now: float, weight: int = 1) -> float:
        """Seconds until `weight` more sends fit."""
        expired = bisect.bisect_right(self.answered, now - self.period)
        if expired:
            del self.answered[:expired]
        excess = len(self.answered) + self.in_flight + weight - max(weight, self.limit)
        if excess <= 0:
            return 0.0
        if excess > len(self.answered):  # the window is all requests still in flight
            return IN_FLIGHT_POLL
        return self.answered[excess - 1] + self.period - now

    def start(self, weight: int = 1) -> None:
        self.in_flight += weight

    def answered_at(self, now: float, weight: int = 1) -> None:
        self.in_flight -= weight
        for _ in range(weight):
            bisect.insort(self.answered, now)


class PacedRateLimiter(BaseRateLimiter[dict]):
    """Global and per-group limits, with interactive calls ahead of bulk ones (see module doc)."""

    def __init__(self, per_second: int = 30, per_group_per_minute: int = 20, margin: float = 0.01,
                 max_retries: int = 3, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._margin = margin
        # Bulk sends are spaced with the margin; the window itself is Telegram's own second, since
        # it counts sends when their answers arrive (see `_Window`).
        self._global = _Window(per_second, 1.0)
        self._interval = (1.0 + margin) / per_second
        self._per_group = per_group_per_minute
        self._groups: dict[int | str, _Window] = {}
        self._max_retries = max_retries
        self._bulk_lane = asyncio.Lock()
        self._next_bulk_at = float("-inf")
        self._behind = 0.0  # seconds the bulk lane's schedule is behind its even spacing
        self._bulk_paused_until = 0.0
        self._urgent_waiting = 0
        self._routine_held_until = float("-inf")
        self.retry_after_seen = 0

    async def initialize(self) -> None:
        """Nothing to open: the windows live in memory."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _group_window(self, chat_id: Any) -> _Window | None:
        # Private chats have positive ids; groups and channels negative ones (or @usernames).
        if isinstance(chat_id, int) and chat_id > 0:
            return None
        if chat_id is None:
            return None
        window = self._groups.get(chat_id)
        if window is None:
            window = self._groups[chat_id] = _Window(self._per_group, 60.0 + 60 * self._margin)
        return window

    def _windows(self, chat_id: Any) -> tuple[_Window, ...]:
        group = self._group_window(chat_id)
        return (self._global, group) if group else (self._global,)

    async def _take_interactive_slot(self, chat_id: Any, weight: int) -> tuple[_Window, ...]:
        """A reply's slot: none to take in a private chat; in a group, a place in its 20 a minute.
        Returns the windows taken."""
        group = self._group_window(chat_id)
        if group is None:
            return ()
        while True:
            wait = group.wait_needed(self._clock(), weight=weight)
            if wait <= 0:
                group.start(weight)
                return (group,)
            if wait > INTERACTIVE_GROUP_MAX_WAIT:
                # As Telegram itself would answer; the handler's update ends here, the others go on.
                raise RetryAfter(math.ceil(wait))
            await asyncio.sleep(wait)

    def hold_routine(self, seconds: float) -> None:
        """Routine bulk sends wait up to `seconds` (0: no longer): an urgent broadcast is being queued."""
        self._routine_held_until = self._clock() + seconds if seconds > 0 else float("-inf")

    def _routine_must_wait(self) -> bool:
        return bool(self._urgent_waiting) or self._clock() < self._routine_held_until

    async def _take_bulk_slot(self, chat_id: Any, weight: int, urgent: bool) -> None:
        """A bulk slot; urgent bulk sends (alerts, `{"bulk": True, "urgent": True}`) go before routine ones."""
        if not urgent:
            while not await self._take_paced_slot(chat_id, weight, urgent=False):
                await asyncio.sleep(self._interval)
            return
        self._urgent_waiting += 1
        try:
            await self._take_paced_slot(chat_id, weight, urgent=True)
        finally:
            self._urgent_waiting -= 1

    async def _take_paced_slot(self, chat_id: Any, weight: int, *, urgent: bool) -> bool:
        """Takes the next slot of the bulk lane; False (nothing taken) when a routine send must let an
        urgent one go first — also after it had queued for the lane."""
        group = self._group_window(chat_id)
        if not urgent and self._routine_must_wait():
            return False
        async with self._bulk_lane:
            marked = False
            while True:
                if not marked and not urgent and self._routine_must_wait():
                    return False
                now = self._clock()
                due = max(self._next_bulk_at, self._bulk_paused_until)
                wait = max(
                    due - now,
                    self._global.wait_needed(now, weight=weight),
                    group.wait_needed(now, weight=weight) if group else 0.0,
                )
                if wait <= 0:
                    for window in self._windows(chat_id):
                        window.start(weight)
                    self._next_bulk_at = self._stamp(now, due) + self._interval * weight
                    return True
                if not marked and wait <= MARK_AHEAD:
                    # Next out, and soon: its outbox row is marked `sending` while it waits, so that
                    # the database write never delays the request (see the module doc). Once marked
                    # it goes, even ahead of an alert: it counts as on its way.
                    marked = await _mark_sending()
                    continue
                await asyncio.sleep(max(wait, 0.0005))

    def _stamp(self, now: float, due: float) -> float:
        """The moment a bulk send counts at on the lane's even schedule.

        The event loop wakes a sleeping send a little late, often by milliseconds on a busy machine
        (other updates' handlers run first, other processes hold the cores); counted from the late
        moment, that adds up over a thousand sends (up to 2.4 s, 7%, on the busy 2-core development
        machine). So the lateness is owed back: each send counts up to `STAMP_SLACK` earlier than it
        went until the schedule has caught up. No gap shrinks by more than that, and Telegram's
        second is kept by the window, which counts what was really sent. A send much later than its
        slot (the lane was idle, or a group's window held it) starts the schedule afresh instead of
        bursting to catch up.
        """
        late = now - due
        if late >= CATCH_UP_LIMIT:
            self._behind = 0.0
            return now
        self._behind = min(self._behind + late, CATCH_UP_LIMIT)
        credit = min(self._behind, STAMP_SLACK)
        self._behind -= credit
        return now - credit

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        bulk = bool(rate_limit_args and rate_limit_args.get("bulk"))
        counted = endpoint in SEND_METHODS
        chat_id = data.get("chat_id")
        weight = message_count(endpoint, data)
        for attempt in range(self._max_retries + 1):
            taken: tuple[_Window, ...] = ()
            if bulk:
                await self._take_bulk_slot(chat_id, weight, bool(rate_limit_args.get("urgent")))
                taken = self._windows(chat_id)
            elif counted:
                taken = await self._take_interactive_slot(chat_id, weight)
            try:
                await _mark_sending()  # an outbox row: `sending` from now, not while it queued
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.retry_after_seen += 1
                delay = retry_seconds(exc)
                noted = retries_seen.get()
                if noted is not None:
                    noted.append(delay)
                # Whatever Telegram throttles, broadcasts back off first.
                self._bulk_paused_until = max(self._bulk_paused_until, self._clock() + delay)
                if attempt >= self._max_retries:
                    raise
                logger.info("%s got RetryAfter %ss (attempt %d); waiting", endpoint, delay, attempt + 1)
                if not bulk:
                    await asyncio.sleep(delay)
            finally:
                answered = self._clock()
                for window in taken:
                    window.answered_at(answered, weight)
        raise AssertionError("unreachable")


class TelegramSender:
    """The outbox's `Sender`: one bulk message per call, Telegram's errors turned into outcomes."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_notice(self, chat_id: int, html_text: str, image: str | None) -> SendResult:
        async def send() -> Any:
            if image and len(html_text) <= CAPTION_LIMIT:
                return await self._bot.send_photo(chat_id, _photo(image), caption=html_text,
                                                  parse_mode=ParseMode.HTML, rate_limit_args=BULK)
            return await self._bot.send_message(chat_id, html_text, parse_mode=ParseMode.HTML,
                                                disable_web_page_preview=True, rate_limit_args=BULK)

        result, _message = await self._attempt(send)
        return result

    def hold_routine(self, seconds: float) -> None:
        limiter = self._bot.rate_limiter
        if isinstance(limiter, PacedRateLimiter):
            limiter.hold_routine(seconds)

    async def send_alert(self, chat_id: int, html_text: str, payload: dict,
                         album_sent: tuple[int, ...] = ()) -> SendResult:
        """An urgent alert: ahead of notices (priority lane), with its button, photos and pin.

        One photo goes with the text as its caption; two or three go first as an album, then the
        text (the album cannot carry a button). The text message is the one pinned and edited. An
        album an earlier attempt delivered (`album_sent`: its text then failed) is not sent again;
        the result names the album whatever became of the text, so that the next attempt knows.
        """
        photos = list(payload.get("photos") or [])
        button = payload.get("button") or {}
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(button["text"], url=button["url"])]]) \
            if button.get("url") else None
        urgent = {"bulk": True, "urgent": True}
        album: list[int] = list(album_sent)

        async def send() -> Any:
            if alert_uses_caption(photos, html_text):
                return await self._bot.send_photo(chat_id, photos[0], caption=html_text, parse_mode=ParseMode.HTML,
                                                  reply_markup=markup, rate_limit_args=urgent)
            if photos and not album:
                sent = await self._bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in photos[:10]],
                                                        rate_limit_args=urgent)
                album[:] = [m.message_id for m in sent]
            return await self._bot.send_message(chat_id, html_text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                                disable_web_page_preview=True, rate_limit_args=urgent)

        result, message = await self._attempt(send)
        result = replace(result, album_message_ids=tuple(album))
        if result.status is not SendStatus.SENT or not payload.get("pin"):
            return result
        events = set(result.events)
        try:
            await self._bot.pin_chat_message(chat_id, message.message_id, disable_notification=False)
            events.add("pinned")
        except TelegramError as exc:  # usually "not enough rights to manage pinned messages"
            logger.info("alert not pinned in %s: %s", chat_id, exc)
            events.add("pin_refused")
        return replace(result, events=frozenset(events))

    async def edit_alert(self, chat_id: int, message_id: int, html_text: str, *, caption: bool,
                         unpin: bool) -> bool:
        """Rewrites a delivered alert (closing it) without its button, and unpins it; False if that failed."""
        try:
            if caption:
                await self._bot.edit_message_caption(chat_id, message_id, caption=html_text,
                                                     parse_mode=ParseMode.HTML, rate_limit_args=BULK)
            else:
                await self._bot.edit_message_text(html_text, chat_id, message_id, parse_mode=ParseMode.HTML,
                                                  disable_web_page_preview=True, rate_limit_args=BULK)
        except TelegramError as exc:
            logger.info("alert message %s in %s not edited: %s", message_id, chat_id, exc)
            return False
        if unpin:
            try:
                await self._bot.unpin_chat_message(chat_id, message_id)
            except TelegramError as exc:
                logger.info("alert message %s in %s not unpinned: %s", message_id, chat_id, exc)
        return True

    async def replace_alert(self, chat_id: int, message_id: int, html_text: str, *, unpin: bool) -> bool:
        """Deletes a delivered alert photo (deleting unpins it too) and posts the closed alert as text;
        False if the text could not be posted."""
        try:
            await self._bot.delete_message(chat_id, message_id, rate_limit_args=BULK)
        except TelegramError as exc:  # older than 48 hours, or no right to delete: the caption is edited instead
            logger.info("alert photo %s in %s not deleted: %s", message_id, chat_id, exc)
            return await self.edit_alert(chat_id, message_id, html_text, caption=True, unpin=unpin)
        try:
            await self._bot.send_message(chat_id, html_text, parse_mode=ParseMode.HTML, disable_web_page_preview=True,
                                         rate_limit_args=BULK)
        except TelegramError as exc:
            logger.info("closed alert not posted in %s: %s", chat_id, exc)
            return False
        return True

    async def remove_album(self, chat_id: int, message_ids: tuple[int, ...]) -> bool:
        """Deletes a delivered alert's album (a found person's photos); False if Telegram refused
        (older than 48 hours, or no right to delete)."""
        try:
            await self._bot.delete_messages(chat_id, list(message_ids), rate_limit_args=BULK)
        except TelegramError as exc:
            logger.info("alert album %s in %s not deleted: %s", list(message_ids), chat_id, exc)
            return False
        return True

    async def _attempt(self, send: Callable[[], Awaitable[Any]]) -> tuple[SendResult, Any]:
        """Runs one send; Telegram's errors become outcomes. Notes a RetryAfter the limiter waited out."""
        waited: list[float] = []
        token = retries_seen.set(waited)
        try:
            message = await send()
        except RetryAfter as exc:
            return SendResult(SendStatus.RETRY, retry_after=retry_seconds(exc), detail="flood limit"), None
        except ChatMigrated as exc:
            return SendResult(SendStatus.MIGRATED, new_chat_id=exc.new_chat_id, detail="migrated"), None
        except Forbidden as exc:
            return SendResult(SendStatus.FORBIDDEN, detail=str(exc)), None
        except TimedOut as exc:
            # A connect or pool timeout never reached Telegram; a read timeout may have.
            if not may_have_arrived(exc):
                return SendResult(SendStatus.RETRY, detail="timeout before sending"), None
            return SendResult(SendStatus.UNCERTAIN, detail="timed out waiting for Telegram"), None
        except BadRequest as exc:
            return SendResult(SendStatus.REJECTED, detail=str(exc)), None
        except NetworkError as exc:
            if may_have_arrived(exc):  # the connection broke after the request was written
                return SendResult(SendStatus.UNCERTAIN, detail=str(exc)), None
            return SendResult(SendStatus.RETRY, detail=str(exc)), None  # 5xx, connection refused …
        except TelegramError as exc:
            return SendResult(SendStatus.REJECTED, detail=str(exc)), None
        finally:
            retries_seen.reset(token)
        events = frozenset({"rate_limited"}) if waited else frozenset()
        return SendResult(SendStatus.SENT, message_id=message.message_id, events=events), message


async def _mark_sending() -> bool:
    """Marks the outbox row being sent (if the send is one) as `sending`; True once done. Raises
    `NotClaimed` if the row must not go out after all. Marking twice is once."""
    mark_sending = about_to_send.get()
    if mark_sending is not None:
        await mark_sending()
    return True


def message_count(endpoint: str, data: dict[str, Any]) -> int:
    """How many messages a call posts, as Telegram counts them: an album counts each of its items."""
    media = data.get("media")
    if endpoint == "sendMediaGroup" and isinstance(media, list | tuple) and media:
        return len(media)
    return 1


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds (an int today, a timedelta in PTB's next major version)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _photo(image: str) -> Any:
    path = Path(image)
    if not image.startswith(("http://", "https://")) and path.is_file():
        return path.read_bytes()
    return image  # a URL or a Telegram file_id
