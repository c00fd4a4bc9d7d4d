"""The daily retention run: what residents told us is anonymised once it is no longer needed —
cases closed more than `privacy.retention_days` ago, tips about alerts that ended as long ago,
drafts and unfinished items past their time to live, and old audit entries' copies. Each local
date's run is claimed in the database before it starts, so it happens once a day, and a restart
(even past the run's time) never skips it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config_privacy import PrivacySettings
from bot.services.case_search import CaseSearch
from bot.services.erasure import ErasureService
from storage.audit import AuditRepo
from storage.db import Database
from storage.erasure import ErasureRepo

logger = logging.getLogger(__name__)

#: A staff search's words (which may hold a phone number) are kept this long for its page buttons.
SEARCH_TTL = timedelta(days=7)
#: A draft is dropped a day after its time to live, so that a dialogue's own "this timed out" note
#: still meets a person who comes back later the same day.
DRAFT_GRACE = timedelta(days=1)


class RetentionService:
    def __init__(self, db: Database, clock: Clock, settings: PrivacySettings, timezone: str, *,
                 draft_ttls: Mapping[str, timedelta], search: CaseSearch, erasure: ErasureService) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._tz = ZoneInfo(timezone)
        self._draft_ttls = dict(draft_ttls)
        self._search = search
        self._erasure = erasure
        self._repo = ErasureRepo(db)
        self._audit = AuditRepo(db)

    def run_date_due(self, now: datetime) -> str | None:
        """Today's local date once the run's time has come (None before it)."""
        local = now.astimezone(self._tz)
        if local.time() < time.fromisoformat(self._settings.retention_time):
            return None
        return local.date().isoformat()

    async def tick(self) -> dict[str, int] | None:
        """Every minute: the cases kept open at an erasure that have closed, then today's run if it
        is due and not claimed yet. Returns the run's counts when it ran."""
        await self._erasure.complete_waiting()
        now = self._clock.now()
        run_date = self.run_date_due(now)
        if run_date is None or not await self._repo.claim_run(run_date, now):
            return None
        counts = await self.run(now)
        await self._repo.record_run(run_date, counts)
        logger.info("retention run %s: %s", run_date, ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        return counts

    async def runs(self) -> list[tuple[str, dict[str, int]]]:
        """Every run so far: its local date and counts, oldest first."""
        return await self._repo.runs()

    async def run(self, now: datetime) -> dict[str, int]:
        """Anonymises everything past its time; returns how many of each."""
        cutoff = now - timedelta(days=self._settings.retention_days)
        counts = {"cases": 0, "tips": 0, "drafts": 0, "answers": 0, "searches": 0, "audit_entries": 0}
        while batch := await self._repo.closed_before(cutoff):
            for case_id in batch:
                async with self._db.transaction():
                    await self._anonymise_case(case_id, now)
            counts["cases"] += len(batch)
        async with self._db.transaction():
            for dialogue, ttl in self._draft_ttls.items():
                counts["drafts"] += await self._repo.drop_stale_drafts(dialogue, now - ttl - DRAFT_GRACE)
            longest = max(self._draft_ttls.values(), default=timedelta(days=1))
            counts["answers"] = await self._repo.drop_unlinked_answers(now - longest - DRAFT_GRACE)
            counts["tips"] = await self._repo.erase_tips_of_alerts_closed_before(cutoff)
            counts["searches"] = await self._repo.drop_searches_before(now - SEARCH_TTL)
            counts["audit_entries"] = await self._repo.scrub_audit_before(cutoff)
        await self._repo.compact()
        return counts

    async def _anonymise_case(self, case_id: int, now: datetime) -> None:
        for user_id in await self._repo.reporters_of(case_id):
            await self._repo.erase_own_words(user_id, case_id)
        await self._repo.erase_report(case_id, now)
        await self._repo.scrub_case_audit(case_id)
        await self._search.reindex(case_id)
        await self._audit.record(now, None, "privacy.case_anonymised", "case", case_id, {"why": "retention"})
