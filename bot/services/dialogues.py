"""The dialogue kernel's storage side: every dialogue's draft in one table, one timeout and reminder
policy that each dialogue configures, and the lookups the private-message router needs.

A draft is saved after every answer, so a restart or a wrong input loses nothing. PTB's own
conversation timeouts live in memory and would forget a pause across a restart; here the last
answer's time is stored and each policy is applied to it, at lookup and by one sweep job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot.clock import Clock
from storage.db import Database
from storage.dialogues import DialogueAnswerRepo, DialogueDraftRepo
from storage.models import DialogueAnswer, Draft

#: Telegram splits a text longer than 4096 characters into parts; a text this long may be one.
FRAGMENT_CHARS = 4000
#: The next part comes within this time of the one before.
FRAGMENT_WINDOW = timedelta(seconds=3)


class DialogueName(StrEnum):
    """Stored in `dialogue_drafts.dialogue`: keep the values."""

    REPORT = "report"  # a resident's incident or dispute report
    ADDITION = "addition"  # more information for a submitted report
    ALERT = "alert"  # an officer composing an urgent alert
    TIP = "tip"  # a resident answering an alert ("I have information")
    SCHEDULE = "schedule"  # an officer adding a notice schedule
    SCAM_CHECK = "scam_check"  # a resident about to paste a message to check
    LIBRARY_ENTRY = "library_entry"  # an administrator adding a tip or a theme to the notice library
    SCAM_RULE = "scam_rule"  # an officer adding a phrase or signal to the scam rules (/scamrules)
    MEDIATION_SUMMARY = "mediation_summary"  # a mediator writing the summary for the other party
    MEDIATION_DECLINE = "mediation_decline"  # the other party saying why they declined (optional)
    MEDIATION_ACCOUNT = "mediation_account"  # a party telling the mediator their side
    MEDIATION_SLOTS = "mediation_slots"  # a mediator proposing meeting times
    MEDIATION_AGREEMENT = "mediation_agreement"  # a mediator recording the outcome


@dataclass(frozen=True)
class HeldText:
    """A part of a split text, held for what follows (DialogueStore.take_fragment)."""

    text: str
    joinable: bool  # the message arriving now continues it


@dataclass(frozen=True)
class TimeoutPolicy:
    """How long a dialogue waits for its next answer."""

    #: Untouched this long, the draft is gone.
    expires_after: timedelta
    #: Untouched this long, its owner is reminded once (None: never).
    remind_after: timedelta | None = None
    #: A draft found past its time at the person's next message or press is handed to its dialogue
    #: (marked `timed_out`) so it can say so, instead of the message being taken as an answer.
    tell_when_timed_out: bool = False
    #: A draft holding a case (an urgent report, already with the staff) is never just dropped:
    #: the sweep hands it to its dialogue, which closes the case with what the draft holds.
    closes_its_case: bool = False


#: Exclusive pairs: starting one of these drops the person's draft of the other (a person writes
#: a report or adds to one, and composes an alert or answers one, not both at once).
EXCLUSIVE = {
    DialogueName.REPORT: DialogueName.ADDITION, DialogueName.ADDITION: DialogueName.REPORT,
    DialogueName.ALERT: DialogueName.TIP, DialogueName.TIP: DialogueName.ALERT,
}


def default_policies(config: Any) -> dict[DialogueName, TimeoutPolicy]:
    """Each dialogue's policy, from the settings where operators set them."""
    report = TimeoutPolicy(expires_after=timedelta(hours=config.reports.draft_ttl_hours),
                           remind_after=timedelta(minutes=config.reports.idle_reminder_minutes),
                           closes_its_case=True)
    return {
        DialogueName.REPORT: report,
        DialogueName.ADDITION: TimeoutPolicy(expires_after=report.expires_after),  # no reminder: nothing is lost
        # An alert is urgent: a draft left half an hour is worth a nudge; after a day it is stale.
        DialogueName.ALERT: TimeoutPolicy(expires_after=timedelta(hours=24), remind_after=timedelta(minutes=30)),
        DialogueName.TIP: TimeoutPolicy(expires_after=timedelta(hours=24)),
        DialogueName.SCHEDULE: TimeoutPolicy(expires_after=timedelta(minutes=15), tell_when_timed_out=True),
        # Waiting for one pasted message: after half an hour, a message is not the one asked for.
        DialogueName.SCAM_CHECK: TimeoutPolicy(expires_after=timedelta(minutes=30)),
        DialogueName.LIBRARY_ENTRY: TimeoutPolicy(expires_after=timedelta(minutes=30), tell_when_timed_out=True),
        DialogueName.SCAM_RULE: TimeoutPolicy(expires_after=timedelta(minutes=30)),
        # Mediation: what was already sent is kept; an untouched question simply lapses after a day.
        DialogueName.MEDIATION_SUMMARY: TimeoutPolicy(expires_after=timedelta(hours=24)),
        DialogueName.MEDIATION_DECLINE: TimeoutPolicy(expires_after=timedelta(hours=24)),
        DialogueName.MEDIATION_ACCOUNT: TimeoutPolicy(expires_after=timedelta(hours=24)),
        DialogueName.MEDIATION_SLOTS: TimeoutPolicy(expires_after=timedelta(hours=24)),
        DialogueName.MEDIATION_AGREEMENT: TimeoutPolicy(expires_after=timedelta(hours=24)),
    }


