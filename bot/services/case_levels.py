"""Tiered handling (四事分办): a case overdue at its level is raised to the next one, audited."""

from __future__ import annotations

from bot.clock import Clock
from bot.config_chats import next_level
from bot.services.cases import CaseWorkflow, Change
from bot.services.supervision import NotOverdue, is_overdue
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database


class CaseLevels:
    def __init__(self, db: Database, clock: Clock, workflow: CaseWorkflow) -> None:
        self._db = db
        self._clock = clock
        self._workflow = workflow
        self._cases = WorkflowRepo(db)
        self._audit = AuditRepo(db)

    async def raise_level(self, case_id: int, actor_id: int, to_level: str) -> Change:
        """Raises an overdue case from its level to `to_level`, the next one up, with a fresh time
        limit there. Unchanged when the case has moved on since the button was drawn (a second
        press, another level set)."""
        now = self._clock.now()
        async with self._db.transaction():
            case = await self._workflow.managed_case(case_id, actor_id)
            if next_level(case.level) != to_level:
                return Change(case, False)
            if not is_overdue(case, now):
                raise NotOverdue(case.ref)
            await self._cases.change(case_id, now, level=to_level, last_action="case.level_raised")
            # The level it goes to gets its own time: a fresh limit from now, with its reminders.
            if case.owner_id is None:
                await self._workflow.rearm_accept(case, now)
            else:
                await self._workflow.rearm_resolve(case, now)
            await self._audit.record(now, actor_id, "case.level_raised", "case", case_id,
                                     {"from": case.level, "to": to_level})
        return Change(await self._workflow.case(case_id), True)
