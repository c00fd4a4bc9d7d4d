"""Repositories for people, their roles and invitations."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.models import Invite, Person, Role, RoleGrant
from storage.timefmt import from_db, to_db


class PeopleRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(
        self,
        user_id: int,
        first_name: str,
        username: str | None,
        telegram_language: str | None,
        now: datetime,
    ) -> None:
        """Record a person we have heard from, refreshing their Telegram profile fields (never again
        for someone who had their data erased: their name and username are not stored)."""
        await self._db.execute(
            """INSERT INTO users (user_id, first_name, username, telegram_language, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET
                 first_name = excluded.first_name,
                 username = excluded.username,
                 telegram_language = excluded.telegram_language,
                 updated_at = excluded.updated_at
               WHERE users.erased_at IS NULL
                 AND (users.first_name IS NOT excluded.first_name
                      OR users.username IS NOT excluded.username
                      OR users.telegram_language IS NOT excluded.telegram_language)""",
            (user_id, first_name, username, telegram_language, to_db(now), to_db(now)),
        )

    async def ensure_exists(self, user_id: int, now: datetime) -> None:
        """A row for someone known only by id (e.g. an admin from config before first contact)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?)",
            (user_id, to_db(now), to_db(now)),
        )

    async def get(self, user_id: int) -> Person | None:
        # The roles come with the row (one statement, not two): this runs for nearly every update.
        row = await self._db.fetch_one(
            """SELECT u.*, (SELECT group_concat(r.role, ' ') FROM user_roles r WHERE r.user_id = u.user_id) AS role_list
               FROM users u WHERE u.user_id = ?""", (user_id,))
        if row is None:
            return None
        roles = frozenset({Role.RESIDENT, *(Role(role) for role in (row["role_list"] or "").split())})
        return Person(
            user_id=row["user_id"],
            first_name=row["first_name"],
            username=row["username"],
            telegram_language=row["telegram_language"],
            language=row["language"],
            roles=roles,
            created_at=from_db(row["created_at"]),
        )

    async def set_language(self, user_id: int, language: str, now: datetime) -> None:
        await self._db.execute(
            "UPDATE users SET language = ?, updated_at = ? WHERE user_id = ?",
            (language, to_db(now), user_id),
        )

    async def set_area(self, user_id: int, area: str | None, now: datetime) -> None:
        await self._db.execute("UPDATE users SET area = ?, updated_at = ? WHERE user_id = ?",
                               (area, to_db(now), user_id))

    async def area_of(self, user_id: int) -> str | None:
        return await self._db.fetch_value("SELECT area FROM users WHERE user_id = ?", (user_id,))

    async def set_away(self, user_id: int, since: datetime | None, now: datetime) -> bool:
        """Marks the person away since a time (or back at work: None); False if that was so already."""
        flip = "away_since IS NULL" if since is not None else "away_since IS NOT NULL"
        return await self._db.execute(
            f"UPDATE users SET away_since = ?, updated_at = ? WHERE user_id = ? AND {flip}",
            (to_db(since) if since else None, to_db(now), user_id),
        ) == 1

    async def away_ids(self) -> frozenset[int]:
        """Everyone marked away."""
        rows = await self._db.fetch_all("SELECT user_id FROM users WHERE away_since IS NOT NULL")
        return frozenset(r["user_id"] for r in rows)

    async def roles_of(self, user_id: int) -> frozenset[Role]:
        rows = await self._db.fetch_all("SELECT role FROM user_roles WHERE user_id = ?", (user_id,))
        return frozenset({Role.RESIDENT, *(Role(r["role"]) for r in rows)})

    async def grant_role(self, user_id: int, role: Role, granted_by: int | None, now: datetime) -> bool:
        """Give a role; False if the person already had it."""
        inserted = await self._db.execute(
            "INSERT OR IGNORE INTO user_roles (user_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)",
            (user_id, role.value, granted_by, to_db(now)),
        )
        return inserted == 1

    async def revoke_role(self, user_id: int, role: Role) -> bool:
        """Take a role away; False if the person did not have it."""
        removed = await self._db.execute(
            "DELETE FROM user_roles WHERE user_id = ? AND role = ?", (user_id, role.value)
        )
        return removed > 0

    async def role_grants(self) -> list[RoleGrant]:
        rows = await self._db.fetch_all(
            """SELECT r.user_id, u.first_name, u.username, u.area, r.role, r.granted_by, r.granted_at
               FROM user_roles r JOIN users u USING (user_id)
               ORDER BY r.user_id, r.role"""
        )
        return [
            RoleGrant(
                user_id=r["user_id"],
                first_name=r["first_name"],
                username=r["username"],
                area=r["area"],
                role=Role(r["role"]),
                granted_by=r["granted_by"],
                granted_at=from_db(r["granted_at"]),
            )
            for r in rows
        ]

    async def holders_of(self, role: Role) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT user_id FROM user_roles WHERE role = ? ORDER BY user_id", (role.value,)
        )
        return [r["user_id"] for r in rows]


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, code: str, role: Role, created_by: int, created_at: datetime, expires_at: datetime) -> Invite:
        await self._db.execute(
            "INSERT INTO invites (code, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (code, role.value, created_by, to_db(created_at), to_db(expires_at)),
        )
        return Invite(
            code=code, role=role, created_by=created_by, created_at=created_at,
            expires_at=expires_at, used_by=None, used_at=None,
        )

    async def get(self, code: str) -> Invite | None:
        row = await self._db.fetch_one("SELECT * FROM invites WHERE code = ?", (code,))
        if row is None:
            return None
        return Invite(
            code=row["code"],
            role=Role(row["role"]),
            created_by=row["created_by"],
            created_at=from_db(row["created_at"]),
            expires_at=from_db(row["expires_at"]),
            used_by=row["used_by"],
            used_at=from_db(row["used_at"]),
        )

    async def mark_used(self, code: str, user_id: int, now: datetime) -> bool:
        """Claim the invite; False if someone else already did (single use, race-safe)."""
        claimed = await self._db.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_by IS NULL",
            (user_id, to_db(now), code),
        )
        return claimed == 1
