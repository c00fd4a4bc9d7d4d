"""Starting and stopping a running Pingan: storage, services, the Application and how updates arrive."""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import timedelta

from telegram.ext import Application

from bot.alert_report import TelegramReportBoard
from bot.app import build_application
from bot.backup import backup_before_migrations
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.health import HealthCheck, HealthServer
from bot.jobs import arm_jobs
from bot.run_lock import RunLock
from bot.sender import TelegramSender
from bot.services import Services
from bot.services.alert_delivery import AlertDelivery, ReportBoard
from bot.services.alert_tips import AlertTips
from bot.services.alerts import AlertService
from bot.services.audit_trail import AuditTrail
from bot.services.backups import BackupService
from bot.services.case_cards import CaseCards
from bot.services.case_conversation import CaseConversation
from bot.services.case_corrections import CaseCorrections
from bot.services.case_deliveries import CaseDeliveries
from bot.services.case_levels import CaseLevels
from bot.services.case_search import CaseSearch
from bot.services.cases import CaseWorkflow
from bot.services.dialogues import DialogueStore, default_policies
from bot.services.erasure import ErasureService
from bot.services.export import ExportService
from bot.services.followups import FollowUpService
from bot.services.groups import GroupService
from bot.services.handover import HandoverService
from bot.services.intake import IntakeService
from bot.services.library import LibraryService
from bot.services.mediation import MediationService
from bot.services.mediation_agreements import AgreementService
from bot.services.mediation_meetings import MeetingService
from bot.services.notice_texts import NoticeTexts
from bot.services.notice_trials import NoticeTrials
from bot.services.notices import NoticeService
from bot.services.outbox import Sender
from bot.services.people import PeopleService
from bot.services.personal_data import PersonalDataExport
from bot.services.privacy import IdentityAccess
from bot.services.reports import ReportService
from bot.services.retention import RetentionService
from bot.services.scam_clusters import ScamClusters
from bot.services.scam_figures import ScamFigures
from bot.services.scam_rules import ScamRules
from bot.services.stats import StatsService
from bot.services.supervision import SupervisionService
from bot.services.withdrawals import WithdrawalService
from bot.services.working_time import Deadlines, WorkingCalendar
from bot.webhook import WebhookServer, start_receiving
from handlers.alert_delivery import resume_deliveries
from handlers.menu import publish_menus
from storage.audit import AuditRepo
from storage.db import Database
from storage.migrate import apply_migrations, current_version

logger = logging.getLogger("pingan")

#: How long a stop waits for the sends and updates in flight before it closes anyway.
SHUTDOWN_GRACE = 10


async def open_services(config: Settings, clock: Clock | None = None, sender: Sender | None = None,
                        report_board: ReportBoard | None = None) -> Services:
    """Opens the database (applying pending migrations) and builds the domain services. `sender`
    is how broadcasts reach Telegram, `report_board` where alert delivery reports are shown (None
    for maintenance that sends nothing)."""
    clock = clock or SystemClock()
    db = await Database.open(config.storage.path)
    try:
        await back_up_before_migrations(db, config, clock)
        await apply_migrations(db)
        people = PeopleService(
            db, clock, config_admins=config.admins, invite_ttl=timedelta(hours=config.invites.ttl_hours)
        )
        await people.bootstrap_admins()
        groups = GroupService(db, clock, config.staff_chat_ids)
        await groups.apply_declarations(config.groups)
    except BaseException:
        await db.close()
        raise
    deadlines = Deadlines(config.cases, WorkingCalendar(config.cases.working_hours, config.tzinfo))
    workflow = CaseWorkflow(db, clock, config.cases, deadlines=deadlines)
    dialogues = DialogueStore(db, clock, default_policies(config))
    search = CaseSearch(db, clock, config.reports, config.tzinfo)
    notice_texts = NoticeTexts(config.notices, clock, timezone=config.timezone)
    notices = NoticeService(db, clock, notice_texts, timezone=config.timezone,
                            default_language=config.default_language, groups=groups, sender=sender)
    library = LibraryService(db, clock, notice_texts)
    cards = CaseCards(db, clock)
    access = IdentityAccess(db, clock, config.privacy)
    erasure = ErasureService(db, clock, config.privacy, search)
    scam_rules = ScamRules(db, clock)
    deliveries = CaseDeliveries(db, clock)
    mediation = MediationService(db, clock, config.mediation)
    try:
        await erasure.prepare()  # deleted personal data is zeroed in the file, not left in free pages
        await library.load()  # the config's library with the edits made by command
        await scam_rules.load()  # the shipped scam rules with the officers' additions
        await search.index_missing()  # cases from before the search index existed
        await cards.adopt_unknown_chat(config.staff_chat_id)  # cards from before migration 0015
        await deliveries.recover()  # cards and confirmations a crash kept from being recorded
    except BaseException:
        await db.close()
        raise
    return Services(
        config=config, clock=clock, db=db, people=people, groups=groups,
        dialogues=dialogues,
        intake=IntakeService(db, clock, config.reports, config.tzinfo, dialogues),
        reports=ReportService(db, clock, config.reports, dialogues, search, access=access, deliveries=deliveries,
                              on_case_created=workflow.arm_new_case),
        cases=workflow,
        search=search,
        conversation=CaseConversation(db, clock, config.cases),
        followups=FollowUpService(db, clock, workflow),
        notices=notices,
        notice_trials=NoticeTrials(db, clock, notices, groups, sender),
        # Alerts share the notices' outbox dispatcher: one queue, alerts first.
        alerts=AlertService(db, clock, config.alerts, dispatcher=notices.dispatcher, dialogues=dialogues,
                            delivery=AlertDelivery(db, clock, dispatcher=notices.dispatcher, board=report_board,
                                                   default_language=config.default_language),
                            tips=AlertTips(db, clock, dialogues=dialogues), sender=sender,
                            default_language=config.default_language, timezone=config.timezone,
                            staff_chat_ids=config.staff_chat_ids),
        library=library,
        stats=StatsService(db, clock, config.timezone, config.briefing),
        scam_rules=scam_rules,
        scam_clusters=ScamClusters(db, clock, config.scam_check, rules=scam_rules, groups=groups, notices=notices),
        scam_figures=ScamFigures(db, config.timezone),
        export=ExportService(db, clock, config.timezone, AuditRepo(db), config.export),
        supervision=SupervisionService(db, clock, config.cases, deadlines, workflow),
        corrections=CaseCorrections(db, clock, workflow, config.reports),
        handover=HandoverService(db, clock, workflow),
        withdrawals=WithdrawalService(db, clock),
        cards=cards,
        deliveries=deliveries,
        levels=CaseLevels(db, clock, workflow),
        access=access,
        erasure=erasure,
        personal_data=PersonalDataExport(db, clock),
        retention=RetentionService(db, clock, config.privacy, config.timezone, search=search, erasure=erasure,
                                   draft_ttls={str(name): policy.expires_after
                                               for name, policy in default_policies(config).items()}),
        audit_trail=AuditTrail(db, clock, config.timezone),
        backups=BackupService(db, clock, config.backup, config.timezone),
        mediation=mediation,
        meetings=MeetingService(db, clock, mediation),
        agreements=AgreementService(db, clock, config.mediation, config.tzinfo, mediation, workflow),
    )


