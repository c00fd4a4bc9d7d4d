"""/erase: a person's personal fields anonymised everywhere they appear (name, username, phone,
exact place, what they wrote, their photos' and voice notes' file ids), in cases, drafts,
additions, tips and the audit trail's copies. Case rows stay, so the figures keep counting them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config_privacy import PrivacySettings
from bot.services.case_search import CaseSearch
from bot.services.case_states import Action, allowed_from
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.erasure import ErasureRepo, ErasureRequestRepo
from storage.models import OPEN_STATUSES, CaseStatus
from storage.reports import CaseRepo

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure would do, told before the person confirms."""

    request_id: int
    closed_cases: int  # anonymised at once
    open_cases: int  # the person's own open reports: withdrawn, or kept open until they close
    joined_open: int  # open cases of others they added to: their words go, the case stays
    tips: int
    keep_open: bool


@dataclass
class ErasureOutcome:
    """What an erasure did: the cases withdrawn (their owners are told), those waiting to close."""

    withdrawn: list[int] = field(default_factory=list)
    anonymised: int = 0
    waiting: int = 0


class ErasureService:
    def __init__(self, db: Database, clock: Clock, settings: PrivacySettings, search: CaseSearch) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._search = search
        self._repo = ErasureRepo(db)
        self._requests = ErasureRequestRepo(db)
        self._workflow = WorkflowRepo(db)
        self._cases = CaseRepo(db)
        self._audit = AuditRepo(db)

    async def prepare(self) -> None:
        """At start: whatever is deleted or overwritten from now on is zeroed in the file."""
        await self._repo.secure_delete()

    async def offer(self, user_id: int, chat_id: int) -> ErasurePlan:
        """Records the confirmation about to be shown (its message id follows with `shown`)."""
        cases = await self._repo.reported_cases(user_id)
        open_ids = {case_id for case_id, _, status in cases if status in OPEN_STATUSES}
        request_id = await self._requests.offer(user_id, chat_id, self._clock.now())
        return ErasurePlan(
            request_id=request_id,
            closed_cases=sum(1 for case_id, _, _ in cases if case_id not in open_ids),
            open_cases=sum(1 for case_id, primary, _ in cases if primary and case_id in open_ids),
            joined_open=sum(1 for case_id, primary, _ in cases if not primary and case_id in open_ids),
            tips=await self._repo.tip_count(user_id),
            keep_open=self._settings.keep_open_cases,
        )

    async def shown(self, request_id: int, message_id: int) -> None:
        await self._requests.set_message(request_id, message_id)

    async def cancel(self, request_id: int, user_id: int, chat_id: int, message_id: int) -> bool:
        """The person kept their data; False for someone else's button or a second tap."""
        return await self._requests.claim(request_id, user_id, chat_id, message_id, "cancelled", self._clock.now())

    async def state_of(self, request_id: int, user_id: int) -> str | None:
        return await self._requests.state_of(request_id, user_id)

    async def erase(self, request_id: int, user_id: int, chat_id: int, message_id: int) -> ErasureOutcome | None:
        """Carries out the confirmed request, all in one transaction; None when the button was not
        this person's on this message, or the request was decided already (a double tap)."""
        now = self._clock.now()
        outcome = ErasureOutcome()
        async with self._db.transaction():
            if not await self._requests.claim(request_id, user_id, chat_id, message_id, "done", now):
                return None
            needles = await self._needles(user_id)
            for case_id, primary, status in await self._repo.reported_cases(user_id):
                if status in OPEN_STATUSES and self._settings.keep_open_cases:
                    await self._repo.add_pending(case_id, user_id, now)
                    outcome.waiting += 1
                    continue
                if status in OPEN_STATUSES and primary and await self._withdraw(case_id, user_id):
                    outcome.withdrawn.append(case_id)
                await self._anonymise(case_id, user_id, primary)
                outcome.anonymised += 1
            tips = await self._repo.erase_tips(user_id)
            drafts = await self._repo.erase_drafts(user_id)
            await self._repo.erase_searches_for(needles)
            await self._repo.erase_profile(user_id, now)
            await self._repo.scrub_audit_of(user_id)
            # That it happened, and how much: never what was erased.
            await self._audit.record(now, user_id, "privacy.erased", "user", user_id, {
                "cases_anonymised": outcome.anonymised, "cases_withdrawn": len(outcome.withdrawn),
                "cases_waiting": outcome.waiting, "tips": tips, "drafts": drafts})
        await self._repo.compact()
        logger.info("erasure %s for user %s: %d case(s) anonymised, %d withdrawn, %d waiting to close",
                    request_id, user_id, outcome.anonymised, len(outcome.withdrawn), outcome.waiting)
        return outcome

    async def _needles(self, user_id: int) -> list[str]:
        """What a staff search for this person would have typed: their phones and name."""
        phones, name = await self._repo.phones_and_name(user_id)
        # A search holds the number as typed: match its last eight digits (without +86 or spaces).
        needles = {"".join(ch for ch in phone if ch.isdigit())[-8:] for phone in phones}
        if name and len(name) >= 2:
            needles.add(name)
        return sorted(n for n in needles if n)

    async def _withdraw(self, case_id: int, user_id: int) -> bool:
        """Closes the person's open report as withdrawn by the reporter (at their erasure)."""
        won = await self._workflow.change(case_id, self._clock.now(), from_statuses=allowed_from(Action.WITHDRAW),
                                          status=CaseStatus.WITHDRAWN.value, outcome="withdrawn_erasure",
                                          outcome_note=None, last_action="case.withdrawn")
        if won:
            await self._workflow.drop_alarms(case_id, ("accept", "resolve"))
            await self._audit.record(self._clock.now(), user_id, "case.withdrawn", "case", case_id,
                                     {"reason": "erasure"})
        return won

    async def _anonymise(self, case_id: int, user_id: int, primary: bool) -> None:
        """One reporter's part of one case (inside the caller's transaction)."""
        await self._repo.erase_own_words(user_id, case_id)
        if primary:
            await self._repo.erase_report(case_id, self._clock.now())
        await self._search.reindex(case_id)

    async def complete_waiting(self) -> int:
        """Anonymises the cases kept open at an erasure that have closed since; returns how many."""
        done = 0
        for case_id, user_id in await self._repo.pending_closed():
            reporters = {r.user_id: r.is_primary for r in await self._cases.reporters(case_id)}
            async with self._db.transaction():
                await self._anonymise(case_id, user_id, reporters.get(user_id, False))
                await self._repo.drop_pending(case_id, user_id)
                await self._audit.record(self._clock.now(), None, "privacy.case_anonymised", "case", case_id,
                                         {"why": "erasure"})
            done += 1
        if done:
            await self._repo.compact()
            logger.info("%d case(s) kept open at an erasure anonymised after closing", done)
        return done
