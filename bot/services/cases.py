"""The case workflow run from the staff chat: accept, grade, assign, level, notes, resolve, reject,
reopen; deadlines with reminders and escalation (限时办理, 督办). The reporter's side of a
conversation is bot/services/case_conversation.py; the follow-up visit (回访) bot/services/followups.py.

Every press is re-authorised here from the stored roles, whatever the button said, and every
status change is a guarded update: double taps and two staff at once change a case only once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import roles as rules
from bot.clock import Clock
from bot.config_cases import CaseSettings
from bot.config_chats import LEVELS
from bot.services.case_states import Action, IllegalTransition, allowed_from, next_status
from bot.services.errors import NotAllowed, ServiceError
from bot.services.working_time import Deadlines
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.models import OPEN_STATUSES, AuditEntry, Case, CaseAlarm, CaseNote, CaseStatus, Role, StaffInput
from storage.people import PeopleRepo
from storage.reports import CaseRepo

GRADES = ("red", "orange", "yellow", "green")
OUTCOMES = ("resolved", "mediated", "mediation_failed", "referred", "not_police")
REJECTIONS = ("duplicate", "invalid")
#: When a follow-up visit that reached nobody is tried again: after half an hour, two hours, a day.
FOLLOWUP_RETRIES = (timedelta(minutes=30), timedelta(hours=2), timedelta(days=1))


class CaseNotFound(ServiceError):
    """No case has that id (a stale or forged button)."""


class OwnReport(NotAllowed):
    """Staff never handle a case they reported themselves: someone else must own it."""


@dataclass(frozen=True)
class Change:
    """The result of a staff action: the case after it, and whether this call changed it."""

    case: Case
    changed: bool
    previous_owner: int | None = None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AlarmDue:
    """A reminder or escalation to send now (already marked sent: at most once)."""

    alarm: CaseAlarm
    case: Case
    reader_id: int | None = None  # an unread alarm: who has not read the reporter's message


def alarm_plan(settings: CaseSettings, deadlines: Deadlines, grade: str | None, start: datetime, *,
               accepted: bool) -> dict[tuple[str, str], datetime]:
    """When to remind (at a fraction of the limit), escalate (at the limit) and tell the admins
    (another limit later), for accepting and for resolving a case, on the grade's calendar."""
    limits = settings.limits_for(grade)
    plan = {}
    kinds = [("resolve", limits.resolve_minutes)] if accepted else [("accept", limits.accept_minutes),
                                                                     ("resolve", limits.resolve_minutes)]
    for kind, minutes in kinds:
        plan[(kind, "remind")] = deadlines.after(start, minutes, grade, share=settings.remind_at_fraction)
        plan[(kind, "overdue")] = deadlines.after(start, minutes, grade)
        plan[(kind, "admins")] = deadlines.after(start, minutes, grade, share=2)
    return plan