async def back_up_before_migrations(db: Database, config: Settings, clock: Clock) -> None:
    """Copies an existing database aside before migrations change it (kept outside the rotation)."""
    folder = config.backup.folder(db.path)
    report = await asyncio.to_thread(backup_before_migrations, db.path, folder, await current_version(db), clock.now())
    if report is not None:
        logger.info("backup before migrating: %s (%d bytes)", report.path, report.facts.size_bytes)


class Pingan:
    """One running bot. `start()` returns once updates are coming in (long polling or the webhook
    server); `stop()` undoes it all."""

    def __init__(self, config: Settings, clock: Clock | None = None, *, poll_timeout: int = 10) -> None:
        self.config = config
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.services: Services | None = None
        self.application: Application | None = None
        self.health: HealthServer | None = None
        self.webhook: WebhookServer | None = None
        self._lock: RunLock | None = None

    async def start(self) -> None:
        # One bot per database: a second one, or a restore, must wait for this one to stop.
        self._lock = RunLock(self.config.storage.path)
        self._lock.acquire()
        try:
            self.application = build_application(self.config)
            self.services = await open_services(self.config, self.clock, TelegramSender(self.application.bot),
                                                TelegramReportBoard(self.application))
            self.application.bot_data["services"] = self.services
            await self.application.initialize()
            await self.application.start()
            self.webhook = await start_receiving(self.application, self.config, self.services.db,
                                                 self.services.clock, poll_timeout=self.poll_timeout)
            await arm_jobs(self.application)
            await resume_deliveries(self.application)
            await self._start_health()
        except BaseException:
            await self.stop()
            raise
        # Menus are nice to have, not needed to answer: publish them without delaying start-up.
        self.application.create_task(self._publish_menus(), name="publish_menus")
        logger.info("Pingan is running as @%s", self.application.bot.username)

    async def _start_health(self) -> None:
        if self.config.health.port is None:
            return
        webhook = self.webhook
        check = HealthCheck(self.services.db, self.services.clock, self.application.metrics,
                            poll_timeout=self.poll_timeout,
                            webhook_running=(lambda: webhook.running) if webhook is not None else None)
        self.health = HealthServer(check, self.application.metrics, self.config.health.listen, self.config.health.port)
        await self.health.start()

    async def _publish_menus(self) -> None:
        try:
            await publish_menus(self.application)
        except Exception:  # noqa: BLE001 - a menu failure must not stop the bot
            logger.exception("could not publish the command menus")

    async def stop(self) -> None:
        """Stops taking updates, lets the sends in flight finish (at most SHUTDOWN_GRACE seconds),
        leaves the rest queued for the next start, and closes the database."""
        app = self.application
        if self.services is not None:
            self.services.notices.dispatcher.stop()  # no new sends: a broadcast must not delay shutdown
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            try:
                await asyncio.wait_for(self._stop_application(app), SHUTDOWN_GRACE)
            except TimeoutError:
                # Rows still `sending` are settled at the next start (bot/services/outbox.py recover).
                logger.warning("sends still in flight after %d s; leaving them for the next start", SHUTDOWN_GRACE)
            self.application = None
        if self.health is not None:
            await self.health.stop()
            self.health = None
        if self.services is not None:
            await self.services.db.close()
            self.services = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @staticmethod
    async def _stop_application(app: Application) -> None:
        if app.running:
            await app.stop()  # waits for the updates being handled and the jobs running now
        await app.shutdown()


async def run_bot(config: Settings, stop: asyncio.Event) -> None:
    """`pingan run`: take updates from Telegram until asked to stop."""
    bot = Pingan(config)
    await bot.start()
    # What start-up loaded lives as long as the process: the collector stops scanning it, which
    # takes a full collection from ~80 ms (a stall of every reply and broadcast) to a few.
    gc.freeze()
    try:
        await stop.wait()
    finally:
        logger.info("stopping")
        await bot.stop()
