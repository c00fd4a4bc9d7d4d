"""The append-only audit trail: who did what, when."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import AuditEntry
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class AuditFilter:
    """What /audit lists: one case, one person (as actor or subject), an action (a prefix such as
    `alert.` or a whole key), a time span; any left None matches all."""

    case_id: int | None = None
    person_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def as_json(self) -> str:
        return json.dumps({"case_id": self.case_id, "person_id": self.person_id, "action": self.action,
                           "since": to_db(self.since) if self.since else None,
                           "until": to_db(self.until) if self.until else None}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AuditFilter:
        data = json.loads(text)
        return cls(case_id=data["case_id"], person_id=data["person_id"], action=data["action"],
                   since=from_db(data["since"]), until=from_db(data["until"]))


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        at: datetime,
        actor_id: int | None,
        action: str,
        subject_type: str | None = None,
        subject_id: str | int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        await self._db.write(  # inside a transaction, with its next statement
            """INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, detail)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (
                to_db(at),
                actor_id,
                action,
                subject_type,
                None if subject_id is None else str(subject_id),
                json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
            ),
        )

    async def entries(
        self, *, subject_type: str | None = None, subject_id: str | int | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        """Most recent first, optionally for one subject."""
        clauses, params = [], []
        if subject_type is not None:
            clauses.append("subject_type = ?")
            params.append(subject_type)
        if subject_id is not None:
            clauses.append("subject_id = ?")
            params.append(str(subject_id))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._db.fetch_all(
            f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [_entry(r) for r in rows]

    async def search(self, wanted: AuditFilter, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        """The entries a filter matches, most recent first, a page at a time."""
        where, params = _where(wanted)
        rows = await self._db.fetch_all(
            f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset))
        return [_entry(r) for r in rows]

    async def count(self, wanted: AuditFilter) -> int:
        where, params = _where(wanted)
        return await self._db.fetch_value(f"SELECT count(*) FROM audit_log {where}", params)

    async def save_view(self, user_id: int, wanted: AuditFilter, now: datetime) -> int:
        """A listing someone opened, so its buttons carry only its id."""
        return await self._db.insert("INSERT INTO audit_views (user_id, filters, created_at) VALUES (?, ?, ?)",
                                     (user_id, wanted.as_json(), to_db(now)))

    async def saved_view(self, view_id: int, user_id: int) -> AuditFilter | None:
        """A listing's filter, for the one who opened it only."""
        text = await self._db.fetch_value("SELECT filters FROM audit_views WHERE id = ? AND user_id = ?",
                                          (view_id, user_id))
        return None if text is None else AuditFilter.from_json(text)


def _where(wanted: AuditFilter) -> tuple[str, list]:
    clauses: list[str] = []
    params: list[Any] = []
    if wanted.case_id is not None:
        clauses.append("subject_type = 'case' AND subject_id = ?")
        params.append(str(wanted.case_id))
    if wanted.person_id is not None:
        clauses.append("(actor_id = ? OR (subject_type = 'user' AND subject_id = ?))")
        params += [wanted.person_id, str(wanted.person_id)]
    if wanted.action:
        if wanted.action.endswith("."):
            clauses.append("substr(action, 1, ?) = ?")
            params += [len(wanted.action), wanted.action]
        else:
            clauses.append("action = ?")
            params.append(wanted.action)
    if wanted.since is not None:
        clauses.append("at >= ?")
        params.append(to_db(wanted.since))
    if wanted.until is not None:
        clauses.append("at < ?")
        params.append(to_db(wanted.until))
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _entry(row) -> AuditEntry:
    return AuditEntry(id=row["id"], at=from_db(row["at"]), actor_id=row["actor_id"], action=row["action"],
                      subject_type=row["subject_type"], subject_id=row["subject_id"], detail=json.loads(row["detail"]))
