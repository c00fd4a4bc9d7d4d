"""The retention job's callback (armed in bot/jobs.py): bot/services/retention.py does the work."""

from __future__ import annotations

from bot.context import PinganContext


async def retention_job(context: PinganContext) -> None:
    """Every minute: finishes erasures waiting for their cases to close, and runs the day's retention once."""
    await context.services.retention.tick()
