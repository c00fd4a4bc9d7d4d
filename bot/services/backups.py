"""The scheduled backup (`backup.cron`): taken once per occurrence, restarts included, then rotated."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger

from bot.backup import BackupReport, rotate_backups, timestamped_backup
from bot.clock import Clock
from bot.config_ops import BackupSettings
from storage.db import Database
from storage.operations import OperationsRepo

logger = logging.getLogger(__name__)

#: A backup the bot was down for is still taken this long after its time (a late one beats none).
MISSED_BACKUP_GRACE = timedelta(hours=24)


class BackupService:
    def __init__(self, db: Database, clock: Clock, settings: BackupSettings, timezone: str) -> None:
        self._db = db
        self._repo = OperationsRepo(db)
        self._clock = clock
        self._settings = settings
        self._timezone = timezone

    @property
    def folder(self) -> Path:
        return self._settings.folder(self._db.path)

    async def take_scheduled_if_due(self) -> BackupReport | None:
        """The backup of the latest `backup.cron` occurrence, if nobody took it yet (claimed first,
        so two timers or a restart never take it twice); None when none is due."""
        if self._settings.cron is None:
            return None
        now = self._clock.now()
        fire_at = self.last_occurrence(now)
        if fire_at is None or not await self._repo.claim_backup(fire_at, now):
            return None
        report = await asyncio.to_thread(timestamped_backup, self._db.path, self.folder, now)
        await self._repo.record_backup_file(fire_at, str(report.path))
        removed = await asyncio.to_thread(rotate_backups, self._db.path, self.folder, self._settings.keep)
        logger.info("scheduled backup written to %s (%d bytes, %.1f s); %d old one(s) removed",
                    report.path, report.facts.size_bytes, report.seconds, len(removed))
        return report

    def last_occurrence(self, now: datetime) -> datetime | None:
        """The latest occurrence within the grace before `now` (inclusive), in UTC, or None."""
        trigger = CronTrigger.from_crontab(self._settings.cron, timezone=self._timezone)
        latest = None
        fire = trigger.get_next_fire_time(None, now - MISSED_BACKUP_GRACE)
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return latest.astimezone(UTC) if latest else None
