"""All update handlers, in order. Order matters: guards first, catch-alls last."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    addition,
    alert_compose,
    alert_manage,
    alert_tips,
    audit_view,
    case_buttons,
    case_find,
    case_list,
    case_supervise,
    erase,
    fallback,
    followup,
    group_membership,
    group_panel,
    handover,
    language,
    library_entry,
    mediation_account,
    mediation_agreement,
    mediation_compliance,
    mediation_consent,
    mediation_decline,
    mediation_picks,
    mediation_slots,
    mediation_summary,
    mediation_take,
    mydata,
    myreports,
    notice_preview,
    privacy,
    private,
    report,
    roles,
    scam_check,
    scam_rule_dialogue,
    scam_rules,
    scam_warning,
    schedule_dialogue,
    schedule_try,
    schedules,
    start,
    stats,
    stats_export,
    stats_feature_sections,
    withdraw,
)
from handlers import groups as groups_
from handlers import help as help_
from handlers import library as library_
from handlers.addition import AdditionButton
from handlers.case_card import CaseButton
from handlers.errors import on_error
from handlers.followup import FollowupButton
from handlers.guards import identify_caller, ignore_edited_command
from handlers.mediation_buttons import ConsentButton, MediateButton, PartyButton
from handlers.myreports import MyReportsButton
from handlers.report_prompts import ReportButton, ReportStartButton

EDITED_COMMAND_GROUP = -2  # before everything, even the guard: an edited command does nothing
GUARD_GROUP = -1


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, identify_caller), group=GUARD_GROUP)
    # An edited command is not a new command (PTB's command handlers take edits too): an edited
    # /report must not start another report. Edited text goes on to the router, which corrects.
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.COMMAND, ignore_edited_command),
                            group=EDITED_COMMAND_GROUP)
    stats_feature_sections.register()  # mediation and scam-check figures in /stats and the briefing
    application.add_handlers([
        ChatMemberHandler(group_membership.bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group_membership.group_migrated),
        CommandHandler("start", start.start),
        CommandHandler("help", help_.show_help),
        CommandHandler("language", language.ask_language),
        CommandHandler("privacy", privacy.show_privacy),
        CommandHandler("invite", roles.invite),
        CommandHandler("staff", roles.list_staff),
        CommandHandler("area", roles.set_area),
        CommandHandler("revoke", roles.revoke),
        CommandHandler("handover", handover.handover_command),
        CommandHandler("away", handover.away_command),
        CommandHandler("report", report.report_command),
        # /cancel stops what the next private message would answer (order in handlers/private.py).
        CommandHandler("cancel", private.cancel_command, filters=filters.ChatType.PRIVATE),
        CommandHandler("myreports", myreports.my_reports, filters=filters.ChatType.PRIVATE),
        CommandHandler(["myreports", "cancel"], start.private_only, filters=filters.ChatType.GROUPS),
        CommandHandler("mydata", mydata.my_data, filters=filters.ChatType.PRIVATE),
        CommandHandler("erase", erase.erase_command, filters=filters.ChatType.PRIVATE),
        CommandHandler("audit", audit_view.audit_command, filters=filters.ChatType.PRIVATE),
        CommandHandler(["mydata", "erase", "audit"], start.private_only, filters=filters.ChatType.GROUPS),
        CallbackQueryHandler(erase.on_button, pattern=erase.EraseButton.pattern()),
        CallbackQueryHandler(audit_view.on_button, pattern=audit_view.AuditButton.pattern()),
        CommandHandler("cases", case_list.list_cases),
        CommandHandler("case", case_list.open_case),
        MessageHandler(filters.Regex(r"^/case_PA_\d{4}_\d{6}(@\w+)?$"), case_list.open_case),
        CommandHandler("find", case_find.find_command),
        CallbackQueryHandler(case_find.on_button, pattern=case_find.FindButton.pattern()),
        CommandHandler("check", scam_check.check_command),
        # The check's buttons go through the router: one of them starts a report.
        CallbackQueryHandler(private.check_button, pattern=scam_check.CheckButton.pattern()),
        CommandHandler("scamrules", scam_rules.scamrules_command),
        CallbackQueryHandler(scam_rules.on_button, pattern=scam_rules.ScamRulesButton.pattern()),
        CallbackQueryHandler(scam_rule_dialogue.on_button, pattern=scam_rule_dialogue.ScamRuleButton.pattern()),
        CallbackQueryHandler(scam_warning.on_button, pattern=scam_warning.ScamWarnButton.pattern()),
        CommandHandler("stats", stats.stats_command),
        CallbackQueryHandler(stats.stats_pressed, pattern=stats.StatsButton.pattern()),
        CommandHandler("export", stats_export.export_command),
        CallbackQueryHandler(stats_export.export_pressed, pattern=stats_export.ExportButton.pattern()),
        CallbackQueryHandler(language.choose_language, pattern=language.LanguageButton.pattern()),
        CallbackQueryHandler(roles.invite_pressed, pattern=roles.InviteButton.pattern()),
        CallbackQueryHandler(roles.revoke_pressed, pattern=roles.RevokeButton.pattern()),
        CallbackQueryHandler(report.on_start_button, pattern=ReportStartButton.pattern()),
        CallbackQueryHandler(report.on_button, pattern=ReportButton.pattern()),
        CallbackQueryHandler(addition.on_button, pattern=AdditionButton.pattern()),
        CallbackQueryHandler(myreports.on_button, pattern=MyReportsButton.pattern()),
        CallbackQueryHandler(withdraw.on_button, pattern=withdraw.WithdrawButton.pattern()),
        CallbackQueryHandler(case_buttons.on_button, pattern=CaseButton.pattern()),
        CallbackQueryHandler(followup.followup_button, pattern=FollowupButton.pattern()),
        CallbackQueryHandler(case_supervise.on_press, pattern=case_supervise.SuperviseButton.pattern()),
        CallbackQueryHandler(mediation_take.on_button, pattern=MediateButton.pattern()),
        CallbackQueryHandler(mediation_summary.ROUTING.on_press, pattern=mediation_summary.SummaryButton.pattern()),
        CallbackQueryHandler(mediation_consent.on_button, pattern=ConsentButton.pattern()),
        CallbackQueryHandler(mediation_decline.ROUTING.on_press, pattern=mediation_decline.DeclineButton.pattern()),
        CallbackQueryHandler(mediation_account.on_button, pattern=PartyButton.pattern()),
        CallbackQueryHandler(mediation_slots.ROUTING.on_press, pattern=mediation_slots.SlotsButton.pattern()),
        CallbackQueryHandler(mediation_picks.on_pick, pattern=mediation_picks.PickButton.pattern()),
        CallbackQueryHandler(mediation_picks.on_attendance, pattern=mediation_picks.AttendanceButton.pattern()),
        CallbackQueryHandler(mediation_agreement.ROUTING.on_press,
                             pattern=mediation_agreement.AgreementButton.pattern()),
        CallbackQueryHandler(mediation_compliance.on_confirm, pattern=mediation_compliance.ConfirmButton.pattern()),
        CallbackQueryHandler(mediation_compliance.on_check, pattern=mediation_compliance.CheckButton.pattern()),
        CallbackQueryHandler(mediation_compliance.on_followup, pattern=mediation_compliance.FollowButton.pattern()),
        CommandHandler("setup", groups_.setup),
        CommandHandler("groups", groups_.list_groups),
        CommandHandler("schedules", schedules.list_schedules),
        CommandHandler("notice", notice_preview.notice),
        CommandHandler("alert", alert_compose.alert_command),
        CommandHandler("alerts", alert_manage.list_alerts),
        CallbackQueryHandler(alert_compose.on_button, pattern=alert_compose.AlertButton.pattern()),
        CallbackQueryHandler(alert_manage.on_manage_button, pattern=alert_manage.ManageButton.pattern()),
        CallbackQueryHandler(alert_tips.on_button, pattern=alert_tips.TipButton.pattern()),
        CommandHandler("library", library_.library),
        CallbackQueryHandler(library_.library_pressed, pattern=library_.LibraryButton.pattern()),
        CallbackQueryHandler(library_entry.dialogue_pressed, pattern=library_entry.LibraryEntryButton.pattern()),
        CallbackQueryHandler(group_panel.panel_pressed, pattern=group_panel.GroupButton.pattern()),
        CallbackQueryHandler(schedules.schedule_pressed, pattern=schedules.ScheduleButton.pattern()),
        CallbackQueryHandler(schedules.try_pressed, pattern=schedule_try.TryButton.pattern()),
        CallbackQueryHandler(schedule_dialogue.dialogue_pressed, pattern=schedule_dialogue.NewScheduleButton.pattern()),
        # Catch-alls, last.
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, fallback.unknown_command),
        # Any other private message: handlers/private.py decides who it answers.
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                       private.private_message),
        CallbackQueryHandler(fallback.expired_button),
    ])
    application.add_error_handler(on_error)
