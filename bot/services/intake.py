"""The report dialogue as a state machine over a draft stored in SQLite.

Every answer is validated and saved at once, so a restart loses nothing and a wrong input only
costs one more try. This module knows steps, answers and rules; what each step *says* and how
buttons look is the handlers' business (handlers/report_prompts.py).
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Awaitable, Callable
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


class State(StrEnum):
    """What the report dialogue waits for. Values are stored in drafts and appear in callback
    data: keep them."""

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


class AdditionState(StrEnum):
    """What adding information to a submitted case (/myreports) waits for. Stored: keep it."""

    ADDING_INFO = "addinfo"


INCIDENT_FLOW = (
    State.CHOOSING_CATEGORY, State.ASKING_URGENCY, State.DESCRIBING, State.ADDING_PHOTOS, State.LOCATING,
    State.CHOOSING_WHEN, State.SHARING_CONTACT, State.REVIEWING,
)
# A dispute has a place and may have photos too (a leak, a blocked lane).
DISPUTE_FLOW = (
    State.CHOOSING_DISPUTE_KIND, State.NAMING_OTHER_PARTY, State.DESCRIBING, State.ADDING_PHOTOS, State.LOCATING,
    State.TELLING_HISTORY, State.STATING_OUTCOME, State.CHOOSING_MEDIATION, State.SHARING_CONTACT, State.REVIEWING,
)
# Steps reached only from another step's answer, and where they lead.
SUB_STEPS = {State.CHOOSING_DATE: State.CHOOSING_WHEN, State.CHOOSING_MEDIATION_TIMES: State.CHOOSING_MEDIATION}
# The fields a person can change from the review, per kind, in the order shown.
EDITABLE = {
    "incident": (State.CHOOSING_CATEGORY, State.DESCRIBING, State.ADDING_PHOTOS, State.LOCATING, State.CHOOSING_WHEN,
                 State.SHARING_CONTACT),
    "dispute": (State.CHOOSING_DISPUTE_KIND, State.NAMING_OTHER_PARTY, State.DESCRIBING, State.ADDING_PHOTOS,
                State.LOCATING, State.TELLING_HISTORY, State.STATING_OUTCOME, State.CHOOSING_MEDIATION,
                State.SHARING_CONTACT),
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
    caption: str = ""  # a photo's caption: text where text is asked for

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
    NOT_CORRECTABLE = "not_correctable"  # an edit of a message whose answer cannot be told apart


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

    async def start_report(self, user_id: int, origin_group_id: int | None, kind: str | None = None, *,
                           category: str | None = None, received_message: str | None = None) -> Draft:
        """A fresh report draft (replacing any other), at the first question not answered yet: a
        kind and an incident category may be given (a check turned into a report), and the message
        the person received is kept with it."""
        data: dict[str, Any] = {}
        step = State.CHOOSING_KIND
        history: tuple[str, ...] = ()
        if kind in ("incident", "dispute"):
            data["kind"] = kind
            step = _flow(kind)[0]
            history = (State.CHOOSING_KIND.value,)
            if kind == "incident" and category and self._settings.incident_category(category) is not None:
                data["category"] = category
                history, step = (*history, step.value), INCIDENT_FLOW[1]
        if received_message:
            data["received_message"] = received_message.strip()[:self._settings.max_text_chars]
        return await self._dialogues.start(user_id, DialogueName.REPORT, step, data=data, history=history,
                                           origin_group_id=origin_group_id)

    async def start_addition(self, user_id: int, case_id: int) -> Draft:
        return await self._dialogues.start(user_id, DialogueName.ADDITION, AdditionState.ADDING_INFO,
                                           case_id=case_id)

    async def touch(self, draft: Draft) -> Draft:
        """Resuming counts as activity: the idle reminder may come again later."""
        return await self._dialogues.save(draft)

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
        editing = draft.editing and previous != State.REVIEWING
        return await self._save(draft, state=previous, history=draft.history[:-1], editing=editing, advanced=True)

    async def edit(self, draft: Draft, step: State) -> Outcome:
        """From the review: answer one question again, then come back to the review."""
        if draft.state != State.REVIEWING or step not in EDITABLE[draft.data.get("kind", "incident")]:
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        return await self._save(draft, state=step, history=(*draft.history, draft.state), editing=True, advanced=True)

    # --- corrections (an edited message) ------------------------------------------------------

    async def correct(self, draft: Draft, state: State, text: str) -> Outcome:
        """The message that answered `state` was edited: its new text is checked as that state's
        answer and replaces the old one; the draft stays at its current question."""
        if state not in CORRECTABLE:
            return Outcome(draft, problem=Problem.NOT_CORRECTABLE)
        probe = draft.model_copy(update={"state": state.value, "editing": True})
        checked = await STEPS[state](self._checking_only(), probe, Answer.text(text))
        if checked.problem is not None:
            return Outcome(draft, problem=checked.problem, extra=checked.extra)
        return await self._save(draft, data=checked.draft.data)

    def _checking_only(self) -> IntakeService:
        """This service with a store that saves nothing: a step run on it only says what it would do."""
        checking = copy.copy(self)
        checking._dialogues = _Unsaved()
        return checking

    # --- answers -----------------------------------------------------------------------------

    async def answer(self, draft: Draft, answer: Answer) -> Outcome:
        """Takes an answer to the draft's state (its step in the table below): saves it and moves
        on, or says what was wrong."""
        if draft.dialogue == DialogueName.ADDITION:
            return await ADDITION_STEPS[AdditionState(draft.state)](self, draft, answer)
        return await STEPS[State(draft.state)](self, draft, answer)

    async def choose_kind(self, draft: Draft, answer: Answer) -> Outcome:
        """The kind (incident or dispute) chooses the questions that follow."""
        if answer.type is not AnswerType.CHOICE or answer.value not in ("incident", "dispute"):
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        data = {"kind": answer.value} if draft.data.get("kind") != answer.value else draft.data
        return await self._forward(draft, data, next_step=_flow(answer.value)[0])

    async def choose_category(self, draft: Draft, answer: Answer) -> Outcome:
        """The incident's category, from its buttons."""
        if answer.type is not AnswerType.CHOICE or self._settings.incident_category(answer.value) is None:
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        return await self._forward(draft, {**draft.data, "category": answer.value})

    async def choose_dispute_kind(self, draft: Draft, answer: Answer) -> Outcome:
        """The dispute's kind, from its buttons."""
        if answer.type is not AnswerType.CHOICE or self._settings.dispute_kind(answer.value) is None:
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        return await self._forward(draft, {**draft.data, "category": answer.value})

    async def answer_urgency(self, draft: Draft, answer: Answer) -> Outcome:
        """Whether it is happening now: yes opens a red case at once (the handlers do)."""
        if answer.type is not AnswerType.CHOICE or answer.value not in ("yes", "no"):
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        urgent = answer.value == "yes"
        data = {**draft.data, "urgent": urgent}
        if urgent:  # it is happening now: "when did it happen?" answers itself
            data["when"] = {"kind": "now", "date": self.today().isoformat()}
        outcome = await self._forward(draft, data)
        return Outcome(outcome.draft, advanced=True, urgent_now=urgent)

    async def describe(self, draft: Draft, answer: Answer) -> Outcome:
        """What happened, typed or spoken."""
        return await self._text_or_voice(draft, answer, "description")

    async def tell_history(self, draft: Draft, answer: Answer) -> Outcome:
        """How long it has gone on and what was tried, typed or spoken."""
        return await self._text_or_voice(draft, answer, "history")

    async def state_outcome(self, draft: Draft, answer: Answer) -> Outcome:
        """The outcome wanted, typed or spoken."""
        return await self._text_or_voice(draft, answer, "outcome")

    async def _text_or_voice(self, draft: Draft, answer: Answer, key: str) -> Outcome:
        if answer.type is AnswerType.VOICE:
            return await self._forward(draft, {**draft.data, key: "", f"{key}_voice": answer.value})
        data = dict(draft.data)
        if answer.type is AnswerType.PHOTO and answer.caption.strip() and key == "description":
            # A photo with the story as its caption: the caption is the answer, the photo is kept.
            data["photos"] = [*data.get("photos", []), answer.value][:self._settings.max_photos]
            answer = Answer.text(answer.caption)
        if answer.type is not AnswerType.TEXT:
            return Outcome(draft, problem=Problem.TEXT_OR_VOICE)
        problem = check_text(answer.value, self._settings.max_text_chars)
        if problem is not None:
            return Outcome(draft, problem=_TEXT_PROBLEMS[problem], extra={"length": len(answer.value.strip())})
        return await self._forward(draft, {**data, key: answer.value.strip(), f"{key}_voice": None})

    async def name_other_party(self, draft: Draft, answer: Answer) -> Outcome:
        """Who the other party is (optional)."""
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

    async def add_photo(self, draft: Draft, answer: Answer) -> Outcome:
        """One photo (an album is several), Done / Skip, or more details typed."""
        photos = list(draft.data.get("photos", []))
        if answer.type is AnswerType.CHOICE and answer.value in ("done", "skip"):
            if answer.value == "skip":
                photos = []
            return await self._forward(draft, {**draft.data, "photos": photos}, media_group_id=None)
        if answer.type is AnswerType.TEXT:
            return await self._more_description(draft, answer.value)
        if answer.type is not AnswerType.PHOTO:
            return Outcome(draft, problem=Problem.PHOTOS_ONLY)
        same_album = answer.media_group_id is not None and answer.media_group_id == draft.media_group_id
        if len(photos) >= self._settings.max_photos:
            saved = await self._save(draft, media_group_id=answer.media_group_id)
            return Outcome(saved.draft, problem=Problem.TOO_MANY_PHOTOS, photos_refused=1, same_album=same_album)
        photos.append(answer.value)
        data = {**draft.data, "photos": photos}
        if answer.caption.strip():  # a caption's words belong to the description, as typed ones do
            description = "\n".join(filter(None, [data.get("description", ""), answer.caption.strip()]))
            if check_text(description, self._settings.max_text_chars) is None:
                data["description"] = description
        saved = await self._save(draft, data=data, media_group_id=answer.media_group_id)
        return Outcome(saved.draft, photos_added=1, same_album=same_album)

    async def _more_description(self, draft: Draft, text: str) -> Outcome:
        """More details typed where photos were asked for: they belong to the description."""
        description = "\n".join(filter(None, [draft.data.get("description", ""), text.strip()]))
        problem = check_text(description, self._settings.max_text_chars)
        if problem is not None:
            return Outcome(draft, problem=_TEXT_PROBLEMS[problem], extra={"length": len(description)})
        saved = await self._save(draft, data={**draft.data, "description": description})
        return Outcome(saved.draft, problem=Problem.ADDED_TO_DESCRIPTION)

    async def locate(self, draft: Draft, answer: Answer) -> Outcome:
        """A shared location, a compound's button, a typed address, or skip."""
        where: dict[str, Any]
        if answer.type is AnswerType.LOCATION:
            where = {"latitude": answer.latitude, "longitude": answer.longitude}
        elif answer.type is AnswerType.CHOICE and answer.value.startswith("area."):
            area = self._settings.area_by_key(answer.value.removeprefix("area."))
            if area is None:  # a compound since taken out of the config
                return Outcome(draft, problem=Problem.USE_BUTTONS)
            where = {"area": area}
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

    async def choose_when(self, draft: Draft, answer: Answer) -> Outcome:
        """Now / today / yesterday, a typed date or word, or on to the date picker."""
        today = self.today()
        if answer.type is AnswerType.CHOICE and answer.value in ("now", "today", "yesterday"):
            day = today - timedelta(days=1) if answer.value == "yesterday" else today
            return await self._forward(draft, {**draft.data, "when": {"kind": answer.value, "date": day.isoformat()}})
        if answer.type is AnswerType.CHOICE and answer.value == "pick":
            return await self._forward(draft, draft.data, next_step=State.CHOOSING_DATE, keep_editing=True)
        if answer.type is AnswerType.TEXT and (word := WHEN_WORDS.get(_word_key(answer.value))):
            return await self.choose_when(draft, Answer.choice(word))
        if answer.type is AnswerType.TEXT:
            return await self._typed_date(draft, answer.value)
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def choose_date(self, draft: Draft, answer: Answer) -> Outcome:
        """A day from the picker, or a typed date."""
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
        next_step = self._after(draft, State.CHOOSING_WHEN)
        return await self._forward(draft, {**draft.data, "when": when}, next_step=next_step)

    async def choose_mediation(self, draft: Draft, answer: Answer) -> Outcome:
        """Willing to meet a mediator: yes goes on to the times."""
        if answer.type is not AnswerType.CHOICE or answer.value not in ("yes", "no"):
            return Outcome(draft, problem=Problem.USE_BUTTONS)
        if answer.value == "no":
            return await self._forward(draft, {**draft.data, "mediation": {"willing": False, "times": []}})
        previous = draft.data.get("mediation") or {}
        mediation = {"willing": True, "times": previous.get("times", []), "note": previous.get("note", "")}
        return await self._forward(draft, {**draft.data, "mediation": mediation},
                                   next_step=State.CHOOSING_MEDIATION_TIMES, keep_editing=True)

    async def choose_mediation_times(self, draft: Draft, answer: Answer) -> Outcome:
        """Toggles a time that suits; Done or a typed time moves on."""
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
            return await self._forward(draft, draft.data, next_step=self._after(draft, State.CHOOSING_MEDIATION))
        if answer.type is AnswerType.TEXT:
            problem = check_text(answer.value, FREE_TEXT_LIMIT)
            if problem is not None:
                return Outcome(draft, problem=_TEXT_PROBLEMS[problem],
                               extra={"length": len(answer.value.strip()), "limit": FREE_TEXT_LIMIT})
            mediation["note"] = answer.value.strip()
            return await self._forward(draft, {**draft.data, "mediation": mediation},
                                       next_step=self._after(draft, State.CHOOSING_MEDIATION))
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def share_contact(self, draft: Draft, answer: Answer) -> Outcome:
        """The person's own phone (shared or typed), or anonymous for incidents."""
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
            return await self.share_contact(draft, Answer.choice("anonymous"))
        if answer.type is AnswerType.TEXT:
            phone = normalise_phone(answer.value, region)
            if phone is None:
                return Outcome(draft, problem=Problem.NOT_A_PHONE)
            return await self._forward(draft, {**draft.data, "contact": {"anonymous": False, "phone": phone}})
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def review(self, draft: Draft, answer: Answer) -> Outcome:
        """Typed input at the review: the review is shown again (its buttons decide)."""
        # Submitting and duplicates are the report service's job; any other input re-shows the review.
        return Outcome(draft, problem=Problem.USE_BUTTONS)

    async def add_info(self, draft: Draft, answer: Answer) -> Outcome:
        """Text, a photo or a voice message to add to a submitted case."""
        if answer.type in (AnswerType.TEXT, AnswerType.PHOTO, AnswerType.VOICE):
            if answer.type is AnswerType.TEXT:
                problem = check_text(answer.value, self._settings.max_text_chars)
                if problem is not None:
                    return Outcome(draft, problem=_TEXT_PROBLEMS[problem], extra={"length": len(answer.value.strip())})
            touched = await self._save(draft)
            return Outcome(touched.draft, advanced=True)
        return Outcome(draft, problem=Problem.TEXT_OR_VOICE)

    # --- moving forward ----------------------------------------------------------------------

    def _after(self, draft: Draft, step: State) -> State:
        """The step after `step` in this draft's flow (the review, when editing)."""
        if draft.editing:
            return State.REVIEWING
        flow = _flow(draft.data.get("kind", "incident"))
        following = flow[flow.index(step) + 1]
        if following is State.CHOOSING_WHEN and (draft.data.get("when") or {}).get("kind") == "now" \
                and draft.data.get("urgent"):
            return flow[flow.index(following) + 1]
        return following

    async def _forward(self, draft: Draft, data: dict[str, Any], *, next_step: State | None = None,
                       keep_editing: bool = False, **changes: Any) -> Outcome:
        current = State(draft.state)
        target = next_step or self._after(draft, SUB_STEPS.get(current, current))
        if current is State.CHOOSING_KIND and target is not State.REVIEWING:
            editing = False  # a new kind means a new set of questions
        else:
            editing = draft.editing and (keep_editing or target is not State.REVIEWING)
        return await self._save(draft, data=data, state=target.value, history=(*draft.history, draft.state),
                                editing=editing, advanced=True, **changes)

    async def _save(self, draft: Draft, *, advanced: bool = False, **changes: Any) -> Outcome:
        return Outcome(await self._dialogues.save(draft, **changes), advanced=advanced)


