"""The bot's commands: one list that drives /help and Telegram's command menus."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot import roles as rules
from bot.i18n import N_, LazyText
from storage.models import Role

_INVITERS = rules.INVITER_ROLES
_STAFF = rules.STAFF_ROLES
_GROUP_MANAGERS = rules.GROUP_MANAGER_ROLES


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: LazyText
    in_private: bool = True
    in_groups: bool = False
    roles: frozenset[Role] | None = None  # None: everyone

    def available_to(self, roles: Iterable[Role]) -> bool:
        return self.roles is None or any(role in self.roles for role in roles)


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("report", N_("Report an incident or a dispute, privately"), in_groups=True),
    CommandInfo("myreports", N_("Your reports: progress, and adding information")),
    CommandInfo("check", N_("Is this a scam? Check a message you received")),
    CommandInfo("cancel", N_("Stop what you are filling in (a report, a check …)")),
    CommandInfo("start", N_("Welcome and what Pingan can do")),
    CommandInfo("help", N_("Commands you can use"), in_groups=True),
    CommandInfo("language", N_("Choose 中文 or English")),
    CommandInfo("privacy", N_("What we store and why"), in_groups=True),
    CommandInfo("mydata", N_("Everything we hold about you, as a file")),
    CommandInfo("erase", N_("Erase your data from Pingan")),
    CommandInfo("cases", N_("Cases: mine, overdue, all open by grade"), roles=_STAFF, in_groups=True),
    CommandInfo("case", N_("Open a case card: /case PA-2026-000123"), roles=_STAFF, in_groups=True),
    CommandInfo("find", N_("Search cases: words from the report, area, status, dates"), roles=_STAFF,
                in_groups=True),
    CommandInfo("stats", N_("Figures: reports, mediation, time limits, satisfaction"), roles=_STAFF,
                in_groups=True),
    CommandInfo("staff", N_("List staff and volunteers with their roles"), roles=_STAFF, in_groups=True),
    CommandInfo("area", N_("Your beat: the area or compound you look after"), roles=_STAFF),
    CommandInfo("away", N_("Mark yourself away (or /away off): your reminders go to the supervisors"),
                roles=_STAFF),
    CommandInfo("handover", N_("Move someone's open cases: /handover <from id> <to id>"),
                roles=rules.CASE_MANAGER_ROLES),
    CommandInfo("audit", N_("The audit trail: who did what, by case, person, action or date"),
                roles=rules.CASE_MANAGER_ROLES),
    CommandInfo("invite", N_("Create an invitation link for a role"), roles=_INVITERS),
    CommandInfo("revoke", N_("Remove a role from someone"), roles=_INVITERS),
    # Groups and notices (issue 6). /setup is for each group's own Telegram admins too, whatever
    # their Pingan role, so it is offered to everyone in groups; the handler checks.
    CommandInfo("setup", N_("Set up this group: kind, area, language, quiet hours"), in_private=False,
                in_groups=True),
    CommandInfo("groups", N_("List the groups and change their settings"), roles=_GROUP_MANAGERS),
    CommandInfo("schedules", N_("Notice schedules: list, add, pause, resume, delete"), roles=_GROUP_MANAGERS),
    CommandInfo("notice", N_("Preview a notice: /notice preview"), roles=_GROUP_MANAGERS),
    # Urgent alerts (issue 7).
    CommandInfo("alert", N_("Send an urgent alert to groups"), roles=rules.ALERT_ISSUERS),
    CommandInfo("alerts", N_("Your urgent alerts: delivery, tips, closing"), roles=rules.ALERT_ISSUERS),
    CommandInfo("library", N_("The notice library: themes, tips, patrol templates, theme calendar"),
                roles=rules.LIBRARY_EDITOR_ROLES),
    CommandInfo("export", N_("Export cases as CSV or Open311 (no personal data)"), roles=rules.CASE_MANAGER_ROLES),
    # "Is this a scam?" (issue 18): officers add to the rules.
    CommandInfo("scamrules", N_("The scam-check rules: fraud types, and adding or removing phrases"), roles=_STAFF),
)


def commands_for(roles: Iterable[Role], *, private: bool) -> list[CommandInfo]:
    roles = frozenset(roles)
    return [
        c for c in COMMANDS
        if (c.in_private if private else c.in_groups) and c.available_to(roles)
    ]
