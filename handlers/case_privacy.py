"""Texts of the reporter-identity rules: who may see a contact (told to anyone refused), and the
line a sensitive case's card shows instead of its details."""

from __future__ import annotations

from bot.i18n import N_, _

#: `privacy.contact_roles` entries, as the refusal names them.
RELATION_LABELS = {
    "owner": N_("the case's owner"),
    "area_supervisor": N_("the supervisors of its area"),
    "area_admin": N_("the admins of its area"),
    "supervisor": N_("supervisors"),
    "admin": N_("admins"),
    "officer": N_("officers"),
    "mediator": N_("mediators"),
}


def contact_refusal(relations: list[str]) -> str:
    """Plain text: who may see a reporter's contact (a pop-up, so short)."""
    # A list separator: "、" in Chinese.
    who = _(", ").join(RELATION_LABELS[r].translated() for r in relations)
    return _("Sorry, only staff handling this case can see a reporter's contact: {who}.").format(who=who)


def full_report_refusal(relations: list[str]) -> str:
    who = _(", ").join(RELATION_LABELS[r].translated() for r in relations)
    return _("This report is in a sensitive category: only {who} can read its details.").format(who=who)


def sensitive_card_line() -> str:
    return "🔒 " + _("Sensitive category: the details are not shown here. The owner and the area's supervisors "
                    "read them privately (Full report).")


def sensitive_addition_line() -> str:
    return "🔒 " + _("The details are not shown here (sensitive category): press Full report on the card.")


def sensitive_notice(ref: str, category: str, area: str) -> str:
    """To the area's supervisors privately, with a Full report button."""
    return _("🔒 A report in a sensitive category came in: {ref} ({category}, {area}). Its details are not in "
             "the staff chat; press the button to read them here.").format(ref=ref, category=category, area=area)
