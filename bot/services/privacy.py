"""Who may see a reporter's identity (name, username, phone, exact place), and which cases are
too sensitive for their details to be shown in a staff chat."""

from __future__ import annotations

from bot import roles as rules
from bot.clock import Clock
from bot.config_privacy import PrivacySettings
from bot.services.errors import NotAllowed
from storage.audit import AuditRepo
from storage.db import Database
from storage.models import Case, Role
from storage.people import PeopleRepo

#: The contact_roles entries that are simply a role, whatever the case.
_ROLE_RELATIONS = {"supervisor": Role.SUPERVISOR, "admin": Role.ADMIN, "officer": Role.OFFICER,
                   "mediator": Role.MEDIATOR}
#: The entries tied to the case's area, and the role each names.
_AREA_RELATIONS = {"area_supervisor": Role.SUPERVISOR, "area_admin": Role.ADMIN}


class SensitiveDetails(NotAllowed):
    """A sensitive case's details are for those who may see its reporter's identity."""


class IdentityAccess:
    """`privacy.contact_roles` applied to a case and a person, from the stored roles and areas."""

    def __init__(self, db: Database, clock: Clock, settings: PrivacySettings) -> None:
        self._clock = clock
        self._settings = settings
        self._people = PeopleRepo(db)
        self._audit = AuditRepo(db)

    @property
    def relations(self) -> list[str]:
        """Who may see identities, as configured (for telling the others)."""
        return list(self._settings.contact_roles)

    def is_sensitive(self, case: Case) -> bool:
        """A category whose details stay out of the staff chat."""
        return case.category in self._settings.sensitive_categories

    async def may_see_identity(self, case: Case, actor_id: int) -> bool:
        roles = await self._people.roles_of(actor_id)
        if not rules.is_staff(roles):
            return False
        relations = set(self._settings.contact_roles)
        if "owner" in relations and case.owner_id == actor_id:
            return True
        if any(_ROLE_RELATIONS[r] in roles for r in relations & _ROLE_RELATIONS.keys()):
            return True
        for relation in relations & _AREA_RELATIONS.keys():
            role = _AREA_RELATIONS[relation]
            if role in roles and actor_id in await self.area_holders(role, case.area):
                return True
        return False

    async def area_holders(self, role: Role, area: str | None) -> list[int]:
        """Holders of a role whose area is this one; all of them when none is (or no area is known),
        as red cases go to every supervisor of an area without its own."""
        grants = [g for g in await self._people.role_grants() if g.role is role]
        local = [g.user_id for g in grants if area is not None and g.area == area]
        return local or [g.user_id for g in grants]

    async def detail_readers(self, case: Case) -> list[int]:
        """Who is sent a sensitive case's details privately: its owner and its area's supervisors."""
        readers = [case.owner_id] if case.owner_id is not None else []
        readers += await self.area_holders(Role.SUPERVISOR, case.area)
        return list(dict.fromkeys(readers))

    async def record_refusal(self, case_id: int, actor_id: int, what: str) -> None:
        """A refused look is audited too: who tried, when, which case."""
        await self._audit.record(self._clock.now(), actor_id, "case.contact_refused", "case", case_id,
                                 {"what": what})
