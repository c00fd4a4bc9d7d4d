"""Handing work on: a staff member's open cases moved to someone else or back to the staff chat
(when their role is revoked, or by /handover), and the away mark (leave, training) that keeps a
person out of assign lists and sends their reminders to the supervisors. Audited, per case."""

from __future__ import annotations

from dataclasses import dataclass

from bot import roles as rules
from bot.clock import Clock
from bot.services.case_states import Action, allowed_from
from bot.services.cases import CaseWorkflow
from bot.services.errors import NotAllowed
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.models import Case, CaseStatus, Role
from storage.people import PeopleRepo
from storage.reports import CaseRepo


@dataclass(frozen=True)
class Handover:
    """What a hand-over did: cases now with `to_id` (None: unowned), and those it had to leave
    unowned because `to_id` reported them."""

    from_id: int
    to_id: int | None
    moved: tuple[Case, ...]
    unowned: tuple[Case, ...]


class HandoverService:
    def __init__(self, db: Database, clock: Clock, workflow: CaseWorkflow) -> None:
        self._db = db
        self._clock = clock
        self._workflow = workflow  # a case handed back to unowned gets a fresh accept limit from it
        self._repo = WorkflowRepo(db)
        self._cases = CaseRepo(db)
        self._people = PeopleRepo(db)
        self._audit = AuditRepo(db)

    async def open_cases_of(self, user_id: int) -> list[Case]:
        return await self._repo.all_open_owned_by(user_id)

    async def successors(self, from_id: int) -> list[tuple[int, str]]:
        """(user id, name) of who may take over someone's cases: case owners at work, not them."""
        away = await self._people.away_ids()
        seen: dict[int, str] = {}
        for grant in await self._people.role_grants():
            if grant.role in rules.CASE_OWNER_ROLES and grant.user_id not in away | {from_id}:
                seen.setdefault(grant.user_id, grant.first_name or str(grant.user_id))
        return sorted(seen.items(), key=lambda item: item[1])

    async def cases_left_by(self, user_id: int, role: Role) -> list[Case]:
        """The open cases someone leaves if `role` is taken from them (none if they keep a role that
        owns cases)."""
        if (await self._people.roles_of(user_id) - {role}) & rules.CASE_OWNER_ROLES:
            return []
        return await self._repo.all_open_owned_by(user_id)

    async def may_own_cases(self, user_id: int) -> bool:
        return bool(await self._people.roles_of(user_id) & rules.CASE_OWNER_ROLES)

    async def hand_over(self, actor_id: int, from_id: int, to_id: int | None, *, via: str) -> Handover:
        """Moves every open case of `from_id` to `to_id`, or back to unowned (None). Supervisors and
        admins only; a case `to_id` reported goes back to unowned instead."""
        if not await self._people.roles_of(actor_id) & rules.CASE_MANAGER_ROLES:
            raise NotAllowed(f"user {actor_id} may not hand cases over")
        if to_id is not None and (to_id == from_id or not await self.may_own_cases(to_id)):
            raise NotAllowed(f"user {to_id} cannot take over the cases of {from_id}")
        now = self._clock.now()
        moved, unowned = [], []
        async with self._db.transaction():
            for case in await self._repo.all_open_owned_by(from_id):
                target = to_id
                if target is not None and target in {r.user_id for r in await self._cases.reporters(case.id)}:
                    target = None  # never one's own report (bot/services/cases.py OwnReport)
                if target is None:
                    won = await self._repo.change(case.id, now, from_statuses=allowed_from(Action.RELEASE),
                                                  require_owner=from_id, status=CaseStatus.NEW.value,
                                                  owner_id=None, last_action="case.handed_over")
                else:
                    won = await self._repo.change(case.id, now, from_statuses=allowed_from(Action.ASSIGN),
                                                  require_owner=from_id, status=CaseStatus.IN_PROGRESS.value,
                                                  owner_id=target, last_action="case.handed_over")
                if not won:
                    continue
                await self._audit.record(now, actor_id, "case.handed_over", "case", case.id,
                                         {"from": from_id, "to": target, "via": via})
                if target is None:
                    await self._workflow.rearm_accept(case, now)
                (moved if target is not None else unowned).append(await self._repo.get(case.id))
        return Handover(from_id, to_id, tuple(moved), tuple(unowned))

    # --- away ----------------------------------------------------------------------------------

    async def set_away(self, user_id: int, away: bool) -> bool:
        """A staff member marks themselves away or back; False if they were so already."""
        if not rules.is_staff(await self._people.roles_of(user_id)):
            raise NotAllowed(f"user {user_id} is not staff")
        now = self._clock.now()
        async with self._db.transaction():
            changed = await self._people.set_away(user_id, now if away else None, now)
            if changed:
                await self._audit.record(now, user_id, "staff.away_set", "user", user_id, {"away": away})
        return changed

    async def is_away(self, user_id: int) -> bool:
        return user_id in await self._people.away_ids()

    async def present(self, user_ids: list[int]) -> list[int]:
        """Who should hear what these people would: each one away is replaced by the supervisors at
        work (the admins if every supervisor is away too), without repeats."""
        away = await self._people.away_ids()
        if not away & set(user_ids):
            return list(user_ids)
        stand_ins = [u for u in await self._people.holders_of(Role.SUPERVISOR) if u not in away] or [
            u for u in await self._people.holders_of(Role.ADMIN) if u not in away]
        result: list[int] = []
        for user_id in user_ids:
            for reader in stand_ins if user_id in away else [user_id]:
                if reader not in result:
                    result.append(reader)
        return result

