"""Display names for stored keys (roles, languages, group kinds), translated at render time."""

from __future__ import annotations

from bot.i18n import N_, LazyText, _, gettext_in
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


def role_label(role: Role) -> str:
    return _(str(ROLE_LABELS[role]))


def role_labels(roles) -> str:
    return _(", ").join(role_label(r) for r in roles)


def parse_role(text: str) -> Role | None:
    """A role from what someone typed: its key (`officer`) or its name in either language."""
    wanted = text.strip().lower()
    for role, label in ROLE_LABELS.items():
        if role is Role.RESIDENT:
            continue
        names = {role.value, str(label).lower(), label.in_locale("zh").lower(), label.in_locale("en").lower()}
        if wanted in names:
            return role
    return None


GROUP_KIND_LABELS: dict[GroupKind, LazyText] = {
    GroupKind.POLICE_RESIDENT: N_("police–resident group"),
    GroupKind.HOMEOWNERS: N_("homeowners' / building group"),
    GroupKind.PROPERTY: N_("property-management work group"),
    GroupKind.SHOP: N_("shop / market group"),
    GroupKind.VILLAGE: N_("village group"),
    GroupKind.STAFF: N_("staff group"),
}


def kind_label(kind: GroupKind | None, locale: str | None = None) -> str:
    if kind is None:
        return gettext_in(locale, "not set") if locale else _("not set")
    return GROUP_KIND_LABELS[kind].in_locale(locale) if locale else _(str(GROUP_KIND_LABELS[kind]))
