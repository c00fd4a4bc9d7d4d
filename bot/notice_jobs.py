"""The timer behind scheduled notices: one PTB JobQueue job that wakes `NoticeService.run_due`
at the next fire time (or when an outbox row falls due) and re-arms itself.

Schedules live in the database, so on start the job is armed from there; after a change by
command it is re-armed. The job's name is fixed, so there is never more than one.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot.services import Services

logger = logging.getLogger(__name__)

JOB_NAME = "notices:wake"
#: After a run, never wake again sooner than this (a row due "now" must not spin the loop).
MIN_REARM_SECONDS = 1.0


async def start_notices(application: Application) -> None:
    """At start: settle what a crash left in flight, re-read config schedules, arm."""
    services: Services = application.bot_data["services"]
    report = await services.notices.start()
    if report.uncertain:
        logger.warning("%d notice(s) were in flight at the last stop; not sent again (at most once)",
                       report.uncertain)
    await arm(application)


async def arm(application: Application, *, min_delay: float = 0.0) -> None:
    """(Re)schedule the one wake-up job at the next time there is something to do."""
    services: Services = application.bot_data["services"]
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    when = await services.notices.next_wake()
    if when is None:
        return
    delay = max(min_delay, (when - services.clock.now()).total_seconds())
    job_queue.run_once(_wake, when=delay, name=JOB_NAME)


async def _wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.application.bot_data["services"]
    try:
        report = await services.notices.run_due()
        delivery = report.delivery
        if report.occurrences or (delivery and (delivery.sent or delivery.failed or delivery.skipped)):
            logger.info("notices: %d occurrence(s), %d queued; delivery %s", report.occurrences, report.queued,
                        delivery)
    except Exception:  # noqa: BLE001 - the timer must survive to try again
        logger.exception("notices: the scheduled run failed")
    finally:
        await arm(context.application, min_delay=MIN_REARM_SECONDS)