class _Unsaved:
    """Stands in for the dialogue store when a step is only checked (IntakeService.correct)."""

    async def save(self, draft: Draft, **changes: Any) -> Draft:
        return draft.model_copy(update=changes)


#: Answers typed as text that an edit of their message can correct (the text is the whole answer;
#: details typed at the photos step were added to the description, so they cannot be told apart).
CORRECTABLE = frozenset({
    State.DESCRIBING, State.LOCATING, State.CHOOSING_WHEN, State.CHOOSING_DATE, State.NAMING_OTHER_PARTY,
    State.TELLING_HISTORY, State.STATING_OUTCOME, State.CHOOSING_MEDIATION_TIMES, State.SHARING_CONTACT,
})

#: A step: the function that takes an answer given in one state.
StepFunction = Callable[[IntakeService, Draft, Answer], Awaitable[Outcome]]

#: The report's step table: state → the method taking its answer.
STEPS: dict[State, StepFunction] = {
    State.CHOOSING_KIND: IntakeService.choose_kind,
    State.CHOOSING_CATEGORY: IntakeService.choose_category,
    State.ASKING_URGENCY: IntakeService.answer_urgency,
    State.DESCRIBING: IntakeService.describe,
    State.ADDING_PHOTOS: IntakeService.add_photo,
    State.LOCATING: IntakeService.locate,
    State.CHOOSING_WHEN: IntakeService.choose_when,
    State.CHOOSING_DATE: IntakeService.choose_date,
    State.CHOOSING_DISPUTE_KIND: IntakeService.choose_dispute_kind,
    State.NAMING_OTHER_PARTY: IntakeService.name_other_party,
    State.TELLING_HISTORY: IntakeService.tell_history,
    State.STATING_OUTCOME: IntakeService.state_outcome,
    State.CHOOSING_MEDIATION: IntakeService.choose_mediation,
    State.CHOOSING_MEDIATION_TIMES: IntakeService.choose_mediation_times,
    State.SHARING_CONTACT: IntakeService.share_contact,
    State.REVIEWING: IntakeService.review,
}
ADDITION_STEPS: dict[AdditionState, StepFunction] = {AdditionState.ADDING_INFO: IntakeService.add_info}


def _flow(kind: str) -> tuple[State, ...]:
    return DISPUTE_FLOW if kind == "dispute" else INCIDENT_FLOW


_TEXT_PROBLEMS = {TextProblem.EMPTY: Problem.TEXT_EMPTY, TextProblem.TOO_LONG: Problem.TEXT_TOO_LONG}
_DATE_PROBLEMS = {
    DateProblem.UNREADABLE: Problem.DATE_UNREADABLE,
    DateProblem.IN_FUTURE: Problem.DATE_IN_FUTURE,
    DateProblem.TOO_OLD: Problem.DATE_TOO_OLD,
}


def _word_key(text: str) -> str:
    """A typed word as it is looked up: full-width forms folded, no case, spaces or punctuation."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())
