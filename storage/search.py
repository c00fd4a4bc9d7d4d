"""The staff search's index (migration 0012) and the searches run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db


@dataclass(frozen=True)
class CaseFilter:
    """What a search asks of the cases besides their words (None: any)."""

    match: str | None = None  # an FTS5 query over the indexed terms
    area: str | None = None
    categories: tuple[str, ...] = ()
    kind: str | None = None
    grade: str | None = None
    statuses: tuple[str, ...] = ()
    owner_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    overdue_at: datetime | None = None  # past its time limit at this moment (to accept, or to resolve)
    reporter_phone: str | None = None  # a reporter left this number (normalised as it is stored)


class SearchRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def index(self, case_id: int, terms: str) -> None:
        """Replaces the case's indexed terms."""
        await self._db.write("DELETE FROM case_search WHERE rowid = ?", (case_id,))
        await self._db.write("INSERT INTO case_search (rowid, terms) VALUES (?, ?)", (case_id, terms))

    async def unindexed(self, limit: int = 500) -> list[int]:
        """Cases not in the index yet (those from before it existed)."""
        rows = await self._db.fetch_all(
            "SELECT id FROM cases WHERE id NOT IN (SELECT rowid FROM case_search) ORDER BY id LIMIT ?", (limit,))
        return [row["id"] for row in rows]

    async def find(self, wanted: CaseFilter, *, limit: int, offset: int) -> tuple[list[int], int]:
        """The ids of one page of matching cases (newest first), and how many match in all."""
        clause, params = _where(wanted)
        total = await self._db.fetch_value(f"SELECT count(*) FROM cases WHERE {clause}", params)
        rows = await self._db.fetch_all(
            f"SELECT id FROM cases WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset])
        return [row["id"] for row in rows], total

    async def count(self, wanted: CaseFilter) -> int:
        """How many cases match (no page of them)."""
        clause, params = _where(wanted)
        return await self._db.fetch_value(f"SELECT count(*) FROM cases WHERE {clause}", params)

    async def save_search(self, user_id: int, query: str, now: datetime) -> int:
        return await self._db.insert("INSERT INTO case_searches (user_id, query, created_at) VALUES (?, ?, ?)",
                                     (user_id, query, to_db(now)))

    async def saved_search(self, search_id: int, user_id: int) -> str | None:
        """A search's query, for the one who ran it only."""
        return await self._db.fetch_value("SELECT query FROM case_searches WHERE id = ? AND user_id = ?",
                                          (search_id, user_id))


def _where(wanted: CaseFilter) -> tuple[str, list]:
    """The WHERE clause over `cases` (and its parameters) that a filter asks for."""
    where, params = [], []
    if wanted.match:
        where.append("id IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)")
        params.append(wanted.match)
    for column, value in (("area", wanted.area), ("kind", wanted.kind), ("grade", wanted.grade),
                          ("owner_id", wanted.owner_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, values in (("category", wanted.categories), ("status", wanted.statuses)):
        if values:
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if wanted.since is not None:
        where.append("created_at >= ?")
        params.append(to_db(wanted.since))
    if wanted.until is not None:
        where.append("created_at < ?")
        params.append(to_db(wanted.until))
    if wanted.reporter_phone is not None:
        where.append("id IN (SELECT case_id FROM case_reporters WHERE phone = ?)")
        params.append(wanted.reporter_phone)
    if wanted.overdue_at is not None:
        where.append("((owner_id IS NULL AND accept_due <= ?) OR resolve_due <= ?)")
        params += [to_db(wanted.overdue_at)] * 2
    return " AND ".join(where) or "1", params
