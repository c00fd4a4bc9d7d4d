"""People and roles: who someone is to Pingan, invitations, and role changes (all audited)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot import roles as rules
from bot.clock import Clock
from bot.services.errors import InviteProblem, NotAllowed, RevokeProblem
from storage.audit import AuditRepo
from storage.db import Database
from storage.models import AuditEntry, Invite, Person, Role, RoleGrant
from storage.people import InviteRepo, PeopleRepo

#: How many people's last-written Telegram profiles are kept in memory (a few MB at most), so the
#: profile is written only when it changed; the memory starts over when full.
PROFILES_REMEMBERED = 20_000


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    first_name: str
    username: str | None
    roles: tuple[Role, ...]  # highest first
    area: str | None = None


class PeopleService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        config_admins: list[int],
        invite_ttl: timedelta,
    ) -> None:
        self._db = db
        self._clock = clock
        self._people = PeopleRepo(db)
        self._invites = InviteRepo(db)
        self._audit = AuditRepo(db)
        self._config_admins = frozenset(config_admins)
        self._invite_ttl = invite_ttl
        self._profiles_written: dict[int, tuple[str, str | None, str | None]] = {}

    async def bootstrap_admins(self) -> list[int]:
        """Make sure every admin named in the config holds the admin role; returns the new ones."""
        now = self._clock.now()
        added = []
        async with self._db.transaction():
            for user_id in sorted(self._config_admins):
                await self._people.ensure_exists(user_id, now)
                if await self._people.grant_role(user_id, Role.ADMIN, None, now):
                    await self._audit.record(now, None, "role.granted", "user", user_id,
                                             {"role": Role.ADMIN.value, "via": "config"})
                    added.append(user_id)
        return added

    async def grant_by_system(self, user_id: int, role: Role, via: str) -> bool:
        """A role given by the deployment itself (e.g. the sandbox's demo officer), audited as such."""
        now = self._clock.now()
        async with self._db.transaction():
            await self._people.ensure_exists(user_id, now)
            granted = await self._people.grant_role(user_id, role, None, now)
            if granted:
                await self._audit.record(now, None, "role.granted", "user", user_id, {"role": role.value, "via": via})
        return granted

    async def register_contact(
        self, user_id: int, first_name: str, username: str | None, telegram_language: str | None
    ) -> Person:
        """Note that we heard from this person (profile refreshed) and return who they are to us."""
        profile = (first_name, username, telegram_language)
        if self._profiles_written.get(user_id) == profile:
            # Runs for nearly every update: the write is skipped when it would change nothing.
            person = await self._people.get(user_id)
            if person is not None:
                return person
        await self._people.upsert(user_id, first_name, username, telegram_language, self._clock.now())
        person = await self._people.get(user_id)
        assert person is not None  # just written
        if len(self._profiles_written) >= PROFILES_REMEMBERED:
            self._profiles_written.clear()
        self._profiles_written[user_id] = profile
        return person

    async def person(self, user_id: int) -> Person | None:
        return await self._people.get(user_id)

    async def roles_of(self, user_id: int) -> frozenset[Role]:
        return await self._people.roles_of(user_id)

    async def set_language(self, user_id: int, language: str) -> None:
        await self._people.set_language(user_id, language, self._clock.now())

    async def create_invite(self, actor_id: int, role: Role) -> Invite:
        """A single-use code that grants `role` to whoever opens it before it expires."""
        actor_roles = await self._people.roles_of(actor_id)
        if not rules.can_invite(actor_roles, role):
            raise NotAllowed(f"{actor_id} may not invite {role}")
        now = self._clock.now()
        code = secrets.token_urlsafe(12)  # 16 chars of A-Za-z0-9_-, fits a deep link
        async with self._db.transaction():
            invite = await self._invites.add(code, role, actor_id, now, now + self._invite_ttl)
            await self._audit.record(now, actor_id, "invite.created", "invite", code,
                                     {"role": role.value, "expires_at": invite.expires_at.isoformat()})
        return invite

    async def redeem_invite(self, code: str, user_id: int) -> Invite:
        """Grant the invite's role to this person; raises InviteProblem saying why not."""
        now = self._clock.now()
        async with self._db.transaction():
            invite = await self._invites.get(code)
            if invite is None:
                raise InviteProblem(InviteProblem.Reason.UNKNOWN)
            if invite.used_by is not None:
                raise InviteProblem(InviteProblem.Reason.USED)
            if invite.expires_at <= now:
                raise InviteProblem(InviteProblem.Reason.EXPIRED)
            if invite.role in await self._people.roles_of(user_id):
                raise InviteProblem(InviteProblem.Reason.ALREADY_HOLDS)
            if not await self._invites.mark_used(code, user_id, now):
                raise InviteProblem(InviteProblem.Reason.USED)
            await self._people.ensure_exists(user_id, now)
            await self._people.grant_role(user_id, invite.role, invite.created_by, now)
            await self._audit.record(now, user_id, "invite.redeemed", "invite", code,
                                     {"role": invite.role.value})
            await self._audit.record(now, invite.created_by, "role.granted", "user", user_id,
                                     {"role": invite.role.value, "via": "invite", "invite": code})
        return invite

    async def staff_and_stewards(self) -> list[StaffMember]:
        """Everyone holding a granted role, highest role first, then by name."""
        by_user: dict[int, list[RoleGrant]] = {}
        for grant in await self._people.role_grants():
            by_user.setdefault(grant.user_id, []).append(grant)
        members = [
            StaffMember(
                user_id=user_id,
                first_name=grants[0].first_name,
                username=grants[0].username,
                roles=tuple(rules.ordered(g.role for g in grants)),
                area=grants[0].area,
            )
            for user_id, grants in by_user.items()
        ]
        members.sort(key=lambda m: (-rules.GRANTABLE_ROLES.index(m.roles[0]), m.first_name, m.user_id))
        return members

    async def revocable_grants(self, actor_id: int) -> list[RoleGrant]:
        """The role grants this actor could take away (not their own, not config admins)."""
        actor_roles = await self._people.roles_of(actor_id)
        return [
            grant
            for grant in await self._people.role_grants()
            if rules.can_revoke(actor_roles, grant.role)
            and grant.user_id != actor_id
            and not (grant.role is Role.ADMIN and grant.user_id in self._config_admins)
        ]

    async def revoke_role(self, actor_id: int, user_id: int, role: Role) -> None:
        """Take a role away; refuses config admins (they come back at start) and the last admin."""
        actor_roles = await self._people.roles_of(actor_id)
        if not rules.can_revoke(actor_roles, role):
            raise NotAllowed(f"{actor_id} may not revoke {role}")
        if role is Role.ADMIN and user_id in self._config_admins:
            raise RevokeProblem(RevokeProblem.Reason.CONFIG_ADMIN)
        now = self._clock.now()
        async with self._db.transaction():
            if role is Role.ADMIN and await self._people.holders_of(Role.ADMIN) == [user_id]:
                raise RevokeProblem(RevokeProblem.Reason.LAST_ADMIN)
            if not await self._people.revoke_role(user_id, role):
                raise RevokeProblem(RevokeProblem.Reason.NOT_HELD)
            await self._audit.record(now, actor_id, "role.revoked", "user", user_id, {"role": role.value})

    async def set_own_area(self, user_id: int, area: str | None) -> None:
        """A staff member names their beat (area or compound), or clears it with None."""
        if not rules.is_staff(await self._people.roles_of(user_id)):
            raise NotAllowed(f"user {user_id} is not staff")
        now = self._clock.now()
        async with self._db.transaction():
            await self._people.set_area(user_id, area, now)
            await self._audit.record(now, user_id, "staff.area_set", "user", user_id, {"area": area})

    async def area_of(self, user_id: int) -> str | None:
        return await self._people.area_of(user_id)

    async def audit_for_user(self, user_id: int) -> list[AuditEntry]:
        return await self._audit.entries(subject_type="user", subject_id=user_id)
