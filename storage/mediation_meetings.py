"""Repository for mediation meetings (issue 17): the times proposed, each party's pick, and the
meeting agreed with its reminders and attendance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from storage.db import Database
from storage.timefmt import from_db, to_db


class Slot(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    mediation_id: int
    round: int
    place: str  # room | site | remote
    place_note: str
    starts_at: datetime


class Meeting(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    mediation_id: int
    slot_id: int
    starts_at: datetime
    agreed_at: datetime
    day_reminded_at: datetime | None
    hour_reminded_at: datetime | None
    attendance_asked_at: datetime | None
    reporter_came: bool | None
    other_came: bool | None


def _slot(row: Any) -> Slot:
    return Slot(**{**dict(row), "starts_at": from_db(row["starts_at"])})


def _meeting(row: Any) -> Meeting | None:
    if row is None:
        return None
    times = ("starts_at", "agreed_at", "day_reminded_at", "hour_reminded_at", "attendance_asked_at")
    flags = {k: None if row[k] is None else bool(row[k]) for k in ("reporter_came", "other_came")}
    return Meeting(**{**dict(row), **{k: from_db(row[k]) for k in times}, **flags})


class MeetingRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_slot(self, mediation_id: int, round_: int, place: str, note: str, starts_at: datetime,
                       now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO mediation_slots (mediation_id, round, place, place_note, starts_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?)""", (mediation_id, round_, place, note, to_db(starts_at), to_db(now)))

    async def slots(self, mediation_id: int, round_: int) -> list[Slot]:
        rows = await self._db.fetch_all(
            "SELECT * FROM mediation_slots WHERE mediation_id = ? AND round = ? ORDER BY starts_at, id",
            (mediation_id, round_))
        return [_slot(r) for r in rows]

    async def slot(self, slot_id: int) -> Slot | None:
        row = await self._db.fetch_one("SELECT * FROM mediation_slots WHERE id = ?", (slot_id,))
        return None if row is None else _slot(row)

    async def pick(self, mediation_id: int, round_: int, user_id: int, slot_id: int | None, now: datetime) -> None:
        """The party's answer in the round (a later answer in the same round replaces it)."""
        await self._db.execute(
            """INSERT INTO mediation_picks (mediation_id, round, user_id, slot_id, picked_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (mediation_id, round, user_id) DO UPDATE SET slot_id = excluded.slot_id,
               picked_at = excluded.picked_at""", (mediation_id, round_, user_id, slot_id, to_db(now)))

    async def picks(self, mediation_id: int, round_: int) -> dict[int, int | None]:
        """user id → the slot they picked (None: none suits them)."""
        rows = await self._db.fetch_all(
            "SELECT user_id, slot_id FROM mediation_picks WHERE mediation_id = ? AND round = ?",
            (mediation_id, round_))
        return {r["user_id"]: r["slot_id"] for r in rows}

    async def agree(self, mediation_id: int, slot: Slot, now: datetime) -> bool:
        """Records the meeting at that slot, once: False if it already was."""
        return await self._db.execute(
            """INSERT OR IGNORE INTO mediation_meetings (mediation_id, slot_id, starts_at, agreed_at)
               VALUES (?, ?, ?, ?)""", (mediation_id, slot.id, to_db(slot.starts_at), to_db(now))) == 1

    async def meeting(self, meeting_id: int) -> Meeting | None:
        return _meeting(await self._db.fetch_one("SELECT * FROM mediation_meetings WHERE id = ?", (meeting_id,)))

    async def latest_meeting(self, mediation_id: int) -> Meeting | None:
        return _meeting(await self._db.fetch_one(
            "SELECT * FROM mediation_meetings WHERE mediation_id = ? ORDER BY id DESC LIMIT 1", (mediation_id,)))

    async def due(self, column: str, before: datetime, until: datetime) -> list[Meeting]:
        """Meetings starting before `before` whose `column` moment is not marked, starting after `until`."""
        if column not in ("day_reminded_at", "hour_reminded_at", "attendance_asked_at"):
            raise ValueError(column)
        rows = await self._db.fetch_all(
            f"""SELECT * FROM mediation_meetings WHERE {column} IS NULL AND starts_at <= ? AND starts_at > ?
                ORDER BY starts_at""", (to_db(before), to_db(until)))
        return [_meeting(r) for r in rows]

    async def mark(self, meeting_id: int, column: str, now: datetime) -> bool:
        """Marks a reminder or the attendance question sent, once: False if it already was."""
        if column not in ("day_reminded_at", "hour_reminded_at", "attendance_asked_at"):
            raise ValueError(column)
        return await self._db.execute(
            f"UPDATE mediation_meetings SET {column} = ? WHERE id = ? AND {column} IS NULL",
            (to_db(now), meeting_id)) == 1

    async def record_attendance(self, meeting_id: int, reporter_came: bool, other_came: bool) -> None:
        await self._db.execute(
            "UPDATE mediation_meetings SET reporter_came = ?, other_came = ? WHERE id = ?",
            (int(reporter_came), int(other_came), meeting_id))
