"""Domain services. They never import `telegram`: handlers call them, storage serves them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
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
from bot.services.dialogues import DialogueStore
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
from bot.services.notice_trials import NoticeTrials
from bot.services.notices import NoticeService
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
from storage.db import Database


@dataclass
class Services:
    """Everything handlers reach through `context.services`."""

    config: Settings
    clock: Clock
    db: Database
    people: PeopleService
    groups: GroupService
    dialogues: DialogueStore
    intake: IntakeService
    reports: ReportService
    cases: CaseWorkflow
    search: CaseSearch
    conversation: CaseConversation
    followups: FollowUpService
    notices: NoticeService
    notice_trials: NoticeTrials  # a schedule's notice sent to one group now, to try it
    alerts: AlertService
    library: LibraryService
    stats: StatsService
    scam_rules: ScamRules  # the rules in use (shipped + /scamrules); `.checker` checks a message
    scam_clusters: ScamClusters
    scam_figures: ScamFigures
    export: ExportService
    supervision: SupervisionService
    corrections: CaseCorrections
    handover: HandoverService
    withdrawals: WithdrawalService
    cards: CaseCards
    deliveries: CaseDeliveries
    levels: CaseLevels
    access: IdentityAccess
    erasure: ErasureService
    personal_data: PersonalDataExport
    retention: RetentionService
    audit_trail: AuditTrail
    backups: BackupService
    mediation: MediationService
    meetings: MeetingService
    agreements: AgreementService
