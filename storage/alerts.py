"""Urgent alerts: the officer's dialogue draft, the alerts themselves and residents' tips."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import Alert, AlertTip
from storage.timefmt import from_db, to_db

_ALERT_SETTABLE = ("status", "expires_at", "hours", "approved_by", "report_message_id", "expiry_prompted_at",
                   "closed_at", "close_reason")


class AlertRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, ref: str, officer_id: int, kind: str, text: str, photos: list[str],
                     targets: dict[str, Any], pin: bool, hours: int, status: str, expires_at: datetime,
                     now: datetime) -> int:
        return await self._db.insert(
            """INSERT INTO alerts (ref, officer_id, kind, text, photos, targets, pin, hours, status, expires_at,
                                  created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (ref, officer_id, kind, text, json.dumps(photos), json.dumps(targets, ensure_ascii=False), int(pin),
             hours, status, to_db(expires_at), to_db(now), to_db(now)),
        )

    async def get(self, alert_id: int) -> Alert | None:
        return _alert(await self._db.fetch_one("SELECT * FROM alerts WHERE id = ?", (alert_id,)))

    async def by_ref(self, ref: str) -> Alert | None:
        return _alert(await self._db.fetch_one("SELECT * FROM alerts WHERE ref = ?", (ref,)))

    async def recent(self, officer_id: int | None, limit: int = 10) -> list[Alert]:
        """The newest alerts: one officer's, or everyone's (None)."""
        if officer_id is None:
            rows = await self._db.fetch_all("SELECT * FROM alerts ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = await self._db.fetch_all("SELECT * FROM alerts WHERE officer_id = ? ORDER BY id DESC LIMIT ?",
                                            (officer_id, limit))
        return [_alert(r) for r in rows]

    async def with_status(self, statuses: tuple[str, ...]) -> list[Alert]:
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.fetch_all(f"SELECT * FROM alerts WHERE status IN ({marks}) ORDER BY id", statuses)
        return [_alert(r) for r in rows]

    async def update(self, alert_id: int, now: datetime, *, expect_status: tuple[str, ...] | None = None,
                     **fields: Any) -> bool:
        """Changes the named fields; with `expect_status`, only from one of those states (a guarded update)."""
        unknown = set(fields) - set(_ALERT_SETTABLE)
        if unknown:
            raise ValueError(f"not an alert field: {sorted(unknown)}")
        values = [to_db(v) if isinstance(v, datetime) else v for v in fields.values()]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        sql = f"UPDATE alerts SET {assignments}, updated_at = ? WHERE id = ?"
        params: list[Any] = [*values, to_db(now), alert_id]
        if expect_status:
            sql += f" AND status IN ({', '.join('?' for _ in expect_status)})"
            params += list(expect_status)
        return await self._db.execute(sql, params) == 1


class TipRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, alert_id: int, user_id: int, kind: str, now: datetime, *, text: str = "",
                  file_id: str | None = None, latitude: float | None = None, longitude: float | None = None,
                  phone: str | None = None) -> AlertTip:
        tip_id = await self._db.insert(
            """INSERT INTO alert_tips (alert_id, user_id, kind, text, file_id, latitude, longitude, phone, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (alert_id, user_id, kind, text, file_id, latitude, longitude, phone, to_db(now)),
        )
        return _tip(await self._db.fetch_one("SELECT * FROM alert_tips WHERE id = ?", (tip_id,)))

    async def for_alert(self, alert_id: int) -> list[AlertTip]:
        rows = await self._db.fetch_all("SELECT * FROM alert_tips WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [_tip(r) for r in rows]

    async def counts(self, alert_ids: list[int]) -> dict[int, int]:
        if not alert_ids:
            return {}
        marks = ", ".join("?" for _ in alert_ids)
        rows = await self._db.fetch_all(
            f"SELECT alert_id, count(*) AS n FROM alert_tips WHERE alert_id IN ({marks}) GROUP BY alert_id",
            alert_ids)
        return {r["alert_id"]: r["n"] for r in rows}


def _alert(row) -> Alert | None:
    if row is None:
        return None
    return Alert(
        id=row["id"], ref=row["ref"], officer_id=row["officer_id"], kind=row["kind"], text=row["text"],
        photos=tuple(json.loads(row["photos"])), targets=json.loads(row["targets"]), pin=bool(row["pin"]),
        hours=row["hours"], status=row["status"], expires_at=from_db(row["expires_at"]),
        approved_by=row["approved_by"], report_message_id=row["report_message_id"],
        expiry_prompted_at=from_db(row["expiry_prompted_at"]), closed_at=from_db(row["closed_at"]),
        close_reason=row["close_reason"], created_at=from_db(row["created_at"]),
    )


def _tip(row) -> AlertTip | None:
    if row is None:
        return None
    return AlertTip(
        id=row["id"], alert_id=row["alert_id"], user_id=row["user_id"], kind=row["kind"], text=row["text"],
        file_id=row["file_id"], latitude=row["latitude"], longitude=row["longitude"], phone=row["phone"],
        created_at=from_db(row["created_at"]),
    )
