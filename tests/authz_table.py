"""Who may do what: the table the authorisation matrix (tests/e2e/test_authorization_matrix.py)
holds the bot to. Every registered command and every callback family must have an entry here, and
every button action seen on a real message too, so a new one fails the matrix until someone decides
who may use it.

A role "may" an action when the action can have an effect for it (change stored state, show a
case, send to a group); for every other role the matrix checks that it has none.
"""

from __future__ import annotations

ROLES = ("resident", "steward", "mediator", "officer", "supervisor", "admin", "group_admin")
EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
STAFF = frozenset({"mediator", "officer", "supervisor", "admin"})
MANAGERS = frozenset({"supervisor", "admin"})
INVITERS = frozenset({"officer", "supervisor", "admin"})
GROUP_MANAGERS = frozenset({"officer", "admin"})
ISSUERS = frozenset({"officer", "supervisor", "admin"})

#: command → (its arguments, who may use it in a private chat, who in the residents' group).
#: Arguments name the world's things: {ref} the case, {steward} the steward's id.
COMMANDS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "start": ("", EVERYONE, EVERYONE),
    "help": ("", EVERYONE, EVERYONE),
    "language": ("", EVERYONE, EVERYONE),
    "privacy": ("", EVERYONE, EVERYONE),
    "report": ("", EVERYONE, EVERYONE),
    "cancel": ("", EVERYONE, EVERYONE),
    "myreports": ("", EVERYONE, EVERYONE),
    "mydata": ("", EVERYONE, EVERYONE),
    "erase": ("", EVERYONE, EVERYONE),
    "check": ("", EVERYONE, EVERYONE),
    # Case data goes to private chats and staff chats only, never to a residents' group.
    "cases": ("", STAFF, NOBODY),
    "case": ("{ref}", STAFF, NOBODY),
    "find": ("bike", STAFF, NOBODY),
    "stats": ("", STAFF, NOBODY),
    "export": ("", MANAGERS, NOBODY),
    "audit": ("", MANAGERS, NOBODY),
    "staff": ("", STAFF, NOBODY),
    "area": ("Sunny Garden", STAFF, STAFF),
    "away": ("", STAFF, STAFF),
    "handover": ("{officer2} {officer}", MANAGERS, MANAGERS),
    "invite": ("steward", INVITERS, NOBODY),
    "revoke": ("{steward}", INVITERS, INVITERS),
    "setup": ("", NOBODY, GROUP_MANAGERS | {"group_admin"}),
    "groups": ("", GROUP_MANAGERS, GROUP_MANAGERS),
    "schedules": ("", GROUP_MANAGERS, GROUP_MANAGERS),
    "notice": ("preview", GROUP_MANAGERS, GROUP_MANAGERS),
    "alert": ("", ISSUERS, ISSUERS),
    "alerts": ("", ISSUERS, ISSUERS),
    "library": ("", frozenset({"admin"}), frozenset({"admin"})),
    "scamrules": ("", STAFF, STAFF),
}

#: callback family prefix → action (the first field of its data) → who may press it with effect.
#: "*" stands for every action of a family whose presses only ever act on the presser's own things
#: (their report, their language, their check), so nobody else can be harmed through them.
BUTTONS: dict[str, dict[str, frozenset[str]]] = {
    # Among staff the service decides (owner, grade, level); outside staff nobody.
    "case": {"*": STAFF},
    "sup": {"*": MANAGERS},
    "grp": {"*": GROUP_MANAGERS | {"group_admin"}},
    "sch": {"*": GROUP_MANAGERS},
    "schtry": {"*": GROUP_MANAGERS},
    "snew": {"*": GROUP_MANAGERS},
    "lib": {"*": frozenset({"admin"})},
    "libn": {"*": frozenset({"admin"})},
    "inv": {"*": INVITERS},
    "rvk": {"*": INVITERS},
    "st": {"*": STAFF},
    "ex": {"*": MANAGERS},
    "audit": {"*": MANAGERS},
    "find": {"*": STAFF},
    "srules": {"*": STAFF},
    "srule": {"*": STAFF},
    "swarn": {"*": STAFF},
    "alr": {"*": ISSUERS},
    "alrm": {"*": ISSUERS},
    "alrt": {"*": EVERYONE},
    "med": {"*": frozenset({"mediator", "supervisor", "admin"})},
    "meds": {"*": frozenset({"mediator", "supervisor", "admin"})},
    "medt": {"*": frozenset({"mediator", "supervisor", "admin"})},
    "medg": {"*": frozenset({"mediator", "supervisor", "admin"})},
    "meda": {"*": frozenset({"mediator", "supervisor", "admin"})},
    # The parties' own buttons: consent, accounts, picks, confirmations — each names its mediation
    # and the handler checks the presser is a party to it.
    "medc": {"*": EVERYONE}, "medp": {"*": EVERYONE}, "medd": {"*": EVERYONE}, "medm": {"*": EVERYONE},
    "medf": {"*": EVERYONE}, "medk": {"*": EVERYONE}, "medv": {"*": EVERYONE},
    # The presser's own report, additions, follow-up visits, withdrawals, data and language.
    "rep": {"*": EVERYONE}, "repq": {"*": EVERYONE}, "add": {"*": EVERYONE}, "my": {"*": EVERYONE},
    "wd": {"*": EVERYONE}, "fu": {"*": EVERYONE}, "erase": {"*": EVERYONE}, "lang": {"*": EVERYONE},
    "chk": {"*": EVERYONE},
}

#: Families whose messages may live in a residents' group (the /setup panel, the group managers'
#: /library and /schedules, the report and check buttons of the welcome): a press of one forged
#: onto the group's message only redraws a panel. Any other family must leave a group's message
#: as it is.
GROUP_PANELS = frozenset({"grp", "lib", "libn", "sch", "snew", "rep", "chk"})


def may_press(prefix: str, action: str, role: str) -> bool:
    """Whether `role` may press `prefix`'s `action` with effect (KeyError: no entry)."""
    actions = BUTTONS[prefix]
    return role in (actions[action] if action in actions else actions["*"])
