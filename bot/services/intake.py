"""The report dialogue as a state machine over a draft stored in SQLite.

Every answer is validated and saved at once, so a restart loses nothing and a wrong input only
costs one more try. This module knows steps, answers and rules; what each step *says* and how
buttons look is the handlers' business (handlers/report_prompts.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config_reports import ReportSettings
from bot.services.dialogues import DialogueName, DialogueStore
from bot.validators import DateProblem, TextProblem, check_text, normalise_phone, parse_past_date
from storage.db import Database
from storage.models import Draft
from storage.reports import ReporterPrefsRepo


class Step(StrEnum):
    """What the bot is waiting for. Values are stored and appear in callback data: keep them."""

    CHOOSING_KIND = "kind"
    CHOOSING_CATEGORY = "category"
    ASKING_URGENCY = "urgency"
    DESCRIBING = "describe"
    ADDING_PHOTOS = "photos"
    LOCATING = "where"
    CHOOSING_WHEN = "when"
    CHOOSING_DATE = "date"
    CHOOSING_DISPUTE_KIND = "dkind"
    NAMING_OTHER_PARTY = "party"
    TELLING_HISTORY = "history"
    STATING_OUTCOME = "outcome"
    CHOOSING_MEDIATION = "mediation"
    CHOOSING_MEDIATION_TIMES = "mtimes"
    SHARING_CONTACT = "contact"
    REVIEWING = "review"
    ADDING_INFO = "addinfo"


INCIDENT_FLOW = (
    Step.CHOOSING_CATEGORY, Step.ASKING_URGENCY, Step.DESCRIBING, Step.ADDING_PHOTOS, Step.LOCATING,
    Step.CHOOSING_WHEN, Step.SHARING_CONTACT, Step.REVIEWING,
)
DISPUTE_FLOW = (
    Step.CHOOSING_DISPUTE_KIND, Step.NAMING_OTHER_PARTY, Step.DESCRIBING, Step.TELLING_HISTORY,
    Step.STATING_OUTCOME, Step.CHOOSING_MEDIATION, Step.SHARING_CONTACT, Step.REVIEWING,
)
# Steps reached only from another step's answer, and where they lead.
SUB_STEPS = {Step.CHOOSING_DATE: Step.CHOOSING_WHEN, Step.CHOOSING_MEDIATION_TIMES: Step.CHOOSING_MEDIATION}
# The fields a person can change from the review, per kind, in the order shown.
EDITABLE = {
    "incident": (Step.CHOOSING_CATEGORY, Step.DESCRIBING, Step.ADDING_PHOTOS, Step.LOCATING, Step.CHOOSING_WHEN,
                 Step.SHARING_CONTACT),
    "dispute": (Step.CHOOSING_DISPUTE_KIND, Step.NAMING_OTHER_PARTY, Step.DESCRIBING, Step.TELLING_HISTORY,
                Step.STATING_OUTCOME, Step.CHOOSING_MEDIATION, Step.SHARING_CONTACT),
}
MEDIATION_TIMES = ("weekday_morning", "weekday_afternoon", "weekday_evening", "weekend", "any")
FREE_TEXT_LIMIT = 300  # other party, address, preferred times: short answers
#: Words people type for "when" instead of tapping a button, in either language.
WHEN_WORDS = {
    "now": "now", "justnow": "now", "rightnow": "now", "现在": "now", "刚才": "now", "刚刚": "now", "正在": "now",
    "today": "today", "earliertoday": "today", "今天": "today", "今日": "today",
    "yesterday": "yesterday", "昨天": "yesterday", "昨日": "yesterday",
}
ANONYMOUS_WORDS = frozenset({"anonymous", "stayanonymous", "anon", "匿名", "保持匿名", "不留电话", "不留"})


class AnswerType(StrEnum):
    CHOICE = "choice"
    TEXT = "text"
    VOICE = "voice"
    PHOTO = "photo"
    LOCATION = "location"
    CONTACT = "contact"
    OTHER = "other"  # sticker, document, video … something no step takes


@dataclass(frozen=True)
class Answer:
    type: AnswerType
    value: str = ""  # the choice, the text, or a file id
    media_group_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contact_user_id: int | None = None

    @classmethod
    def choice(cls, value: str) -> Answer:
        return cls(AnswerType.CHOICE, value)

    @classmethod
    def text(cls, value: str) -> Answer:
        return cls(AnswerType.TEXT, value)


class Problem(StrEnum):
    """Why the same question is asked again: an answer not taken, or taken for another field."""

    USE_BUTTONS = "use_buttons"
    TEXT_OR_VOICE = "text_or_voice"
    TEXT_ONLY = "text_only"
    TEXT_TOO_LONG = "text_too_long"
    ADDED_TO_DESCRIPTION = "added_to_description"  # not a mistake: said before the same question again
    TEXT_EMPTY = "text_empty"
    PHOTOS_ONLY = "photos_only"
    TOO_MANY_PHOTOS = "too_many_photos"
    LOCATION_EXPECTED = "location_expected"
    NOT_A_PHONE = "not_a_phone"
    NOT_OWN_CONTACT = "not_own_contact"
    CONTACT_REQUIRED = "contact_required"
    DATE_UNREADABLE = "date_unreadable"
    DATE_IN_FUTURE = "date_in_future"
    DATE_TOO_OLD = "date_too_old"
    FIRST_STEP = "first_step"


@dataclass(frozen=True)
class Outcome:
    """What happened to an answer: the draft now, and what the person should be told."""

    draft: Draft
    advanced: bool = False  # a new question is due
    problem: Problem | None = None
    photos_added: int = 0
    photos_refused: int = 0
    same_album: bool = False  # a further photo of an album already acknowledged
    urgent_now: bool = False  # the person just said it is happening now
    extra: dict[str, Any] = field(default_factory=dict)


class IntakeService:
    def __init__(self, db: Database, clock: Clock, settings: ReportSettings, timezone: ZoneInfo,
                 dialogues: DialogueStore) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._tz = timezone
        self._dialogues = dialogues
        self._prefs = ReporterPrefsRepo(db)

    @property
    def settings(self) -> ReportSettings:
        return self._settings

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    # --- lifecycle ---------------------------------------------------------------------------

    async def draft(self, user_id: int) -> Draft | None:
        """The person's report or addition in progress, unless it has expired (then it is gone).

        An urgent report's draft (its case is already open) is left to the dialogue sweep, which
        closes the case with it; until then the person may still finish it."""
        return (await self._dialogues.get(user_id, DialogueName.REPORT)
                or await self._dialogues.get(user_id, DialogueName.ADDITION))

    async def start_report(self, user_id: int, origin_group_id: int | None, kind: str | None = None) -> Draft:
        """A fresh report draft (replacing any other), at the first question."""
        data: dict[str, Any] = {}
        step = Step.CHOOSING_KIND
        history: tuple[str, ...] = ()
        if kind in ("incident", "dispute"):
            data["kind"] = kind
            step = _flow(kind)[0]
            history = (Step.CHOOSING_KIND.value,)
        return await self._dialogues.start(user_id, DialogueName.REPORT, step, data=data, history=history,
                                           origin_group_id=origin_group_id)

    async def start_addition(self, user_id: int, case_id: int) -> Draft:
        return await self._dialogues.start(user_id, DialogueName.ADDITION, Step.ADDING_INFO, case_id=case_id)

    async def remember_prompt(self, draft: Draft, message_id: int) -> Draft:
        """The message whose buttons answer the current step (older ones are stale)."""
        return await self._dialogues.remember_prompt(draft, message_id)

    async def touch(self, draft: Draft) -> Draft:
        """Resuming counts as activity: the idle reminder may come again later."""
        return await self._dialogues.save(draft)

    async def link_case(self, draft: Draft, case_id: int) -> Draft:
        return await self._dialogues.save(draft, case_id=case_id)

    async def discard(self, user_id: int) -> None:
        await self._dialogues.drop(user_id, DialogueName.REPORT)
        await self._dialogues.drop(user_id, DialogueName.ADDITION)

    async def prefers_anonymous(self, user_id: int) -> bool:
        return await self._prefs.prefers_anonymous(user_id)

    # --- navigation --------------------------------------------------------------------------

    async def back(self, draft: Draft) -> Outcome:
        if not draft.history:
            return Outcome(draft, problem=Problem.FIRST_STEP)
        previous = draft.history[-1]
        editing = draft.editing and previous != Step.REVIEWING
        return await self._save(draft, state=previous, history=draft.history[:-1], editing=editing, advanced=True)

    async def edit(self, draft: Draft, step: Step) -> Outcome:
        """From the review: answer one question again, then come back to the review."""
        if draft.state != Step.REVIEWING or step not in EDITABLE[draft.data.get("kind", "incident")]:
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        return await self._save(draft, state=step, history=(*draft.history, draft.state), editing=True, advanced=True)

    # --- answers -----------------------------------------------------------------------------

    async def answer(self, draft: Draft, answer: Answer) -> Outcome:
        """Takes an answer to the current step: saves it and moves on, or says what was wrong."""
        step = Step(draft.state)
        handler = getattr(self, f"_answer_{step.name.lower()}")
        return await handler(draft, answer)

    async def _answer_choosing_kind(self, draft: Draft, answer: Answer) -> Outcome:
        if answer.type is not AnswerType.CHOICE or answer.value not in ("incident", "dispute"):
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        data = {"kind": answer.value} if draft.data.get("kind") != answer.value else draft.data
        return await self._forward(draft, data, next_step=_flow(answer.value)[0])

    async def _answer_choosing_category(self, draft: Draft, answer: Answer) -> Outcome:
        if answer.type is not AnswerType.CHOICE or self._settings.incident_category(answer.value) is None:
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        return await self._forward(draft, {**draft.data, "category": answer.value})

    async def _answer_choosing_dispute_kind(self, draft: Draft, answer: Answer) -> Outcome:
        if answer.type is not AnswerType.CHOICE or self._settings.dispute_kind(answer.value) is None:
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        return await self._forward(draft, {**draft.data, "category": answer.value})

    async def _answer_asking_urgency(self, draft: Draft, answer: Answer) -> Outcome:
        if answer.type is not AnswerType.CHOICE or answer.value not in ("yes", "no"):
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        urgent = answer.value == "yes"
        outcome = await self._forward(draft, {**draft.data, "urgent": urgent})
        return Outcome(outcome.draft, advanced=True, urgent_now=urgent)

    async def _answer_describing(self, draft: Draft, answer: Answer) -> Outcome:
        return await self._text_or_voice(draft, answer, "description")

    async def _answer_telling_history(self, draft: Draft, answer: Answer) -> Outcome:
        return await self._text_or_voice(draft, answer, "history")

    async def _answer_stating_outcome(self, draft: Draft, answer: Answer) -> Outcome:
        return await self._text_or_voice(draft, answer, "outcome")

    async def _text_or_voice(self, draft: Draft, answer: Answer, key: str) -> Outcome:
        if answer.type is AnswerType.VOICE:
            return await self._forward(draft, {**draft.data, key: "", f"{key}_voice": answer.value})
        if answer.type is not AnswerType.TEXT:
            return Outcome(draft, problem=Problem.TEXT_OR_VOICE)
        problem = check_text(answer.value, self._settings.max_text_chars)
        if problem is not None:
            return Outcome(draft, problem=_TEXT_PROBLEMS[problem], extra={"length": len(answer.value.strip())})
        return await self._forward(draft, {**draft.data, key: answer.value.strip(), f"{key}_voice": None})

    async def _answer_naming_other_party(self, draft: Draft, answer: Answer) -> Outcome:
        if answer.type is AnswerType.CHOICE and answer.value == "skip":
            return await self._forward(draft, {**draft.data, "other_party": ""})
        return await self._short_text(draft, answer, "other_party")

    async def _short_text(self, draft: Draft, answer: Answer, key: str, **more: Any) -> Outcome:
        if answer.type is not AnswerType.TEXT:
            return Outcome(draft, problem=Problem.TEXT_ONLY)
        problem = check_text(answer.value, FREE_TEXT_LIMIT)
        if problem is not None:
            return Outcome(draft, problem=_TEXT_PROBLEMS[problem], extra={"length": len(answer.value.strip()),
                                                                            "limit": FREE_TEXT_LIMIT})
        return await self._forward(draft, {**draft.data, key: answer.value.strip(), **more})

    async def _answer_adding_photos(self, draft: Draft, answer: Answer) -> Outcome:
        photos = list(draft.data.get("photos", []))
        if answer.type is AnswerType.CHOICE and answer.value in ("done", "skip"):
            if answer.value == "skip":
                photos = []
            return await self._forward(draft, {**draft.data, "photos": photos}, media_group_id=None)
        if answer.type is AnswerType.TEXT and draft.data.get("kind") == "incident":
            return await self._more_description(draft, answer.value)
        if answer.type is not AnswerType.PHOTO:
            return Outcome(draft, problem=Problem.PHOTOS_ONLY)
        same_album = answer.media_group_id is not None and answer.media_group_id == draft.media_group_id
        if len(photos) >= self._settings.max_photos:
            saved = await self._save(draft, media_group_id=answer.media_group_id)
            return Outcome(saved.draft, problem=Problem.TOO_MANY_PHOTOS, photos_refused=1, same_album=same_album)
        photos.append(answer.value)
        saved = await self._save(draft, data={**draft.data, "photos": photos}, media_group_id=answer.media_group_id)
        return Outcome(saved.draft, photos_added=1, same_album=same_album)

    async def _more_description(self, draft: Draft, text: str) -> Outcome:
        """More details typed where photos were asked for: they belong to the description."""
        description = "\n".join(filter(None, [draft.data.get("description", ""), text.strip()]))
        problem = check_text(description, self._settings.max_text_chars)
        if problem is not None:
            return Outcome(draft, problem=_TEXT_PROBLEMS[problem], extra={"length": len(description)})
        saved = await self._save(draft, data={**draft.data, "description": description})
        return Outcome(saved.draft, problem=Problem.ADDED_TO_DESCRIPTION)

    async def _answer_locating(self, draft: Draft, answer: Answer) -> Outcome:
        where: dict[str, Any]
        if answer.type is AnswerType.LOCATION:
            where = {"latitude": answer.latitude, "longitude": answer.longitude}
        elif answer.type is AnswerType.CHOICE and answer.value.startswith("area."):
            index = answer.value.removeprefix("area.")
            areas = self._settings.areas
            if not index.isdigit() or int(index) >= len(areas):
                return Outcome(draft, problem=Problem.USE_BUTTONS)
            where = {"area": areas[int(index)]}
        elif answer.type is AnswerType.CHOICE and answer.value == "skip":
            where = {}
        elif answer.type is AnswerType.TEXT:
            problem = check_text(answer.value, FREE_TEXT_LIMIT)
            if problem is not None:
                return Outcome(draft, problem=_TEXT_PROBLEMS[problem],
                               extra={"length": len(answer.value.strip()), "limit": FREE_TEXT_LIMIT})
            where = {"address": answer.value.strip()}
        else:
            return Outcome(draft, problem=Problem.LOCATION_EXPECTED)
        return await self._forward(draft, {**draft.data, "where": where})

    async def _answer_choosing_when(self, draft: Draft, answer: Answer) -> Outcome:
        today = self.today()
        if answer.type is AnswerType.CHOICE and answer.value in ("now", "today", "yesterday"):
            day = today - timedelta(days=1) if answer.value == "yesterday" else today
            return await self._forward(draft, {**draft.data, "when": {"kind": answer.value, "date": day.isoformat()}})
        if answer.type is AnswerType.CHOICE and answer.value == "pick":
            return await self._forward(draft, draft.data, next_step=Step.CHOOSING_DATE, keep_editing=True)
        if answer.type is AnswerType.TEXT and (word := WHEN_WORDS.get(_word_key(answer.value))):
            return await self._answer_choosing_when(draft, Answer.choice(word))
        if answer.type is AnswerType.TEXT:
            return await self._typed_date(draft, answer.value)
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def _answer_choosing_date(self, draft: Draft, answer: Answer) -> Outcome:
        if answer.type is AnswerType.CHOICE and answer.value.startswith("d."):
            return await self._typed_date(draft, answer.value.removeprefix("d."))
        if answer.type is AnswerType.TEXT:
            return await self._typed_date(draft, answer.value)
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def _typed_date(self, draft: Draft, text: str) -> Outcome:
        result = parse_past_date(text, self.today())
        if result.problem is not None:
            return Outcome(draft, problem=_DATE_PROBLEMS[result.problem])
        when = {"kind": "date", "date": result.value.isoformat()}
        next_step = self._after(draft, Step.CHOOSING_WHEN)
        return await self._forward(draft, {**draft.data, "when": when}, next_step=next_step)

    async def _answer_choosing_mediation(self, draft: Draft, answer: Answer) -> Outcome:
        if answer.type is not AnswerType.CHOICE or answer.value not in ("yes", "no"):
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        if answer.value == "no":
            return await self._forward(draft, {**draft.data, "mediation": {"willing": False, "times": []}})
        previous = draft.data.get("mediation") or {}
        mediation = {"willing": True, "times": previous.get("times", []), "note": previous.get("note", "")}
        return await self._forward(draft, {**draft.data, "mediation": mediation},
                                   next_step=Step.CHOOSING_MEDIATION_TIMES, keep_editing=True)

    async def _answer_choosing_mediation_times(self, draft: Draft, answer: Answer) -> Outcome:
        mediation = dict(draft.data.get("mediation") or {"willing": True, "times": []})
        if answer.type is AnswerType.CHOICE and answer.value in MEDIATION_TIMES:
            times = set(mediation.get("times", []))
            times ^= {answer.value}  # a tap toggles
            # "Any time" and particular times exclude each other: the latest tap wins.
            if answer.value == "any" and "any" in times:
                times = {"any"}
            elif answer.value != "any":
                times.discard("any")
            mediation["times"] = [t for t in MEDIATION_TIMES if t in times]  # stable display order
            saved = await self._save(draft, data={**draft.data, "mediation": mediation})
            return Outcome(saved.draft, extra={"toggled": answer.value})
        if answer.type is AnswerType.CHOICE and answer.value == "done":
            return await self._forward(draft, draft.data, next_step=self._after(draft, Step.CHOOSING_MEDIATION))
        if answer.type is AnswerType.TEXT:
            problem = check_text(answer.value, FREE_TEXT_LIMIT)
            if problem is not None:
                return Outcome(draft, problem=_TEXT_PROBLEMS[problem],
                               extra={"length": len(answer.value.strip()), "limit": FREE_TEXT_LIMIT})
            mediation["note"] = answer.value.strip()
            return await self._forward(draft, {**draft.data, "mediation": mediation},
                                       next_step=self._after(draft, Step.CHOOSING_MEDIATION))
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def _answer_sharing_contact(self, draft: Draft, answer: Answer) -> Outcome:
        region = self._settings.phone_region
        if answer.type is AnswerType.CHOICE and answer.value == "anonymous":
            if draft.data.get("kind") == "dispute":
                return Outcome(draft, problem=Problem.CONTACT_REQUIRED)
            return await self._forward(draft, {**draft.data, "contact": {"anonymous": True, "phone": None}})
        if answer.type is AnswerType.CONTACT:
            if answer.contact_user_id is not None and answer.contact_user_id != draft.user_id:
                return Outcome(draft, problem=Problem.NOT_OWN_CONTACT)
            phone = normalise_phone(answer.value, "any") or answer.value.strip()
            return await self._forward(draft, {**draft.data, "contact": {"anonymous": False, "phone": phone}})
        if answer.type is AnswerType.TEXT and _word_key(answer.value) in ANONYMOUS_WORDS:
            return await self._answer_sharing_contact(draft, Answer.choice("anonymous"))
        if answer.type is AnswerType.TEXT:
            phone = normalise_phone(answer.value, region)
            if phone is None:
                return Outcome(draft, problem=Problem.NOT_A_PHONE)
            return await self._forward(draft, {**draft.data, "contact": {"anonymous": False, "phone": phone}})
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def _answer_reviewing(self, draft: Draft, answer: Answer) -> Outcome:
        # Submitting and duplicates are the report service's job; any other input re-shows the review.
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def _answer_adding_info(self, draft: Draft, answer: Answer) -> Outcome:
        if answer.type in (AnswerType.TEXT, AnswerType.PHOTO, AnswerType.VOICE):
            if answer.type is AnswerType.TEXT:
                problem = check_text(answer.value, self._settings.max_text_chars)
                if problem is not None:
                    return Outcome(draft, problem=_TEXT_PROBLEMS[problem], extra={"length": len(answer.value.strip())})
            touched = await self._save(draft)
            return Outcome(touched.draft, advanced=True)
        return Outcome(draft, problem=Problem.TEXT_OR_VOICE)

    # --- moving forward ----------------------------------------------------------------------

    def _after(self, draft: Draft, step: Step) -> Step:
        """The step after `step` in this draft's flow (the review, when editing)."""
        if draft.editing:
            return Step.REVIEWING
        flow = _flow(draft.data.get("kind", "incident"))
        return flow[flow.index(step) + 1]

    async def _forward(self, draft: Draft, data: dict[str, Any], *, next_step: Step | None = None,
                       keep_editing: bool = False, **changes: Any) -> Outcome:
        current = Step(draft.state)
        target = next_step or self._after(draft, SUB_STEPS.get(current, current))
        if current is Step.CHOOSING_KIND and target is not Step.REVIEWING:
            editing = False  # a new kind means a new set of questions
        else:
            editing = draft.editing and (keep_editing or target is not Step.REVIEWING)
        return await self._save(draft, data=data, state=target.value, history=(*draft.history, draft.state),
                                editing=editing, advanced=True, **changes)

    async def _save(self, draft: Draft, *, advanced: bool = False, **changes: Any) -> Outcome:
        return Outcome(await self._dialogues.save(draft, **changes), advanced=advanced)


def _flow(kind: str) -> tuple[Step, ...]:
    return DISPUTE_FLOW if kind == "dispute" else INCIDENT_FLOW


_TEXT_PROBLEMS = {TextProblem.EMPTY: Problem.TEXT_EMPTY, TextProblem.TOO_LONG: Problem.TEXT_TOO_LONG}
_DATE_PROBLEMS = {
    DateProblem.UNREADABLE: Problem.DATE_UNREADABLE,
    DateProblem.IN_FUTURE: Problem.DATE_IN_FUTURE,
    DateProblem.TOO_OLD: Problem.DATE_TOO_OLD,
}


def is_complete(draft: Draft) -> bool:
    """Whether a report draft has every answer its review needs."""
    data = draft.data
    if data.get("kind") == "dispute":
        required = ("category", "description", "history", "outcome", "mediation", "contact")
    else:
        required = ("category", "urgent", "description", "where", "when", "contact")
    return all(key in data for key in required) and (
        bool(data.get("description")) or bool(data.get("description_voice"))
    )


def _word_key(text: str) -> str:
    """A typed word as it is looked up: full-width forms folded, no case, spaces or punctuation."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())
