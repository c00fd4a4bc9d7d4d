"""The operations job: the scheduled backup (armed in bot/jobs.py)."""

from __future__ import annotations

import logging

from bot.backup import BackupFailed
from bot.context import PinganContext
from storage.backup import NotADatabase

logger = logging.getLogger(__name__)


async def scheduled_backup(context: PinganContext) -> None:
    """Job: the backup of the latest `backup.cron` occurrence, once."""
    try:
        await context.services.backups.take_scheduled_if_due()
    except (BackupFailed, NotADatabase, OSError):
        # Claimed already: the next occurrence tries again; the operator sees this in the log.
        logger.exception("the scheduled backup failed")
