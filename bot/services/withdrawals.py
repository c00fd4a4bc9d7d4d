"""A reporter withdrawing their own open report (from /myreports), with a reason: the case is
closed as withdrawn (a status of its own, so the figures count it neither handled nor rejected),
its deadlines dropped, and the change audited."""

from __future__ import annotations

from bot.clock import Clock
from bot.services.case_states import Action, IllegalTransition, allowed_from, can
from bot.services.errors import NotAllowed
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.models import Case, CaseStatus
from storage.reports import CaseRepo

WITHDRAW_REASONS = ("solved_myself", "by_mistake", "other")


class WithdrawalService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._repo = WorkflowRepo(db)
        self._cases = CaseRepo(db)
        self._audit = AuditRepo(db)

    async def may_withdraw(self, case: Case, user_id: int) -> bool:
        """Only the first reporter withdraws, and only while the case is open (one who joined it
        does not close it for the others)."""
        if not can(Action.WITHDRAW, case.status):
            return False
        return any(r.user_id == user_id and r.is_primary for r in await self._cases.reporters(case.id))

    async def withdraw(self, case_id: int, user_id: int, reason: str) -> tuple[Case, bool]:
        """Closes the case as withdrawn; False if it was no longer open (a double tap)."""
        if reason not in WITHDRAW_REASONS:
            raise ValueError(reason)
        now = self._clock.now()
        async with self._db.transaction():
            case = await self._cases.get(case_id)
            if case is None or not any(r.user_id == user_id and r.is_primary
                                       for r in await self._cases.reporters(case_id)):
                raise NotAllowed(f"user {user_id} is not the first reporter of case {case_id}")
            if not can(Action.WITHDRAW, case.status):
                if case.status == CaseStatus.WITHDRAWN:
                    return case, False
                raise IllegalTransition(Action.WITHDRAW, case.status)
            won = await self._repo.change(case_id, now, from_statuses=allowed_from(Action.WITHDRAW),
                                          status=CaseStatus.WITHDRAWN.value, outcome=f"withdrawn_{reason}",
                                          outcome_note=None, last_action="case.withdrawn")
            if won:
                await self._repo.drop_alarms(case_id, ("accept", "resolve"))
                await self._audit.record(now, user_id, "case.withdrawn", "case", case_id, {"reason": reason})
        return await self._cases.get(case_id), won
