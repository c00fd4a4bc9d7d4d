"""Every timed job, armed in one place at start.

Each job reads what it needs from the database (deadlines, drafts' last answers, schedules), so
a restart re-arms everything from there and loses nothing. The callbacks are the handlers'
(they talk to Telegram); when and how often they run is decided here.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.notice_jobs import start_notices
from bot.ops_jobs import scheduled_backup
from handlers.alert_manage import expiry_job as alert_expiry
from handlers.case_alarms import process_alarms
from handlers.case_delivery import deliver_left_by_stop, deliver_owed_job
from handlers.mediation_compliance import compliance_jobs
from handlers.mediation_picks import meeting_jobs
from handlers.mediation_take import offer_disputes
from handlers.private import sweep_dialogues
from handlers.retention import retention_job
from handlers.scam_check import purge_checks
from handlers.stats_briefing import send_briefing_if_due

#: Job names: tests find the jobs by them and run them with a controlled clock.
DIALOGUE_SWEEP_JOB = "dialogues:sweep"  # reminders and expiry of every dialogue's drafts
CASE_ALARMS_JOB = "cases:alarms"  # time limits, unread reminders, follow-up visits
ALERT_EXPIRY_JOB = "alerts:expiry"  # ask to extend an alert about to expire; close expired ones
BRIEFING_JOB = "briefing:weekly"  # the weekly figures to the staff chat
RETENTION_JOB = "privacy:retention"  # the daily anonymising run; erasures waiting for their cases to close
BACKUP_JOB = "backup:scheduled"  # the daily backup of the database (backup.cron), rotated
SCAM_PURGE_JOB = "scam_checks:purge"  # forget checked texts past the retention, checkers past the window
CASE_DELIVERIES_JOB = "cases:deliveries"  # cards and confirmations refused for now, or left by a stop
MEDIATION_OFFERS_JOB = "mediation:offers"  # new disputes offered to mediators, the area's first
MEDIATION_MEETINGS_JOB = "mediation:meetings"  # meeting reminders (a day, an hour before); who came
MEDIATION_COMPLIANCE_JOB = "mediation:compliance"  # "was it done?" on each term's date; the follow-up visit


async def arm_jobs(application: Application) -> None:
    """Arms every job; the notice timer first settles what a stop left in flight."""
    await start_notices(application)
    job_queue = application.job_queue
    job_queue.run_repeating(sweep_dialogues, interval=60, first=60, name=DIALOGUE_SWEEP_JOB)
    job_queue.run_repeating(process_alarms, interval=60, first=5, name=CASE_ALARMS_JOB)
    job_queue.run_repeating(alert_expiry, interval=60, first=60, name=ALERT_EXPIRY_JOB)
    job_queue.run_repeating(send_briefing_if_due, interval=60, first=60, name=BRIEFING_JOB)
    job_queue.run_repeating(retention_job, interval=60, first=60, name=RETENTION_JOB)
    job_queue.run_repeating(scheduled_backup, interval=60, first=60, name=BACKUP_JOB)
    # Daily, and once soon after each start: what is past its time is found by comparing stored
    # times with the clock, so a restart (or a missed day) only makes the next run catch up.
    job_queue.run_repeating(purge_checks, interval=24 * 60 * 60, first=60, name=SCAM_PURGE_JOB)
    job_queue.run_once(deliver_left_by_stop, when=0, name=f"{CASE_DELIVERIES_JOB}:start")
    job_queue.run_repeating(deliver_owed_job, interval=15, first=15, name=CASE_DELIVERIES_JOB)
    job_queue.run_repeating(offer_disputes, interval=60, first=60, name=MEDIATION_OFFERS_JOB)
    job_queue.run_repeating(meeting_jobs, interval=60, first=60, name=MEDIATION_MEETINGS_JOB)
    job_queue.run_repeating(compliance_jobs, interval=60, first=60, name=MEDIATION_COMPLIANCE_JOB)
