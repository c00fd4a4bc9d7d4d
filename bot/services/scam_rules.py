"""The rule library in use: the shipped bot/scam_rules.yaml with the phrases and signals officers
added with /scamrules layered over it (stored, audited, removable), and the preview of what an
addition would have matched among the checks still kept."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from bot.clock import Clock
from bot.services.errors import NotAllowed
from bot.services.scam_check import RuleLibrary, ScamChecker, defang_links
from storage.audit import AuditRepo
from storage.db import Database
from storage.models import Role
from storage.scam_checks import RuleEdit, ScamCheckRepo, ScamRuleEditRepo

logger = logging.getLogger(__name__)

#: Who may add to the rules and remove what was added (everyone on the staff may look).
RULE_EDITORS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
#: A phrase, once folded, has at least this many characters (one character matches everywhere).
MIN_PHRASE_CHARS = 2
MAX_PHRASE_CHARS = 40
MAX_MEANING_CHARS = 80
WEIGHTS = (1, 2, 3)
#: The preview looks at this many of the latest checks kept.
PREVIEW_CHECKS = 2000
PREVIEW_SAMPLES = 3
SAMPLE_CHARS = 80
#: Signals added by command are named so; the number is the edit's id.
ADDED_SIGNAL = "added_{id}"


class RuleProblem(Exception):
    """An addition that cannot be made; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class RuleAddition:
    """What an officer is adding: a phrase to a signal of a type, or (signal None) a new signal
    of the type with its meaning and weight."""

    type_id: str
    signal_id: str | None
    phrase: str
    say_zh: str | None = None
    say_en: str | None = None
    weight: int | None = None


@dataclass(frozen=True)
class RulePreview:
    """Among the checks still kept: how many contain the phrase, how many of those would now be
    named as the type that were not before, and a few of them (defanged, shortened)."""

    looked_at: int
    matched: int
    newly_named: int
    samples: tuple[str, ...]


def may_edit_rules(roles: Iterable[Role]) -> bool:
    return any(role in RULE_EDITORS for role in roles)


def layered(library: RuleLibrary, edits: Iterable[RuleEdit]) -> RuleLibrary:
    """The library with the edits applied in order; an edit whose type or signal is no longer
    there (the shipped file changed) is left out, with a warning."""
    data = library.model_dump()
    for edit in edits:
        fraud = data["types"].get(edit.type_id)
        if fraud is None:
            logger.warning("scam rule edit %s: no type %s any more; not applied", edit.id, edit.type_id)
            continue
        if edit.new_signal:
            signal_id = ADDED_SIGNAL.format(id=edit.id)
            data["signals"][signal_id] = {"say": {"zh": edit.say_zh, "en": edit.say_en}, "phrases": [edit.phrase],
                                          "patterns": []}
            fraud["signals"][signal_id] = edit.weight
        elif edit.signal_id in data["signals"]:
            data["signals"][edit.signal_id]["phrases"].append(edit.phrase)
        else:
            logger.warning("scam rule edit %s: no signal %s any more; not applied", edit.id, edit.signal_id)
    return RuleLibrary.model_validate(data)


