"""What a sent report owes (its card, the reporter's confirmation), seen from a test: the cards in
the staff chat, the deliveries' run waited out, and time moved on for a retry."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import CASE_DELIVERIES_JOB
from tests.harness import STAFF_CHAT_ID

CARD_MARK = "🆕"  # the first line of a new case's card in the (zh) staff chat


def staff_cards(emulator) -> list[dict]:
    return [m for m in emulator.bot_messages(STAFF_CHAT_ID) if (m.get("text") or "").startswith(CARD_MARK)]


async def deliveries_done(pingan) -> None:
    """What the deliveries' run going on does is done and recorded (a press is answered once the
    report is stored, before its card and confirmation go out)."""
    await pingan.services.deliveries.runs.idle()


async def run_deliveries(pingan) -> None:
    """The deliveries job runs, and what it sends is done."""
    app = pingan.bot.application
    await deliveries_done(pingan)
    await app.job_queue.get_jobs_by_name(CASE_DELIVERIES_JOB)[0].run(app)
    await deliveries_done(pingan)


def later(pingan, clock, monkeypatch, seconds: float) -> None:
    """`seconds` pass: for the service clock and for the rate limiter's windows."""
    clock.advance(timedelta(seconds=seconds))
    limiter = pingan.bot.application.bot.rate_limiter
    shifted = limiter._clock
    monkeypatch.setattr(limiter, "_clock", lambda: shifted() + seconds)


async def retry_deliveries(pingan, clock, monkeypatch, seconds: float) -> None:
    """What was refused is recorded with its wait, `seconds` pass, and the deliveries job runs."""
    await deliveries_done(pingan)
    later(pingan, clock, monkeypatch, seconds)
    await run_deliveries(pingan)
