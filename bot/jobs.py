"""Every timed job, armed in one place at start.

Each job reads what it needs from the database (deadlines, drafts' last answers, schedules), so
a restart re-arms everything from there and loses nothing. The callbacks are the handlers'
(they talk to Telegram); when and how often they run is decided here.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.notice_jobs import start_notices
from handlers.alert_manage import expiry_job as alert_expiry
from handlers.case_alarms import process_alarms
from handlers.private import sweep_dialogues
from handlers.stats_briefing import send_briefing_if_due

#: Job names: tests find the jobs by them and run them with a controlled clock.
DIALOGUE_SWEEP_JOB = "dialogues:sweep"  # reminders and expiry of every dialogue's drafts
CASE_ALARMS_JOB = "cases:alarms"  # time limits, unread reminders, follow-up visits
ALERT_EXPIRY_JOB = "alerts:expiry"  # ask to extend an alert about to expire; close expired ones
BRIEFING_JOB = "briefing:weekly"  # the weekly figures to the staff chat


async def arm_jobs(application: Application) -> None:
    """Arms every job; the notice timer first settles what a stop left in flight."""
    await start_notices(application)
    job_queue = application.job_queue
    job_queue.run_repeating(sweep_dialogues, interval=60, first=60, name=DIALOGUE_SWEEP_JOB)
    job_queue.run_repeating(process_alarms, interval=60, first=5, name=CASE_ALARMS_JOB)
    job_queue.run_repeating(alert_expiry, interval=60, first=60, name=ALERT_EXPIRY_JOB)
    job_queue.run_repeating(send_briefing_if_due, interval=60, first=60, name=BRIEFING_JOB)
