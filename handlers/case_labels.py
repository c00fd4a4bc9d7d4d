"""The names a case card shows for its stored keys (grades, levels, outcomes, rejections, the
audit trail's steps), and which outcome fits which case."""

from __future__ import annotations

from bot.i18n import N_
from storage.models import Case

GRADE_ICONS = {"red": "🔴", "orange": "🟠", "yellow": "🟡", "green": "🟢"}
GRADE_LABELS = {"red": N_("red"), "orange": N_("orange"), "yellow": N_("yellow"), "green": N_("green")}
#: The grade buttons' words: the colour named as well as shown, for phones without colour emoji and
#: for staff who do not tell the colours apart.
GRADE_BUTTON_WORDS = {"red": N_("Red"), "orange": N_("Orange"), "yellow": N_("Yellow"), "green": N_("Green")}
LEVEL_LABELS = {"grid": N_("grid"), "community": N_("community"), "township": N_("township"),
                "county": N_("county")}
#: The card's line saying which level's chat the case was sent to (四事分办).
LEVEL_SENT = {"grid": N_("🏛 Sent to the grid chat."), "community": N_("🏛 Sent to the community chat."),
              "township": N_("🏛 Sent to the township chat."), "county": N_("🏛 Sent to the county chat.")}
#: The button raising an overdue case to the next level.
RAISE_LABELS = {"community": N_("⬆ Raise to community"), "township": N_("⬆ Raise to township"),
                "county": N_("⬆ Raise to county")}
OUTCOME_LABELS = {
    "resolved": N_("Resolved"),
    "mediated": N_("Mediated, with an agreement"),
    "mediation_failed": N_("Mediation failed"),
    "referred": N_("Referred elsewhere"),
    "not_police": N_("Not a police matter"),
}
#: Outcomes that end a mediation: offered for disputes only.
MEDIATION_OUTCOMES = ("mediated", "mediation_failed")
REJECTION_LABELS = {"duplicate": N_("Duplicate"), "invalid": N_("Invalid")}
ACTION_LABELS = {
    "case.accepted": N_("accepted"),
    "case.graded": N_("graded"),
    "case.assigned": N_("assigned"),
    "case.level_set": N_("level set"),
    "case.level_raised": N_("raised a level (overdue)"),
    "case.note_added": N_("note added"),
    "case.reporter_asked": N_("reporter asked"),
    "case.reporter_answered": N_("reporter answered"),
    "case.resolved": N_("resolved"),
    "case.rejected": N_("rejected"),
    "case.reopened": N_("reopened"),
    "case.followed_up": N_("followed up"),
    "case.closed": N_("closed after the follow-up visit"),
    "case.followup_no_response": N_("closed: no answer to the follow-up visit"),
    "case.reported": N_("reported"),
    "case.emergency_opened": N_("opened at once: happening now"),
    "case.report_unfinished": N_("the reporter stopped before finishing"),
    "case.joined": N_("another resident added their report"),
    "case.info_added": N_("the reporter added information"),
    "case.contact_viewed": N_("contact viewed"),
    "case.full_report_viewed": N_("full report read"),
    "case.reporter_unreachable": N_("the reporter could not be reached"),
    "case.reporter_reachable": N_("the reporter can be reached again"),
    "case.followup_asked": N_("follow-up visit: questions sent"),
    "case.followup_asked_again": N_("follow-up visit: questions sent again (Telegram had not delivered them)"),
    "case.followup_answered": N_("follow-up visit: answered whether it is solved"),
    "case.followup_answered_elsewhere": N_("follow-up visit: answered whether the help elsewhere came"),
    "case.followup_rated": N_("follow-up visit: rated"),
    "case.followup_commented": N_("follow-up visit: comment"),
    "case.supervised": N_("supervised (new deadline)"),
    "case.duplicate_merged": N_("a duplicate was merged into it"),
    "case.recategorised": N_("category changed"),
    "case.handed_over": N_("handed over"),
    "case.withdrawn": N_("withdrawn by the reporter"),
    "case.contact_refused": N_("contact refused (not handling the case)"),
    # Mediation with both parties (handlers/mediation_*).
    "mediation.taken": N_("mediation: a mediator took the case"),
    "mediation.invited": N_("mediation: invitation link made for the other party"),
    "mediation.joined": N_("mediation: the other party joined"),
    "mediation.declined": N_("mediation: the other party declined"),
    "mediation.decline_reason": N_("mediation: the other party gave a reason"),
    "mediation.account_added": N_("mediation: a party added to their account"),
    "mediation.times_proposed": N_("mediation: meeting times proposed"),
    "mediation.time_picked": N_("mediation: a party picked a time"),
    "mediation.time_refused": N_("mediation: a party asked for other times"),
    "mediation.meeting_agreed": N_("mediation: meeting time agreed"),
    "mediation.meeting_held": N_("mediation: meeting held"),
    "mediation.no_show": N_("mediation: a party did not come"),
    "mediation.agreement_recorded": N_("mediation: agreement recorded"),
    "mediation.agreement_confirmed": N_("mediation: a party confirmed the agreement"),
    "mediation.agreement_disputed": N_("mediation: a party disputed the agreement"),
    "mediation.agreed": N_("mediation: both parties confirmed the agreement"),
    "mediation.no_agreement": N_("mediation: no agreement (referred)"),
    "mediation.term_kept": N_("mediation: a term was kept"),
    "mediation.term_broken": N_("mediation: a term was not kept"),
    "mediation.reopened": N_("mediation: reopened"),
    "mediation.kept": N_("mediation: every term kept"),
    "mediation.followup_asked": N_("mediation: follow-up visit sent to both parties"),
    "mediation.followup_answered": N_("mediation: a party answered the follow-up visit"),
}


def outcome_fits(case: Case, outcome: str) -> bool:
    """Whether an outcome may close this case: a mediation's outcomes close disputes only."""
    return case.kind == "dispute" or outcome not in MEDIATION_OUTCOMES


def grade_text(grade: str) -> str:
    """A grade as its colour and its word (🔴 red), for the card and History."""
    return f"{GRADE_ICONS[grade]} {GRADE_LABELS[grade].translated()}"