class CaseWorkflow:
    def __init__(self, db: Database, clock: Clock, settings: CaseSettings, *, deadlines: Deadlines,
                 rng: random.Random | None = None) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._deadlines = deadlines
        self._repo = WorkflowRepo(db)
        self._cases = CaseRepo(db)
        self._people = PeopleRepo(db)
        self._audit = AuditRepo(db)
        self._rng = rng or random.Random()

    @property
    def settings(self) -> CaseSettings:
        return self._settings

    # --- reading -----------------------------------------------------------------------------

    async def case(self, case_id: int) -> Case:
        case = await self._repo.get(case_id)
        if case is None:
            raise CaseNotFound(str(case_id))
        return case

    async def by_ref(self, ref: str) -> Case | None:
        return await self._repo.by_ref(ref)

    async def history(self, case_id: int, actor_id: int) -> list[AuditEntry]:
        await self._require_staff(actor_id)
        return list(reversed(await self._audit.entries(subject_type="case", subject_id=case_id)))

    async def notes(self, case_id: int) -> list[CaseNote]:
        return await self._repo.notes(case_id)

    async def my_open_cases(self, actor_id: int) -> list[Case]:
        await self._require_staff(actor_id)
        return await self._repo.open_cases(owner_id=actor_id)

    async def open_cases(self, actor_id: int) -> list[Case]:
        await self._require_staff(actor_id)
        return await self._repo.open_cases()

    async def overdue_cases(self, actor_id: int) -> list[Case]:
        await self._require_staff(actor_id)
        return await self._repo.overdue_cases(self._clock.now())

    async def assignable_staff(self, case: Case) -> list[tuple[int, str, Role, str | None]]:
        """(user id, name, role, area) of everyone the case can be handed to: those of the case's
        area first, then the others; never one of its own reporters."""
        reporters = await self._reporter_ids(case.id)
        away = await self._people.away_ids()  # someone away takes no new work
        staff = [(g.user_id, g.first_name or str(g.user_id), g.role, g.area)
                 for g in await self._people.role_grants()
                 if g.role in rules.CASE_OWNER_ROLES and g.user_id not in reporters | away]
        area = case.area
        return sorted(staff, key=lambda s: (area is None or s[3] != area, s[2] != Role.OFFICER, s[1]))

    async def officers_for(self, area: str | None) -> list[int]:
        """The officers whose beat is this area; all officers when none is (or no area is known)."""
        grants = [g for g in await self._people.role_grants() if g.role is Role.OFFICER]
        local = [g.user_id for g in grants if area is not None and g.area == area]
        return local or [g.user_id for g in grants]

    async def supervisors_for(self, area: str | None) -> list[int]:
        """The supervisors of this area (per-area supervision); all supervisors when it has none."""
        grants = [g for g in await self._people.role_grants() if g.role is Role.SUPERVISOR]
        local = [g.user_id for g in grants if area is not None and g.area == area]
        return local or [g.user_id for g in grants]

    async def holders_of(self, role: Role) -> list[int]:
        return await self._people.holders_of(role)

    async def figures(self) -> dict:
        return await self._repo.figures()

    # --- set-up when a case is created -------------------------------------------------------

    async def arm_new_case(self, case: Case) -> None:
        """Deadlines and their alarms for a new case (called inside the creating transaction)."""
        plan = alarm_plan(self._settings, self._deadlines, case.grade, case.created_at, accepted=False)
        await self._repo.plan_deadlines(case.id, self._clock.now(), accept_due=plan[("accept", "overdue")],
                                        resolve_due=plan[("resolve", "overdue")])
        await self._repo.replace_alarms(case.id, ("accept", "resolve"), plan)

    async def rearm_accept(self, case: Case, now: datetime) -> None:
        """A case back to unowned (handed back) waits to be accepted again: a fresh accept limit from
        now, with its reminders (inside the caller's transaction)."""
        plan = alarm_plan(self._settings, self._deadlines, case.grade, now, accepted=False)
        await self._repo.plan_deadlines(case.id, now, accept_due=plan[("accept", "overdue")])
        await self._repo.replace_alarms(case.id, ("accept",), plan)

    async def rearm_resolve(self, case: Case, now: datetime) -> None:
        """The case starts its resolve limit again from now (a new level handles it), with its
        reminders (inside the caller's transaction)."""
        plan = alarm_plan(self._settings, self._deadlines, case.grade, now, accepted=True)
        await self._repo.plan_deadlines(case.id, now, resolve_due=plan[("resolve", "overdue")])
        await self._repo.replace_alarms(case.id, ("resolve",), plan)

    # --- staff actions -----------------------------------------------------------------------

    async def accept(self, case_id: int, actor_id: int) -> Change:
        """First receiver is responsible: the first staff member to accept owns the case."""
        await self._require_staff(actor_id)
        await self._refuse_own_report(case_id, actor_id)
        now = self._clock.now()
        async with self._db.transaction():
            case = await self.case(case_id)
            won = await self._repo.change(case_id, now, from_statuses=allowed_from(Action.ACCEPT),
                                          status=CaseStatus.ACCEPTED.value, owner_id=actor_id, accepted_at=now,
                                          last_action="case.accepted")
            if won:
                await self._repo.drop_alarms(case_id, ("accept",))
                await self._audit.record(now, actor_id, "case.accepted", "case", case_id)
        return Change(await self.case(case_id), won, previous_owner=case.owner_id)

    async def set_grade(self, case_id: int, actor_id: int, grade: str) -> Change:
        if grade not in GRADES:
            raise ValueError(grade)
        now = self._clock.now()
        async with self._db.transaction():
            case = await self._managed_case(case_id, actor_id)
            if case.grade == grade:
                return Change(case, False)
            await self._repo.change(case_id, now, grade=grade, last_action="case.graded")
            accepted = case.owner_id is not None and case.status != CaseStatus.NEW
            plan = alarm_plan(self._settings, self._deadlines, grade, case.created_at, accepted=accepted)
            kinds = ("resolve",) if accepted else ("accept", "resolve")
            await self._repo.replace_alarms(case_id, kinds, plan)
            await self._repo.change(case_id, now, resolve_due=plan[("resolve", "overdue")],
                                    **({} if accepted else {"accept_due": plan[("accept", "overdue")]}))
            await self._audit.record(now, actor_id, "case.graded", "case", case_id, {"from": case.grade, "to": grade})
        return Change(await self.case(case_id), True)

    async def assign(self, case_id: int, actor_id: int, assignee_id: int) -> Change:
        """Hand the case to an officer or mediator (分流转办); the history keeps every owner."""
        now = self._clock.now()
        assignee_roles = await self._people.roles_of(assignee_id)
        if not (assignee_roles & rules.CASE_OWNER_ROLES):
            raise NotAllowed(f"user {assignee_id} cannot own cases")
        await self._refuse_own_report(case_id, assignee_id)
        async with self._db.transaction():
            case = await self._managed_case(case_id, actor_id)
            if case.owner_id == assignee_id and case.status == CaseStatus.IN_PROGRESS:
                return Change(case, False)
            next_status(Action.ASSIGN, case.status)
            await self._repo.change(case_id, now, from_statuses=allowed_from(Action.ASSIGN),
                                    status=CaseStatus.IN_PROGRESS.value, owner_id=assignee_id,
                                    accepted_at=case.accepted_at or now, last_action="case.assigned")
            await self._repo.drop_alarms(case_id, ("accept",))
            await self._audit.record(now, actor_id, "case.assigned", "case", case_id,
                                     {"from": case.owner_id, "to": assignee_id})
        return Change(await self.case(case_id), True, previous_owner=case.owner_id)

    async def set_level(self, case_id: int, actor_id: int, level: str) -> Change:
        if level not in LEVELS:
            raise ValueError(level)
        now = self._clock.now()
        async with self._db.transaction():
            case = await self._managed_case(case_id, actor_id)
            if case.level == level:
                return Change(case, False)
            await self._repo.change(case_id, now, level=level, last_action="case.level_set")
            await self._audit.record(now, actor_id, "case.level_set", "case", case_id,
                                     {"from": case.level, "to": level})
        return Change(await self.case(case_id), True)

    async def await_text(self, case_id: int, actor_id: int, purpose: str, detail: str = "") -> Case:
        """The actor's next private message is the note / resolution / rejection reason / question /
        why a case is reopened."""
        if purpose == "note":
            await self._require_staff(actor_id)
            case = await self.case(case_id)
        elif purpose == "ask":
            case = await self._managed_case(case_id, actor_id)
            if case.status not in OPEN_STATUSES:
                raise IllegalTransition(Action.ASSIGN, case.status)
        else:
            case = await self._managed_case(case_id, actor_id)
            action = {"resolve": Action.RESOLVE, "reopen": Action.REOPEN}.get(purpose, Action.REJECT)
            next_status(action, case.status)
        await self._repo.set_staff_input(actor_id, case_id, purpose, detail, self._clock.now())
        return case

    async def pending_text(self, actor_id: int) -> StaffInput | None:
        return await self._repo.staff_input(actor_id)

    async def drop_pending_text(self, actor_id: int) -> None:
        await self._repo.clear_staff_input(actor_id)

    async def take_text(self, actor_id: int, text: str) -> tuple[StaffInput, Change] | None:
        """Uses the actor's message for what they were asked; None if nothing was asked."""
        pending = await self._repo.staff_input(actor_id)
        if pending is None:
            return None
        await self._repo.clear_staff_input(actor_id)
        if pending.purpose == "note":
            change = await self.add_note(pending.case_id, actor_id, text)
        elif pending.purpose == "ask":
            await self._managed_case(pending.case_id, actor_id)
            now = self._clock.now()
            await self._repo.change(pending.case_id, now, last_action="case.reporter_asked")
            # The question itself, for the History (the retention run scrubs "text" with the case).
            await self._audit.record(now, actor_id, "case.reporter_asked", "case", pending.case_id, {"text": text})
            change = Change(await self.case(pending.case_id), True, detail={"question": text})
        elif pending.purpose == "resolve":
            change = await self.resolve(pending.case_id, actor_id, pending.detail, text)
        else:
            change = await self.reject(pending.case_id, actor_id, pending.detail, text)
        return pending, change

    async def add_note(self, case_id: int, actor_id: int, text: str) -> Change:
        await self._require_staff(actor_id)
        now = self._clock.now()
        async with self._db.transaction():
            await self._repo.add_note(case_id, actor_id, text, now)
            await self._repo.change(case_id, now, last_action="case.note_added")
            await self._audit.record(now, actor_id, "case.note_added", "case", case_id)
        return Change(await self.case(case_id), True)

    async def resolve(self, case_id: int, actor_id: int, outcome: str, note: str) -> Change:
        if outcome not in OUTCOMES:
            raise ValueError(outcome)
        now = self._clock.now()
        async with self._db.transaction():
            case = await self._managed_case(case_id, actor_id)
            won = await self._repo.change(case_id, now, from_statuses=allowed_from(Action.RESOLVE),
                                          status=CaseStatus.RESOLVED.value, resolved_at=now, outcome=outcome,
                                          outcome_note=note, last_action="case.resolved")
            if won:
                await self._repo.drop_alarms(case_id, ("accept", "resolve"))
                spot_check = self._rng.random() < self._settings.spot_check_fraction
                await self._repo.start_followup(case_id, spot_check=spot_check)
                due = now + timedelta(days=self._settings.followup_after_days)
                await self._repo.replace_alarms(case_id, ("followup_ask",), {("followup_ask", "due"): due})
                await self._audit.record(now, actor_id, "case.resolved", "case", case_id,
                                         {"outcome": outcome, "spot_check": spot_check, "text": note})
        return Change(await self.case(case_id), won, detail={"previous_status": case.status})

    async def reject(self, case_id: int, actor_id: int, reason: str, note: str) -> Change:
        if reason not in REJECTIONS:
            raise ValueError(reason)
        now = self._clock.now()
        async with self._db.transaction():
            await self._managed_case(case_id, actor_id)
            won = await self._repo.change(case_id, now, from_statuses=allowed_from(Action.REJECT),
                                          status=CaseStatus.REJECTED.value, outcome=f"rejected_{reason}",
                                          outcome_note=note, last_action="case.rejected")
            if won:
                await self._repo.drop_alarms(case_id, ("accept", "resolve"))
                await self._audit.record(now, actor_id, "case.rejected", "case", case_id,
                                         {"reason": reason, "text": note})
        return Change(await self.case(case_id), won)

    async def reopen(self, case_id: int, actor_id: int | None, reason: str = "", note: str = "") -> Change:
        """Back to work (by a manager, with why in `note`, or by the reporter's "not solved" at the
        follow-up)."""
        now = self._clock.now()
        async with self._db.transaction():
            case = await self.case(case_id) if actor_id is None else await self._managed_case(case_id, actor_id)
            won = await self._repo.change(case_id, now, from_statuses=allowed_from(Action.REOPEN),
                                          status=CaseStatus.REOPENED.value, last_action="case.reopened")
            if won:
                await self._repo.drop_alarms(case_id, ("followup_ask", "followup_expire"))
                # A reopened case gets the full resolve limit again, from now.
                plan = alarm_plan(self._settings, self._deadlines, case.grade, now, accepted=True)
                await self._repo.replace_alarms(case_id, ("resolve",), plan)
                await self._repo.change(case_id, now, resolve_due=plan[("resolve", "overdue")])
                await self._audit.record(now, actor_id, "case.reopened", "case", case_id,
                                         {"reason": reason, **({"text": note} if note else {})})
        return Change(await self.case(case_id), won, previous_owner=case.owner_id)

    # --- time: alarms (the follow-up visit is asked and expired here) ---------------------------

    async def due_alarms(self) -> list[AlarmDue]:
        """Alarms whose time has come and that still apply, each returned once."""
        now = self._clock.now()
        due = []
        async with self._db.transaction():
            for alarm in await self._repo.claim_due_alarms(now):
                case = await self._repo.get(alarm.case_id)
                if case is None:
                    continue
                if alarm.kind == "unread":
                    reader = await self._repo.unseen_reader(int(alarm.stage.removeprefix("i")))
                    if reader is not None:
                        due.append(AlarmDue(alarm, case, reader_id=reader))
                    continue
                if not _still_applies(alarm, case):
                    continue
                if alarm.kind == "followup_ask":
                    await self._repo.mark_followup_asked(case.id, now)
                    expire = now + timedelta(days=self._settings.followup_no_response_days)
                    await self._repo.replace_alarms(case.id, ("followup_expire",), {("followup_expire", "due"): expire})
                    # A retry after Telegram failed to deliver the questions is one visit, tried again.
                    action = "case.followup_asked_again" if alarm.stage.startswith("retry") else "case.followup_asked"
                    await self._audit.record(now, None, action, "case", case.id)
                elif alarm.kind == "followup_expire":
                    followup = await self._repo.followup(case.id)
                    if followup is not None and followup.solved is not None:
                        continue
                    await self._repo.answer_followup(case.id, no_response=True)
                    await self.close_after_followup(case.id, now, "case.followup_no_response")
                due.append(AlarmDue(alarm, await self._repo.get(case.id)))
        return due

    async def followup_undelivered(self, alarm: CaseAlarm) -> bool:
        """The follow-up's questions reached no reporter for a passing reason (Telegram down, a
        timeout): asked again later, up to FOLLOWUP_RETRIES times. False when no try is left."""
        tries = int(alarm.stage.removeprefix("retry")) if alarm.stage.startswith("retry") else 0
        if tries >= len(FOLLOWUP_RETRIES):
            return False
        due = self._clock.now() + FOLLOWUP_RETRIES[tries]
        async with self._db.transaction():
            await self._repo.replace_alarms(alarm.case_id, ("followup_ask",),
                                            {("followup_ask", f"retry{tries + 1}"): due})
        return True

    async def close_after_followup(self, case_id: int, now: datetime, action: str) -> None:
        """Closes the loop after the follow-up visit: resolved → followed up → closed (`action`)."""
        case = await self._repo.get(case_id)
        if case.status == CaseStatus.RESOLVED:
            await self._repo.change(case_id, now, from_statuses=[CaseStatus.RESOLVED.value],
                                    status=CaseStatus.FOLLOWED_UP.value, last_action="case.followed_up")
        await self._repo.change(case_id, now, from_statuses=[CaseStatus.FOLLOWED_UP.value],
                                status=CaseStatus.CLOSED.value, last_action=action)
        await self._repo.drop_alarms(case_id, ("followup_expire",))
        await self._audit.record(now, None, action, "case", case_id)

    # --- permission --------------------------------------------------------------------------

    async def _require_staff(self, actor_id: int) -> frozenset[Role]:
        roles = await self._people.roles_of(actor_id)
        if not rules.is_staff(roles):
            raise NotAllowed(f"user {actor_id} is not staff")
        return roles

    async def _reporter_ids(self, case_id: int) -> set[int]:
        return {r.user_id for r in await self._cases.reporters(case_id)}

    async def _refuse_own_report(self, case_id: int, user_id: int) -> None:
        """Whatever a button said: a reporter of the case never becomes its owner."""
        if user_id in await self._reporter_ids(case_id):
            raise OwnReport(f"user {user_id} reported case {case_id}")

    async def managed_case(self, case_id: int, actor_id: int) -> Case:
        """The case, if the actor may manage it (for the services built on the workflow)."""
        return await self._managed_case(case_id, actor_id)

    async def _managed_case(self, case_id: int, actor_id: int) -> Case:
        """The case, if the actor may manage it: its owner, anyone while unowned, or a supervisor/admin."""
        roles = await self._require_staff(actor_id)
        case = await self.case(case_id)
        if case.owner_id not in (None, actor_id) and not (roles & rules.CASE_MANAGER_ROLES):
            raise NotAllowed(f"user {actor_id} does not own case {case_id}")
        return case


def _still_applies(alarm: CaseAlarm, case: Case) -> bool:
    if alarm.kind == "accept":
        return case.status in (CaseStatus.NEW, CaseStatus.REOPENED) and case.owner_id is None
    if alarm.kind == "resolve":
        return case.status in OPEN_STATUSES
    if alarm.kind in ("followup_ask", "followup_expire"):
        return case.status == CaseStatus.RESOLVED
    return False


__all__ = ["CaseWorkflow", "Change", "AlarmDue", "alarm_plan", "CaseNotFound", "OwnReport",
           "GRADES", "LEVELS", "OUTCOMES", "REJECTIONS"]
