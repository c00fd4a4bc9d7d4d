"""Supervision (督办): a supervisor or admin gives an overdue case a new deadline — 4 hours, a day or
three days, counted on the case's calendar — with a note to its owner. The note is asked for like
the other texts a card asks for (staff_inputs, purpose `supervise`); the deadline gets a fresh
reminder ladder, the case's history says so (`case.supervised`) and the figures count it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import roles as rules
from bot.clock import Clock
from bot.config_cases import CaseSettings
from bot.services.cases import CaseWorkflow
from bot.services.errors import NotAllowed, ServiceError
from bot.services.working_time import Deadlines
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.models import OPEN_STATUSES, Case
from storage.people import PeopleRepo
from storage.supervision import Supervision, SupervisionRepo

#: The staff_inputs purpose of a supervisor's note.
SUPERVISE = "supervise"
#: The new deadlines a supervisor chooses from: key → minutes of the case's calendar.
EXTENSIONS = {"4h": 4 * 60, "1d": 24 * 60, "3d": 3 * 24 * 60}


class NotOverdue(ServiceError):
    """Only an open case past a deadline is supervised."""


@dataclass(frozen=True)
class Supervised:
    """A case just supervised: the case with its new deadline, and the supervision."""

    case: Case
    supervision: Supervision


def overdue_deadlines(case: Case, now: datetime) -> list[str]:
    """The deadlines of an open case that have passed: `accept` (nobody took it), `resolve`."""
    if case.status not in OPEN_STATUSES:
        return []
    kinds = []
    if case.owner_id is None and case.accept_due is not None and case.accept_due <= now:
        kinds.append("accept")
    if case.resolve_due is not None and case.resolve_due <= now:
        kinds.append("resolve")
    return kinds


def is_overdue(case: Case, now: datetime) -> bool:
    return bool(overdue_deadlines(case, now))


class SupervisionService:
    def __init__(self, db: Database, clock: Clock, settings: CaseSettings, deadlines: Deadlines,
                 workflow: CaseWorkflow) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._deadlines = deadlines
        self._workflow = workflow
        self._repo = SupervisionRepo(db)
        self._cases = WorkflowRepo(db)
        self._people = PeopleRepo(db)
        self._audit = AuditRepo(db)

    def on_working_calendar(self, case: Case) -> bool:
        return self._deadlines.on_working_calendar(case.grade)

    async def latest(self, case_id: int) -> Supervision | None:
        return await self._repo.latest(case_id)

    async def supervisable(self, case_id: int, actor_id: int) -> Case:
        """The case, if the actor (a supervisor or admin) may supervise it now: open and overdue."""
        if not (await self._people.roles_of(actor_id) & rules.CASE_MANAGER_ROLES):
            raise NotAllowed(f"user {actor_id} does not supervise")
        case = await self._workflow.case(case_id)
        if not is_overdue(case, self._clock.now()):
            raise NotOverdue(case.ref)
        return case

    async def await_note(self, case_id: int, actor_id: int, extension: str) -> Case:
        """The actor's next private message is the note to the owner; the deadline is chosen."""
        if extension not in EXTENSIONS:
            raise ValueError(extension)
        case = await self.supervisable(case_id, actor_id)
        await self._cases.set_staff_input(actor_id, case_id, SUPERVISE, extension, self._clock.now())
        return case

    async def take_note(self, actor_id: int, note: str) -> Supervised | None:
        """Uses the actor's message as the note of the supervision they chose; None if none waits."""
        pending = await self._cases.staff_input(actor_id)
        if pending is None or pending.purpose != SUPERVISE:
            return None
        await self._cases.clear_staff_input(actor_id)
        return await self.supervise(pending.case_id, actor_id, pending.detail, note)

    async def supervise(self, case_id: int, actor_id: int, extension: str, note: str) -> Supervised:
        """The overdue deadlines move to the new one, each with a fresh ladder: the reminder at
        `remind_at_fraction` of the extension, the supervisors at it, the admins twice as late."""
        minutes = EXTENSIONS[extension]
        now = self._clock.now()
        async with self._db.transaction():
            case = await self.supervisable(case_id, actor_id)
            due = self._deadlines.after(now, minutes, case.grade)
            kinds = overdue_deadlines(case, now)
            plan = {}
            for kind in kinds:
                plan[(kind, "remind")] = self._deadlines.after(now, minutes, case.grade,
                                                               share=self._settings.remind_at_fraction)
                plan[(kind, "overdue")] = due
                plan[(kind, "admins")] = self._deadlines.after(now, minutes, case.grade, share=2)
            await self._repo.rearm(case_id, kinds, plan)
            await self._cases.change(case_id, now, last_action="case.supervised",
                                     **{f"{kind}_due": due for kind in kinds})
            await self._repo.add(case_id, actor_id, due, note, now)
            await self._audit.record(now, actor_id, "case.supervised", "case", case_id,
                                     {"extension": extension, "due": due.isoformat(), "deadlines": kinds})
        return Supervised(await self._workflow.case(case_id), await self._repo.latest(case_id))


__all__ = ["SupervisionService", "Supervised", "NotOverdue", "SUPERVISE", "EXTENSIONS", "is_overdue",
           "overdue_deadlines"]