class DialogueStore:
    """Drafts of every dialogue, with their policies applied."""

    def __init__(self, db: Database, clock: Clock, policies: Mapping[DialogueName, TimeoutPolicy]) -> None:
        self._db = db
        self._clock = clock
        self._policies = dict(policies)
        self._repo = DialogueDraftRepo(db)
        self._answers = DialogueAnswerRepo(db)

    def policy(self, dialogue: DialogueName) -> TimeoutPolicy:
        return self._policies[dialogue]

    # --- lookups -------------------------------------------------------------------------------

    async def get(self, user_id: int, dialogue: DialogueName) -> Draft | None:
        """The person's draft of that dialogue, with its policy applied (see `_live`)."""
        return await self._live(await self._repo.get(user_id, dialogue))

    async def open_drafts(self, user_id: int) -> list[Draft]:
        """Every dialogue the person has open, the one touched last first."""
        found = [await self._live(draft) for draft in await self._repo.of_person(user_id)]
        return [draft for draft in found if draft is not None]

    async def _live(self, draft: Draft | None) -> Draft | None:
        """A draft past its time is deleted: None, or (if its dialogue tells) a copy marked
        `timed_out`. A draft that closes its case (`TimeoutPolicy.closes_its_case`) is left to the
        sweep."""
        if draft is None or not self._expired(draft) or self._closes_case(draft):
            return draft
        await self._drop(draft.user_id, draft.dialogue)
        if self._policies[DialogueName(draft.dialogue)].tell_when_timed_out:
            return draft.model_copy(update={"timed_out": True})
        return None

    def _closes_case(self, draft: Draft) -> bool:
        return draft.case_id is not None and self._policies[DialogueName(draft.dialogue)].closes_its_case

    def _expired(self, draft: Draft) -> bool:
        policy = self._policies[DialogueName(draft.dialogue)]
        return draft.updated_at <= self._clock.now() - policy.expires_after

    # --- changes -------------------------------------------------------------------------------

    async def start(self, user_id: int, dialogue: DialogueName, state: str, *, data: dict[str, Any] | None = None,
                    **fields: Any) -> Draft:
        """A fresh draft at its first state, replacing the person's earlier one of that dialogue
        (and of the dialogue it excludes)."""
        now = self._clock.now()
        draft = Draft(user_id=user_id, dialogue=str(dialogue), state=str(state), data=data or {},
                      started_at=now, updated_at=now, **fields)
        async with self._db.transaction():
            if dialogue in EXCLUSIVE:
                await self._drop(user_id, EXCLUSIVE[dialogue])
            await self._answers.forget_open(user_id, dialogue)
            await self._repo.save(draft)
        return draft

    async def save(self, draft: Draft, **changes: Any) -> Draft:
        """Saves an answer: the changes, and now as the last activity (the reminder may come again)."""
        updated = draft.model_copy(update={**changes, "updated_at": self._clock.now(), "reminded_at": None})
        await self._repo.save(updated)
        return updated

    async def remember_prompt(self, draft: Draft, message_id: int | None) -> Draft:
        """The message whose buttons answer the current state (older ones are stale). Asking is
        the bot's doing, not the person's: it does not count as activity."""
        await self._repo.set_prompt(draft.user_id, draft.dialogue, message_id)
        return draft.model_copy(update={"prompt_message_id": message_id})

    async def drop(self, user_id: int, dialogue: DialogueName) -> bool:
        """Ends the dialogue without a case: the draft and its answers' messages are forgotten.
        (No transaction of its own: services call it inside theirs.)"""
        return await self._drop(user_id, dialogue)

    async def _drop(self, user_id: int, dialogue: str) -> bool:
        await self._answers.forget_open(user_id, dialogue)
        return await self._repo.delete(user_id, dialogue)

    async def finish(self, user_id: int, dialogue: DialogueName, case_id: int) -> None:
        """Ends the dialogue with its case sent: the messages that answered it now lead to the case
        (an edit of one later is added to it as a correction). Inside the caller's transaction."""
        await self._answers.attach_case(user_id, dialogue, case_id)
        await self._repo.discard(user_id, dialogue)

    # --- which message answered what ----------------------------------------------------------------

    async def note_answer(self, draft: Draft, message_id: int, *, taken: bool) -> None:
        """The message came to the draft's state (as it was then) and was taken, or refused."""
        await self._answers.record(draft.user_id, message_id, draft.dialogue, draft.state, taken, self._clock.now())

    async def answer_of(self, user_id: int, message_id: int) -> DialogueAnswer | None:
        """What the message answered, if it answered anything still open or sent."""
        return await self._answers.get(user_id, message_id)

    # --- texts Telegram splits ----------------------------------------------------------------------

    async def hold_fragment(self, draft: Draft, text: str) -> Draft:
        """Keeps a text that may be the first part of a split one, for the part that follows."""
        updated = draft.model_copy(update={"held_text": text, "held_at": self._clock.now()})
        await self._repo.save(updated)
        return updated

    async def take_fragment(self, draft: Draft, *, window_over: bool = False) -> tuple[Draft, HeldText | None]:
        """The held part (now let go), and whether the message arriving now can be its continuation
        (it comes within FRAGMENT_WINDOW); None if nothing was held."""
        if draft.held_text is None:
            return draft, None
        joinable = not window_over and self._clock.now() - draft.held_at <= FRAGMENT_WINDOW
        updated = draft.model_copy(update={"held_text": None, "held_at": None})
        await self._repo.save(updated)
        return updated, HeldText(draft.held_text, joinable)

    # --- the sweep (one job for every dialogue) ---------------------------------------------------

    async def due_reminders(self) -> list[Draft]:
        """Drafts idle past their dialogue's reminder time, each returned once (marked reminded)."""
        now = self._clock.now()
        due = []
        async with self._db.transaction():
            for dialogue, policy in self._policies.items():
                if policy.remind_after is None:
                    continue
                for draft in await self._repo.idle_unreminded(dialogue, now - policy.remind_after):
                    if self._expired(draft):
                        continue  # the expiry sweep has its say instead
                    reminded = draft.model_copy(update={"reminded_at": now})
                    await self._repo.save(reminded)
                    due.append(reminded)
        return due

    async def expire(self) -> list[Draft]:
        """Deletes the drafts past their time and returns them, for their dialogues to tell the
        person. Drafts that close their case are returned but kept: their dialogue closes them."""
        now = self._clock.now()
        gone = []
        async with self._db.transaction():
            for dialogue, policy in self._policies.items():
                for draft in await self._repo.untouched_since(dialogue, now - policy.expires_after):
                    if not self._closes_case(draft):
                        await self._drop(draft.user_id, draft.dialogue)
                    gone.append(draft)
        return gone
