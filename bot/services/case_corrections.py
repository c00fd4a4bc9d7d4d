"""Correcting what a case is: a duplicate merged into the case it repeats (its reporters become
further reporters of the original and hear its news), and a case moved to another category of the
same kind (the figures follow, as they read the case's category). Both are audited, and both are
for staff who may manage the case (re-checked from the stored roles on every press)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.config_reports import ReportSettings
from bot.services.case_states import Action, allowed_from, next_status
from bot.services.cases import CaseNotFound, CaseWorkflow
from bot.services.errors import ServiceError
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.models import OPEN_STATUSES, Case, CaseStatus
from storage.reports import CaseRepo

#: How far back (and forward) a case's possible originals are looked for.
CANDIDATE_WINDOW = timedelta(days=7)


class NotAnOriginal(ServiceError):
    """The case named cannot be the original: itself, closed, or a duplicate itself."""


@dataclass(frozen=True)
class Merge:
    """A duplicate closed into its original; `joined`: its reporters newly added to the original."""

    duplicate: Case
    original: Case
    changed: bool
    joined: tuple[int, ...] = ()


class CaseCorrections:
    def __init__(self, db: Database, clock: Clock, workflow: CaseWorkflow, settings: ReportSettings) -> None:
        self._db = db
        self._clock = clock
        self._workflow = workflow
        self._settings = settings
        self._repo = WorkflowRepo(db)
        self._cases = CaseRepo(db)
        self._audit = AuditRepo(db)

    # --- duplicates --------------------------------------------------------------------------

    async def candidates(self, case_id: int, actor_id: int) -> list[Case]:
        """Open cases of the same category and area, near in time: what this case may repeat."""
        case = await self._workflow.managed_case(case_id, actor_id)
        since = case.created_at - CANDIDATE_WINDOW
        return await self._cases.open_similar(case.category, case.area, since, exclude_case_id=case.id)

    async def original_by_ref(self, ref: str) -> Case | None:
        return await self._repo.by_ref(ref)

    async def merge(self, case_id: int, actor_id: int, original_id: int) -> Merge:
        """Closes the case as a duplicate of `original_id`, whose reporters it joins."""
        now = self._clock.now()
        async with self._db.transaction():
            case = await self._workflow.managed_case(case_id, actor_id)
            original = await self._repo.get(original_id)
            if original is None:
                raise CaseNotFound(str(original_id))
            if original.id == case.id or original.status not in OPEN_STATUSES or original.duplicate_of is not None:
                raise NotAnOriginal(original.ref)
            next_status(Action.REJECT, case.status)
            won = await self._repo.change(case.id, now, from_statuses=allowed_from(Action.REJECT),
                                          status=CaseStatus.REJECTED.value, outcome="rejected_duplicate",
                                          outcome_note=None, duplicate_of=original.id,
                                          last_action="case.rejected")
            if not won:
                return Merge(case, original, False)
            await self._repo.drop_alarms(case.id, ("accept", "resolve"))
            joined = []
            for reporter in await self._cases.reporters(case.id):
                if await self._cases.add_reporter(original.id, reporter.user_id, is_primary=False,
                                                  anonymous=reporter.anonymous, phone=reporter.phone, now=now):
                    joined.append(reporter.user_id)
            await self._audit.record(now, actor_id, "case.rejected", "case", case.id,
                                     {"reason": "duplicate", "duplicate_of": original.id})
            await self._audit.record(now, actor_id, "case.duplicate_merged", "case", original.id,
                                     {"duplicate": case.id, "reporters": joined})
            await self._repo.change(original.id, now, last_action="case.duplicate_merged")
        return Merge(await self._repo.get(case.id), await self._repo.get(original.id), True, tuple(joined))

    async def reporter_count(self, case_id: int) -> int:
        """How many residents reported this case (the first, those who joined it, merged duplicates')."""
        return len(await self._cases.reporters(case_id))

    # --- categories --------------------------------------------------------------------------

    def categories_of_kind(self, kind: str) -> list[str]:
        """The category ids a case of this kind may have."""
        items = self._settings.dispute_kinds if kind == "dispute" else self._settings.incident_categories
        return [item.id for item in items]

    async def recategorise(self, case_id: int, actor_id: int, category: str) -> tuple[Case, bool]:
        """Moves an open case to another category of its kind; False when it had that one already."""
        now = self._clock.now()
        async with self._db.transaction():
            case = await self._workflow.managed_case(case_id, actor_id)
            if category not in self.categories_of_kind(case.kind):
                raise ValueError(category)
            if case.status not in OPEN_STATUSES:
                next_status(Action.ASSIGN, case.status)  # raises IllegalTransition: only open cases change
            if case.category == category:
                return case, False
            await self._repo.change(case.id, now, category=category, last_action="case.recategorised")
            await self._audit.record(now, actor_id, "case.recategorised", "case", case.id,
                                     {"from": case.category, "to": category})
        return await self._repo.get(case.id), True
