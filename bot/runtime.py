"""Starting and stopping a running Pingan: storage, services and the polling Application."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import Application

from bot.alert_report import TelegramReportBoard
from bot.app import build_application
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.jobs import arm_jobs
from bot.sender import TelegramSender
from bot.services import Services
from bot.services.alert_delivery import AlertDelivery, ReportBoard
from bot.services.alert_tips import AlertTips
from bot.services.alerts import AlertService
from bot.services.case_cards import CaseCards
from bot.services.case_conversation import CaseConversation
from bot.services.case_corrections import CaseCorrections
from bot.services.case_levels import CaseLevels
from bot.services.case_search import CaseSearch
from bot.services.cases import CaseWorkflow
from bot.services.dialogues import DialogueStore, default_policies
from bot.services.export import ExportService
from bot.services.followups import FollowUpService
from bot.services.groups import GroupService
from bot.services.handover import HandoverService
from bot.services.intake import IntakeService
from bot.services.library import LibraryService
from bot.services.notice_texts import NoticeTexts
from bot.services.notices import NoticeService
from bot.services.outbox import Sender
from bot.services.people import PeopleService
from bot.services.reports import ReportService
from bot.services.scam_check import ScamChecker
from bot.services.stats import StatsService
from bot.services.supervision import SupervisionService
from bot.services.withdrawals import WithdrawalService
from bot.services.working_time import Deadlines, WorkingCalendar
from handlers.alert_delivery import resume_deliveries
from handlers.menu import publish_menus
from storage.audit import AuditRepo
from storage.db import Database
from storage.migrate import apply_migrations

logger = logging.getLogger("pingan")


async def open_services(config: Settings, clock: Clock | None = None, sender: Sender | None = None,
                        report_board: ReportBoard | None = None) -> Services:
    """Opens the database (applying pending migrations) and builds the domain services. `sender`
    is how broadcasts reach Telegram, `report_board` where alert delivery reports are shown (None
    for maintenance that sends nothing)."""
    clock = clock or SystemClock()
    db = await Database.open(config.storage.path)
    try:
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
    try:
        await library.load()  # the config's library with the edits made by command
        await search.index_missing()  # cases from before the search index existed
        await cards.adopt_unknown_chat(config.staff_chat_id)  # cards from before migration 0015
    except BaseException:
        await db.close()
        raise
    return Services(
        config=config, clock=clock, db=db, people=people, groups=groups,
        dialogues=dialogues,
        intake=IntakeService(db, clock, config.reports, config.tzinfo, dialogues),
        reports=ReportService(db, clock, config.reports, dialogues, search, on_case_created=workflow.arm_new_case),
        cases=workflow,
        search=search,
        conversation=CaseConversation(db, clock, config.cases),
        followups=FollowUpService(db, clock, workflow),
        notices=notices,
        # Alerts share the notices' outbox dispatcher: one queue, alerts first.
        alerts=AlertService(db, clock, config.alerts, dispatcher=notices.dispatcher, dialogues=dialogues,
                            delivery=AlertDelivery(db, clock, dispatcher=notices.dispatcher, board=report_board,
                                                   default_language=config.default_language),
                            tips=AlertTips(db, clock, dialogues=dialogues), sender=sender,
                            default_language=config.default_language, timezone=config.timezone,
                            staff_chat_ids=config.staff_chat_ids),
        library=library,
        stats=StatsService(db, clock, config.timezone, config.briefing),
        export=ExportService(db, clock, config.timezone, AuditRepo(db), config.export),
        scam_check=ScamChecker(),
        supervision=SupervisionService(db, clock, config.cases, deadlines, workflow),
        corrections=CaseCorrections(db, clock, workflow, config.reports),
        handover=HandoverService(db, clock, workflow),
        withdrawals=WithdrawalService(db, clock),
        cards=cards,
        levels=CaseLevels(db, clock, workflow),
    )


class Pingan:
    """One running bot. `start()` returns once long polling has begun; `stop()` undoes it all."""

    def __init__(self, config: Settings, clock: Clock | None = None, *, poll_timeout: int = 10) -> None:
        self.config = config
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.services: Services | None = None
        self.application: Application | None = None

    async def start(self) -> None:
        self.application = build_application(self.config)
        self.services = await open_services(self.config, self.clock, TelegramSender(self.application.bot),
                                            TelegramReportBoard(self.application))
        self.application.bot_data["services"] = self.services
        try:
            await self.application.initialize()
            await self.application.start()
            await self.application.updater.start_polling(
                poll_interval=0, timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES
            )
            await arm_jobs(self.application)
            await resume_deliveries(self.application)
        except BaseException:
            await self.stop()
            raise
        # Menus are nice to have, not needed to answer: publish them without delaying start-up.
        self.application.create_task(self._publish_menus(), name="publish_menus")
        logger.info("Pingan is running as @%s", self.application.bot.username)

    async def _publish_menus(self) -> None:
        try:
            await publish_menus(self.application)
        except Exception:  # noqa: BLE001 - a menu failure must not stop the bot
            logger.exception("could not publish the command menus")

    async def stop(self) -> None:
        app = self.application
        if self.services is not None:
            self.services.notices.dispatcher.stop()  # no new sends: a broadcast must not delay shutdown
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
            self.application = None
        if self.services is not None:
            await self.services.db.close()
            self.services = None


async def run_bot(config: Settings, stop: asyncio.Event) -> None:
    """`pingan run`: poll Telegram until asked to stop."""
    bot = Pingan(config)
    await bot.start()
    try:
        await stop.wait()
    finally:
        logger.info("stopping")
        await bot.stop()
