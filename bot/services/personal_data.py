"""/mydata: everything Pingan holds about one person, as one JSON-safe document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from storage.audit import AuditRepo
from storage.db import Database
from storage.erasure import ErasureRequestRepo
from storage.personal_data import PersonalDataRepo


@dataclass(frozen=True)
class PersonalData:
    """The export, and the counts its readable summary gives."""

    document: dict[str, Any]

    def count(self, section: str) -> int:
        return len(self.document.get(section) or [])

    @property
    def additions(self) -> int:
        return sum(len(report["additions"]) for report in self.document["reports"])


class PersonalDataExport:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._clock = clock
        self._repo = PersonalDataRepo(db)
        self._requests = ErasureRequestRepo(db)
        self._audit = AuditRepo(db)

    async def export(self, user_id: int) -> PersonalData:
        """The person's own data (never another reporter's, never staff notes); the export is audited."""
        now = self._clock.now()
        document = {
            "generated_at": now.isoformat(),
            "profile": await self._repo.profile(user_id) or {"user_id": user_id},
            "roles": await self._repo.roles(user_id),
            "preferences": await self._repo.preferences(user_id),
            "reports": await self._repo.reports(user_id),
            "answers_to_staff_questions": await self._repo.answers_to_questions(user_id),
            "follow_up_answers": await self._repo.follow_ups(user_id),
            "alert_tips": await self._repo.alert_tips(user_id),
            "unfinished": await self._repo.unfinished(user_id),
            "erasure_requests": await self._requests.of_person(user_id),
        }
        await self._audit.record(now, user_id, "privacy.data_exported", "user", user_id)
        return PersonalData(document)
