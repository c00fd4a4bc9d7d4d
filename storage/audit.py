"""The append-only audit trail: who did what, when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import AuditEntry
from storage.timefmt import from_db, to_db


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
        await self._db.execute(
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
        return [
            AuditEntry(
                id=r["id"],
                at=from_db(r["at"]),
                actor_id=r["actor_id"],
                action=r["action"],
                subject_type=r["subject_type"],
                subject_id=r["subject_id"],
                detail=json.loads(r["detail"]),
            )
            for r in rows
        ]
