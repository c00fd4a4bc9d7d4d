"""Repository for mediations (issue 17): the mediation of a case, its invitation links, the
offers to mediators and each party's own account (migration 0016_mediation.sql).

`mediations` has one row per case (UNIQUE case_id: the first to take it is its mediator); its
`status` is bot/services/mediation.py's `Status`; `meeting_round` and `agreement_round` number the
times proposed and the agreement recorded now (0: none yet). `mediation_invites` are the
single-use, expiring links; `mediation_offers` the disputes offered privately, to the area's
mediators (`offered_at`) and then to all (`widened_at`); `mediation_accounts` what each party told
the mediator, by `side` ('reporter' or 'other')."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from storage.db import Database
from storage.models import OPEN_STATUSES
from storage.timefmt import from_db, to_db

_OPEN_SQL = ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES))
_FIELDS = ("status", "summary", "other_party_id", "decline_reason", "meeting_round", "agreement_round",
           "agreement_photo", "outcome_reason", "referral", "followup_due", "joined_at", "declined_at", "closed_at")


class Mediation(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    case_id: int
    mediator_id: int
    status: str
    summary: str | None
    other_party_id: int | None
    decline_reason: str | None
    meeting_round: int = 0
    agreement_round: int = 0
    agreement_photo: str | None = None
    outcome_reason: str | None = None
    referral: str | None = None
    followup_due: datetime | None = None
    started_at: datetime
    joined_at: datetime | None
    declined_at: datetime | None
    closed_at: datetime | None


class MediationInvite(BaseModel):
    model_config = ConfigDict(frozen=True)

    token: str
    mediation_id: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


class AccountItem(BaseModel):
    """One thing a party told the mediator: a text, a photo or a document."""

    model_config = ConfigDict(frozen=True)

    id: int
    mediation_id: int
    user_id: int
    side: str
    kind: str
    text: str
    file_id: str | None
    created_at: datetime


def _mediation(row: Any) -> Mediation | None:
    if row is None:
        return None
    return Mediation(**{**dict(row), **{k: from_db(row[k]) for k in ("started_at", "joined_at", "declined_at",
                                                                      "closed_at", "followup_due")}})


class MediationRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- the mediation --------------------------------------------------------------------------

    async def take(self, case_id: int, mediator_id: int, now: datetime) -> bool:
        """Makes `mediator_id` the case's mediator unless someone already is; True if they became it."""
        return await self._db.execute(
            """INSERT OR IGNORE INTO mediations (case_id, mediator_id, status, started_at)
               VALUES (?, ?, 'taken', ?)""", (case_id, mediator_id, to_db(now))) == 1

    async def of_case(self, case_id: int) -> Mediation | None:
        return _mediation(await self._db.fetch_one("SELECT * FROM mediations WHERE case_id = ?", (case_id,)))

    async def get(self, mediation_id: int) -> Mediation | None:
        return _mediation(await self._db.fetch_one("SELECT * FROM mediations WHERE id = ?", (mediation_id,)))

    async def change(self, mediation_id: int, *, from_statuses: tuple[str, ...] | None = None, **fields: Any) -> bool:
        """Sets fields if the mediation is (still) in one of `from_statuses`; False if it was not."""
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise ValueError(f"not a mediation field: {sorted(unknown)}")
        values = [to_db(v) if isinstance(v, datetime) else v for v in fields.values()]
        where, params = "id = ?", [mediation_id]
        if from_statuses is not None:
            where += f" AND status IN ({', '.join('?' for _ in from_statuses)})"
            params += list(from_statuses)
        sets = ", ".join(f"{name} = ?" for name in fields)
        return await self._db.execute(f"UPDATE mediations SET {sets} WHERE {where}", (*values, *params)) == 1

    async def followups_due(self, now: datetime) -> list[int]:
        """Kept mediations whose follow-up visit is due."""
        rows = await self._db.fetch_all(
            "SELECT id FROM mediations WHERE status = 'kept' AND followup_due IS NOT NULL AND followup_due <= ?",
            (to_db(now),))
        return [r["id"] for r in rows]

    # --- invitation links -----------------------------------------------------------------------

    async def add_invite(self, token: str, mediation_id: int, now: datetime, expires_at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO mediation_invites (token, mediation_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (token, mediation_id, to_db(now), to_db(expires_at)))

    async def invite(self, token: str) -> MediationInvite | None:
        row = await self._db.fetch_one("SELECT * FROM mediation_invites WHERE token = ?", (token,))
        if row is None:
            return None
        return MediationInvite(token=row["token"], mediation_id=row["mediation_id"],
                               created_at=from_db(row["created_at"]), expires_at=from_db(row["expires_at"]),
                               used_by=row["used_by"], used_at=from_db(row["used_at"]))

    async def use_invite(self, token: str, user_id: int, now: datetime) -> bool:
        """Marks the link used by `user_id`, once: False if it already was."""
        return await self._db.execute(
            "UPDATE mediation_invites SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL",
            (user_id, to_db(now), token)) == 1

    async def used_a_link(self, mediation_id: int, user_id: int) -> bool:
        """Whether this person answered one of the mediation's links."""
        return await self._db.fetch_value(
            "SELECT 1 FROM mediation_invites WHERE mediation_id = ? AND used_by = ?", (mediation_id, user_id)
        ) is not None

    # --- offers to mediators --------------------------------------------------------------------

    async def unoffered_disputes(self) -> list[tuple[int, str | None]]:
        """(case id, area) of open, complete dispute cases nobody has offered or taken yet."""
        rows = await self._db.fetch_all(
            f"""SELECT id, area FROM cases WHERE kind = 'dispute' AND complete = 1 AND status IN ({_OPEN_SQL})
                AND id NOT IN (SELECT case_id FROM mediation_offers)
                AND id NOT IN (SELECT case_id FROM mediations) ORDER BY id""")
        return [(r["id"], r["area"]) for r in rows]

    async def offers_to_widen(self, offered_before: datetime) -> list[tuple[int, str | None]]:
        """(case id, area) of offers made before that time that nobody took and not yet widened."""
        rows = await self._db.fetch_all(
            f"""SELECT c.id, c.area FROM mediation_offers o JOIN cases c ON c.id = o.case_id
                WHERE o.widened_at IS NULL AND o.offered_at <= ? AND c.status IN ({_OPEN_SQL})
                AND c.id NOT IN (SELECT case_id FROM mediations) ORDER BY c.id""", (to_db(offered_before),))
        return [(r["id"], r["area"]) for r in rows]

    async def record_offer(self, case_id: int, now: datetime, *, widened: bool) -> None:
        await self._db.execute(
            """INSERT INTO mediation_offers (case_id, offered_at, widened_at) VALUES (?, ?, ?)
               ON CONFLICT (case_id) DO UPDATE SET widened_at = excluded.offered_at""",
            (case_id, to_db(now), to_db(now) if widened else None))

    # --- each party's account -------------------------------------------------------------------

    async def add_account_item(self, mediation_id: int, user_id: int, side: str, kind: str, text: str,
                               file_id: str | None, now: datetime) -> int:
        return await self._db.insert(
            """INSERT INTO mediation_accounts (mediation_id, user_id, side, kind, text, file_id, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""", (mediation_id, user_id, side, kind, text, file_id, to_db(now)))

    async def account_of(self, mediation_id: int, user_id: int) -> list[AccountItem]:
        """What this one person sent, oldest first (never anybody else's)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM mediation_accounts WHERE mediation_id = ? AND user_id = ? ORDER BY id",
            (mediation_id, user_id))
        return [AccountItem(**{**dict(r), "created_at": from_db(r["created_at"])}) for r in rows]
