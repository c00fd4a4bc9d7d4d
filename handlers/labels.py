"""Display names for stored keys (roles, languages, group kinds, schedule states, cron presets):
one table of `N_()` entries per kind of key, translated when rendered. A key shown anywhere is
looked up here, never in a dictionary of its own."""

from __future__ import annotations

from collections.abc import Mapping

from bot.cron_words import describe_cron
from bot.i18n import N_, LazyText, _, current_locale, gettext_in
from storage.models import GroupKind, Role

ROLE_LABELS: dict[Role, LazyText] = {
    Role.RESIDENT: N_("resident"),
    Role.STEWARD: N_("safety steward"),
    Role.MEDIATOR: N_("mediator"),
    Role.OFFICER: N_("community officer"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.ADMIN: N_("administrator"),
}

# Each language is named in itself, so anyone can find their own.
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

GROUP_KIND_LABELS: dict[GroupKind, LazyText] = {
    GroupKind.POLICE_RESIDENT: N_("police–resident group"),
    GroupKind.HOMEOWNERS: N_("homeowners' / building group"),
    GroupKind.PROPERTY: N_("property-management work group"),
    GroupKind.SHOP: N_("shop / market group"),
    GroupKind.VILLAGE: N_("village group"),
    GroupKind.STAFF: N_("staff group"),
}

#: A notice schedule's state, by whether it is paused.
SCHEDULE_STATE_LABELS: dict[bool, LazyText] = {False: N_("active"), True: N_("paused")}

#: Where a schedule comes from (`NoticeSchedule.source`).
SCHEDULE_SOURCE_LABELS: dict[str, LazyText] = {
    "config": N_("from the config file"),
    "command": N_("added by command"),
}

#: The times offered as buttons when a schedule is added: the preset's stable key → its cron.
CRON_PRESETS: dict[str, str] = {
    "daily2100": "0 21 * * *",
    "daily0900": "0 9 * * *",
    "mon1000": "0 10 * * 1",
    "month0900": "0 9 1 * *",
}

#: A cron expression as people say it (any other is shown as written).
CRON_LABELS: dict[str, LazyText] = {
    "0 21 * * *": N_("Every day at 21:00"),
    "0 9 * * *": N_("Every day at 09:00"),
    "0 10 * * 1": N_("Mondays at 10:00"),
    "0 9 1 * *": N_("The 1st of each month at 09:00"),
}

#: The periods of /stats.
PERIOD_LABELS: dict[str, LazyText] = {"week": N_("This week"), "month": N_("This month"), "year": N_("This year")}

#: A group's state, by whether the bot is still in it: in the /groups list, and in its panel.
GROUP_STATE_LABELS: dict[bool, LazyText] = {True: N_("active"), False: N_("inactive")}
GROUP_PANEL_STATE_LABELS: dict[bool, LazyText] = {True: N_("active"), False: N_("inactive (the bot was removed)")}

#: Whether a group gets notices, by `notices_paused`.
GROUP_NOTICES_LABELS: dict[bool, LazyText] = {False: N_("on"), True: N_("paused")}


def label(table: Mapping, key, locale: str | None = None) -> str:
    """The display name of a stored key from its table, in the current locale (or `locale`)."""
    text = table[key]
    return text.in_locale(locale) if locale else _(str(text))


def role_label(role: Role) -> str:
    return label(ROLE_LABELS, role)


def role_labels(roles) -> str:
    return _(", ").join(role_label(r) for r in roles)


def parse_role(text: str) -> Role | None:
    """A role from what someone typed: its key (`officer`) or its name in either language."""
    wanted = text.strip().lower()
    for role, name in ROLE_LABELS.items():
        if role is Role.RESIDENT:
            continue
        names = {role.value, str(name).lower(), name.in_locale("zh").lower(), name.in_locale("en").lower()}
        if wanted in names:
            return role
    return None


def kind_label(kind: GroupKind | None, locale: str | None = None) -> str:
    if kind is None:
        return gettext_in(locale, "not set") if locale else _("not set")
    return label(GROUP_KIND_LABELS, kind, locale)


def cron_label(cron: str) -> str:
    """A preset's name, or the expression in words in the reader's language."""
    return label(CRON_LABELS, cron) if cron in CRON_LABELS else describe_cron(cron, current_locale.get())
