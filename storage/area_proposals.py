"""Repository for areas typed for a group and waiting to be confirmed before they are created."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db


class AreaProposalRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, group_id: int, user_id: int, area: str, now: datetime) -> int:
        """Stores a proposed area; its id, for the confirming button."""
        return await self._db.insert(
            "INSERT INTO group_area_proposals (group_id, user_id, area, created_at) VALUES (?, ?, ?, ?)",
            (group_id, user_id, area, to_db(now)))

    async def take(self, proposal_id: int, group_id: int) -> str | None:
        """The proposed area (removed: a proposal is confirmed once), or None if there is none."""
        area = await self._db.fetch_value(
            "SELECT area FROM group_area_proposals WHERE id = ? AND group_id = ?", (proposal_id, group_id))
        if area is not None:
            await self._db.execute("DELETE FROM group_area_proposals WHERE id = ?", (proposal_id,))
        return area