class ScamRules:
    """The checker in use, rebuilt whenever the rules change."""

    def __init__(self, db: Database, clock: Clock, shipped: RuleLibrary | None = None) -> None:
        self._db = db
        self._clock = clock
        self._shipped = shipped or RuleLibrary.shipped()
        self._edits = ScamRuleEditRepo(db)
        self._checks = ScamCheckRepo(db)
        self._audit = AuditRepo(db)
        self.checker = ScamChecker(self._shipped)

    async def load(self) -> None:
        """The shipped rules with the stored edits over them (at start, and after each change)."""
        self.checker = ScamChecker(layered(self._shipped, await self._edits.active()))

    @property
    def library(self) -> RuleLibrary:
        return self.checker.library

    async def added(self) -> list[RuleEdit]:
        return await self._edits.active()

    def problem(self, addition: RuleAddition) -> str | None:
        """Why the addition cannot be made, or None."""
        fraud = self.library.types.get(addition.type_id)
        if fraud is None:
            return "unknown_type"
        if addition.signal_id is not None and addition.signal_id not in fraud.signals:
            return "unknown_signal"
        folded = self.checker.fold(addition.phrase)[0]
        if len(folded) < MIN_PHRASE_CHARS:
            return "too_short"
        if len(addition.phrase) > MAX_PHRASE_CHARS:
            return "too_long"
        if any(folded == self.checker.fold(p)[0] for sid in fraud.signals for p in self.library.signals[sid].phrases):
            return "known"
        if addition.signal_id is None and not (addition.say_zh and addition.say_en and addition.weight in WEIGHTS):
            return "incomplete"
        return None

    def _trial(self, addition: RuleAddition) -> ScamChecker:
        """The checker as it would be with the addition."""
        edit = RuleEdit(id=0, type_id=addition.type_id, signal_id=addition.signal_id,
                        new_signal=addition.signal_id is None, phrase=addition.phrase,
                        say_zh=addition.say_zh or "-", say_en=addition.say_en or "-", weight=addition.weight or 1,
                        added_by=0, added_at=self._clock.now())
        return ScamChecker(layered(self.library, [edit]))

    async def preview(self, addition: RuleAddition) -> RulePreview:
        """What the addition would have matched among the checks still kept."""
        trial = self._trial(addition)
        phrase = trial.fold(addition.phrase)[0]
        stored = await self._checks.with_text(PREVIEW_CHECKS)
        matched = [check for check in stored if phrase in trial.fold(check.text)[0]]
        newly = [check for check in matched if self.checker.check(check.text).type_id != addition.type_id
                 and trial.check(check.text).type_id == addition.type_id]
        samples = tuple(_sample(check.text) for check in (newly + [c for c in matched if c not in newly]))
        return RulePreview(len(stored), len(matched), len(newly), samples[:PREVIEW_SAMPLES])

    async def add(self, actor_id: int, roles: Iterable[Role], addition: RuleAddition) -> int:
        """Stores the addition (audited) and puts it to use at once; returns its id."""
        if not may_edit_rules(roles):
            raise NotAllowed()
        problem = self.problem(addition)
        if problem is not None:
            raise RuleProblem(problem)
        now = self._clock.now()
        async with self._db.transaction():
            edit_id = await self._edits.add(addition.type_id, addition.signal_id, addition.phrase, actor_id, now,
                                            say_zh=addition.say_zh, say_en=addition.say_en, weight=addition.weight)
            await self._audit.record(now, actor_id, "scam_rule.added", "scam_rule", edit_id, {
                "type": addition.type_id, "signal": addition.signal_id or ADDED_SIGNAL.format(id=edit_id),
                "phrase": addition.phrase, "weight": addition.weight})
        await self.load()
        return edit_id

    async def remove(self, actor_id: int, roles: Iterable[Role], edit_id: int) -> RuleEdit:
        """Takes an added phrase or signal out of use (audited); RuleProblem if it is gone already."""
        if not may_edit_rules(roles):
            raise NotAllowed()
        now = self._clock.now()
        async with self._db.transaction():
            edit = await self._edits.get(edit_id)
            if edit is None or not await self._edits.remove(edit_id, actor_id, now):
                raise RuleProblem("gone")
            if edit.new_signal:
                await self._edits.remove_phrases_of(ADDED_SIGNAL.format(id=edit_id), actor_id, now)
            await self._audit.record(now, actor_id, "scam_rule.removed", "scam_rule", edit_id, {
                "type": edit.type_id, "signal": edit.signal_id or ADDED_SIGNAL.format(id=edit_id),
                "phrase": edit.phrase})
        await self.load()
        return edit


def _sample(text: str) -> str:
    text = defang_links(" ".join(text.split()))
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS - 1] + "…"
