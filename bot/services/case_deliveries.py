"""What a new case owes, kept until delivered: its card in the staff chat, the reporter's
confirmation, and the staff's notice of a report added to another case (at least once each).

A sent report's case is stored with what it owes, in one transaction; a case that came without
(stored before that, or an urgent report's) is caught at the next start (`recover`), and a crash
after the recording leaves rows pending, sent after the restart. The reporter's confirmation is
sent by the report's handler itself (`owe_report` puts it in its hands), not by the run. A message
Telegram refused for now (a staff chat past its 20 a minute, a 5xx) stays pending and is tried
again; later cards for the same chat wait behind it, so cards keep their order.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import Clock
from bot.coalesced_runs import CoalescedRuns
from storage.case_deliveries import CARD, CONFIRMATION, JOINED, CaseDelivery, CaseDeliveryRepo
from storage.db import Database
from storage.models import CaseMedia
from storage.reports import CaseRepo

logger = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=5)


class CaseDeliveries:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._repo = CaseDeliveryRepo(db)
        self._cases = CaseRepo(db)
        #: The one run sending what is owed (a report's and the job's must not both send it).
        self.runs = CoalescedRuns()
        #: Deliveries their owner sends beside the run (a report's confirmation): the run leaves them.
        self._in_hand: set[int] = set()

    async def owe_report(self, case_id: int, user_id: int, *, joined: bool) -> CaseDelivery:
        """A report was sent: the reporter's confirmation, and the card (or, joined to another case,
        the notice under its card), inside the transaction storing it. Returns the confirmation, in
        the caller's hands: the run leaves it alone until `release` (also if the transaction fails),
        so that the reporter's answer does not wait for the run. It is taken before the transaction
        ends, so no run can have read it first."""
        now = self._clock.now()
        if joined:
            await self._repo.also_owe(case_id, JOINED, user_id, now)
        else:
            await self._repo.also_owe(case_id, CARD, 0, now)
        confirmation = await self._repo.owe(case_id, CONFIRMATION, user_id, now)
        self._in_hand.add(confirmation.id)
        return confirmation

    def release(self, delivery: CaseDelivery) -> None:
        """The caller is done with a delivery it held: delivered, or recorded to be tried again by the run."""
        self._in_hand.discard(delivery.id)

    async def owe_card(self, case_id: int) -> None:
        """The case's card is to be posted, or brought up to date with its media."""
        await self._repo.also_owe(case_id, CARD, 0, self._clock.now())

    async def recover(self) -> int:
        """At start: records what a crash kept from being recorded; returns how many."""
        interrupted = await self._repo.interrupted()
        if interrupted:
            logger.warning("%d case deliveries were out at a stop and may have arrived; their next copies say "
                           "they are sent again", interrupted)
        added = await self._repo.owe_missing(self._clock.now())
        if added:
            logger.warning("%d case deliveries were not recorded before a stop; they are sent now", added)
        return added

    async def pending(self) -> list[CaseDelivery]:
        """What the run is to send: everything owed but what is in its owner's hands."""
        return [delivery for delivery in await self._repo.pending() if delivery.id not in self._in_hand]

    def is_due(self, delivery: CaseDelivery) -> bool:
        return delivery.not_before <= self._clock.now()

    async def sending(self, delivery: CaseDelivery) -> None:
        """A request of the delivery leaves now (the rate limiter calls this once it has its slot)."""
        await self._repo.sending(delivery)

    async def delivered(self, delivery: CaseDelivery, outcome: str = "sent") -> None:
        await self._repo.delivered(delivery, outcome, self._clock.now())

    async def retry_later(self, delivery: CaseDelivery, reason: str, retry_after: float | None = None, *,
                          maybe_delivered: bool = False) -> None:
        """Not delivered now: after `retry_after` seconds, else an exponential backoff (never given up).
        `maybe_delivered`: the request may have reached Telegram all the same (the copy says so)."""
        delay = timedelta(seconds=retry_after) if retry_after else min(
            RETRY_CAP, RETRY_BASE * 2 ** min(delivery.attempts, 10))
        now = self._clock.now()
        await self._repo.retry_later(delivery, now + delay, reason, now, maybe_delivered=maybe_delivered)
        logger.info("case %s %s for %s not delivered (%s%s); again in %ss", delivery.case_id, delivery.kind,
                    delivery.user_id or "staff", reason, ", may have arrived" if maybe_delivered else "",
                    delay.total_seconds())

    async def joined_report(self, case_id: int, user_id: int) -> tuple[str, list[CaseMedia]]:
        """What a resident who joined the case added on joining: their words and media."""
        additions = [a for a in await self._cases.additions(case_id) if a.user_id == user_id]
        if not additions:
            return "", []
        first = additions[0]
        media = [m for m in await self._cases.media(case_id) if m.addition_id == first.id]
        return first.text, media
