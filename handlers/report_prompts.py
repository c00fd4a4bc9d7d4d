"""What each step of the report dialogue says, and its buttons. Texts only; no decisions."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import callbacks
from bot.config_reports import ReportSettings
from bot.i18n import N_, LazyText, _, current_locale
from bot.services.intake import EDITABLE, MEDIATION_TIMES, Problem, Step
from storage.models import Case, Draft

FAMILY = "rep"
MAX_SUMMARY = 300


@dataclass(frozen=True)
class Prompt:
    """One message of a step: most steps are one; location and contact add a reply keyboard first."""

    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
    is_question: bool = True  # the message whose inline buttons answer the step
    html: bool = False  # the text is HTML (user answers in it are escaped)


def data(action: str, *args: object) -> str:
    return callbacks.pack(FAMILY, action, *args)


def button(text: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(action, *args))


def answer_button(text: str, step: Step, value: str) -> InlineKeyboardButton:
    return button(text, "a", step.value, value)


def nav_row(step: Step, *, back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(_("« Back"), "back", step.value)] if back else []
    return [*row, button(_("✖ Cancel"), "cancel")]


def rows_of(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def markup(rows: list[list[InlineKeyboardButton]], step: Step, *, back: bool = True) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*rows, nav_row(step, back=back)])


# --- labels ----------------------------------------------------------------------------------

KIND_LABELS: dict[str, LazyText] = {
    "incident": N_("An incident: theft, fraud, danger…"),
    "dispute": N_("A dispute: neighbours, fees, family…"),
}
KIND_NAMES: dict[str, LazyText] = {"incident": N_("Incident"), "dispute": N_("Dispute")}
WHEN_LABELS: dict[str, LazyText] = {
    "now": N_("Just now"),
    "today": N_("Earlier today"),
    "yesterday": N_("Yesterday"),
    "pick": N_("Pick a date"),
}
MEDIATION_TIME_LABELS: dict[str, LazyText] = {
    "weekday_morning": N_("Weekday mornings"),
    "weekday_afternoon": N_("Weekday afternoons"),
    "weekday_evening": N_("Weekday evenings"),
    "weekend": N_("Weekends"),
    "any": N_("Any time"),
}
STATUS_LABELS: dict[str, LazyText] = {
    "new": N_("received"),
    "accepted": N_("accepted"),
    "in_progress": N_("being handled"),
    "resolved": N_("resolved"),
    "followed_up": N_("followed up"),
    "closed": N_("closed"),
    "rejected": N_("not taken up"),
    "reopened": N_("reopened"),
}
FIELD_LABELS: dict[Step, LazyText] = {
    Step.CHOOSING_CATEGORY: N_("Category"),
    Step.CHOOSING_DISPUTE_KIND: N_("Kind of dispute"),
    Step.ASKING_URGENCY: N_("Happening now"),
    Step.DESCRIBING: N_("What happened"),
    Step.ADDING_PHOTOS: N_("Photos"),
    Step.LOCATING: N_("Where"),
    Step.CHOOSING_WHEN: N_("When"),
    Step.NAMING_OTHER_PARTY: N_("Other party"),
    Step.TELLING_HISTORY: N_("How long, what was tried"),
    Step.STATING_OUTCOME: N_("Outcome wanted"),
    Step.CHOOSING_MEDIATION: N_("Mediation"),
    Step.SHARING_CONTACT: N_("Contact"),
}


# What the review lists, per kind: every answer, including those not editable (urgency).
REVIEW_FIELDS = {
    "incident": (Step.CHOOSING_CATEGORY, Step.ASKING_URGENCY, Step.DESCRIBING, Step.ADDING_PHOTOS, Step.LOCATING,
                 Step.CHOOSING_WHEN, Step.SHARING_CONTACT),
    "dispute": EDITABLE["dispute"],
}


def category_label(settings: ReportSettings, kind: str, category_id: str) -> str:
    locale = current_locale.get()
    item = settings.dispute_kind(category_id) if kind == "dispute" else settings.incident_category(category_id)
    return item.in_locale(locale) if item else category_id


def day_label(day: date) -> str:
    locale = current_locale.get()
    return format_date(day, "M月d日 EEE" if locale == "zh" else "EEE d MMM", locale=locale)


def status_label(status: str) -> str:
    return STATUS_LABELS[status].translated() if status in STATUS_LABELS else status


# --- steps -----------------------------------------------------------------------------------

def step_prompts(draft: Draft, settings: ReportSettings, *, today: date, prefers_anonymous: bool,
                 duplicates: list[Case] | None = None) -> list[Prompt]:
    """The message(s) that ask the draft's current step."""
    step = Step(draft.state)
    kind = draft.data.get("kind", "incident")
    if step is Step.CHOOSING_KIND:
        rows = [[answer_button(KIND_LABELS[k].translated(), step, k)] for k in ("incident", "dispute")]
        return [Prompt(_("What would you like to tell us about?"), markup(rows, step, back=False))]
    if step is Step.CHOOSING_CATEGORY:
        buttons = [answer_button(c.in_locale(current_locale.get()), step, c.id) for c in settings.incident_categories]
        return [Prompt(_("What kind of incident is it?"), markup(rows_of(buttons, 2), step))]
    if step is Step.CHOOSING_DISPUTE_KIND:
        buttons = [answer_button(k.in_locale(current_locale.get()), step, k.id) for k in settings.dispute_kinds]
        return [Prompt(_("What is the dispute about?"), markup(rows_of(buttons, 2), step))]
    if step is Step.ASKING_URGENCY:
        rows = [[answer_button(_("Yes, it is happening now"), step, "yes"), answer_button(_("No"), step, "no")]]
        return [Prompt(_("Is it happening now, or is anyone in danger?"), markup(rows, step))]
    if step is Step.DESCRIBING:
        question = (_("What happened? Please describe it in your own words, or send a voice message.")
                    if kind == "incident" else
                    _("What happened between you and the other party? Write it, or send a voice message."))
        hint = _("Up to {limit} characters.").format(limit=settings.max_text_chars)
        return [Prompt(f"{question}\n{hint}", markup([], step))]
    if step is Step.ADDING_PHOTOS:
        return [photos_prompt(draft, settings)]
    if step is Step.LOCATING:
        return location_prompts(settings)
    if step is Step.CHOOSING_WHEN:
        buttons = [answer_button(WHEN_LABELS[w].translated(), step, w) for w in ("now", "today", "yesterday", "pick")]
        text = _("When did it happen?") + "\n" + _("You can also type a date, such as 2026-03-01 or March 1.")
        return [Prompt(text, markup(rows_of(buttons, 2), step))]
    if step is Step.CHOOSING_DATE:
        days = [today - timedelta(days=n) for n in range(14)]
        buttons = [answer_button(day_label(d), step, f"d.{d.isoformat()}") for d in days]
        return [Prompt(_("Which day? Tap it, or type the date (for example 2026-03-01)."),
                       markup(rows_of(buttons, 3), step))]
    if step is Step.NAMING_OTHER_PARTY:
        rows = [[answer_button(_("Skip this question"), step, "skip")]]
        return [Prompt(_("Who is the other party? For example “the neighbour in 3-502” or “the property "
                         "company”. This is optional."), markup(rows, step))]
    if step is Step.TELLING_HISTORY:
        return [Prompt(_("How long has this been going on, and what has been tried so far? Write it, or send a "
                         "voice message."), markup([], step))]
    if step is Step.STATING_OUTCOME:
        return [Prompt(_("What outcome would you like? Write it, or send a voice message."), markup([], step))]
    if step is Step.CHOOSING_MEDIATION:
        rows = [[answer_button(_("Yes, I am willing"), step, "yes"), answer_button(_("No"), step, "no")]]
        return [Prompt(_("Would you be willing to sit down with the other party and a mediator?"),
                       markup(rows, step))]
    if step is Step.CHOOSING_MEDIATION_TIMES:
        return [mediation_times_prompt(draft)]
    if step is Step.SHARING_CONTACT:
        return contact_prompts(kind, prefers_anonymous)
    if step is Step.REVIEWING:
        return [review_prompt(draft, settings, duplicates or [])]
    if step is Step.ADDING_INFO:
        return [Prompt(_("Send the information to add: text, a photo or a voice message."),
                       InlineKeyboardMarkup([[button(_("Done"), "adddone")]]))]
    raise ValueError(f"no prompt for step {step}")


def photos_prompt(draft: Draft, settings: ReportSettings) -> Prompt:
    step = Step.ADDING_PHOTOS
    count = len(draft.data.get("photos", []))
    if count:
        text = _("Photo received ({count} of at most {limit}). Send more, or tap Done.").format(
            count=count, limit=settings.max_photos)
        rows = [[answer_button(_("Done"), step, "done"), answer_button(_("Remove the photos"), step, "skip")]]
    else:
        text = _("Do you have photos? You can send up to {limit}. Send them now, or tap Skip.").format(
            limit=settings.max_photos)
        rows = [[answer_button(_("Skip: no photos"), step, "skip")]]
    return Prompt(text, markup(rows, step))


def location_prompts(settings: ReportSettings) -> list[Prompt]:
    step = Step.LOCATING
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(_("📍 Share my location"), request_location=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    buttons = [answer_button(area, step, f"area.{i}") for i, area in enumerate(settings.areas)]
    rows = [*rows_of(buttons, 2), [answer_button(_("Skip this question"), step, "skip")]]
    second = _("Or choose your compound:") if settings.areas else _("Or skip this question:")
    return [
        Prompt(_("Where did it happen? Share your location with the button below, or type the address."),
               keyboard, is_question=False),
        Prompt(second, markup(rows, step)),
    ]


def contact_prompts(kind: str, prefers_anonymous: bool) -> list[Prompt]:
    step = Step.SHARING_CONTACT
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(_("📱 Share my phone number"), request_contact=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    if kind == "dispute":
        question = _("A mediator will need to call you to arrange things, so disputes need a phone number. "
                     "Share it with the button below, or type it.")
        return [Prompt(question, keyboard, is_question=False),
                Prompt(_("You can also type the number, for example 138 0013 8000."), markup([], step))]
    question = _("How can the police reach you if they have a question? Share your number with the button "
                 "below, type it, or stay anonymous.")
    anonymous = _("Stay anonymous")
    if prefers_anonymous:
        anonymous = _("Stay anonymous (as last time)")
    rows = [[answer_button(anonymous, step, "anonymous")]]
    return [Prompt(question, keyboard, is_question=False),
            Prompt(_("Or choose:"), markup(rows, step))]


def mediation_times_prompt(draft: Draft) -> Prompt:
    step = Step.CHOOSING_MEDIATION_TIMES
    chosen = set((draft.data.get("mediation") or {}).get("times", []))
    buttons = [
        answer_button(("✓ " if t in chosen else "") + MEDIATION_TIME_LABELS[t].translated(), step, t)
        for t in MEDIATION_TIMES
    ]
    rows = [*rows_of(buttons, 2), [answer_button(_("Done"), step, "done")]]
    return Prompt(_("When would suit you? Tap all that apply, then Done. You can also type a time."),
                  markup(rows, step))


# --- the review ------------------------------------------------------------------------------

def field_value(draft: Draft, step: Step, settings: ReportSettings) -> str:
    d = draft.data
    kind = d.get("kind", "incident")
    if step in (Step.CHOOSING_CATEGORY, Step.CHOOSING_DISPUTE_KIND):
        return category_label(settings, kind, d.get("category", ""))
    if step is Step.ASKING_URGENCY:
        return _("Yes") if d.get("urgent") else _("No")
    if step in (Step.DESCRIBING, Step.TELLING_HISTORY, Step.STATING_OUTCOME):
        key = {Step.DESCRIBING: "description", Step.TELLING_HISTORY: "history", Step.STATING_OUTCOME: "outcome"}[step]
        if d.get(f"{key}_voice"):
            return _("🎤 a voice message")
        return shorten(d.get(key, ""))
    if step is Step.ADDING_PHOTOS:
        count = len(d.get("photos", []))
        return str(count) if count else _("none")
    if step is Step.LOCATING:
        return where_text(d.get("where") or {})
    if step is Step.CHOOSING_WHEN:
        return when_text(d.get("when") or {})
    if step is Step.NAMING_OTHER_PARTY:
        return d.get("other_party") or _("not given")
    if step is Step.CHOOSING_MEDIATION:
        mediation = d.get("mediation") or {}
        if not mediation.get("willing"):
            return _("not willing")
        times = [MEDIATION_TIME_LABELS[t].translated() for t in mediation.get("times", [])]
        if mediation.get("note"):
            times.append(mediation["note"])
        separator = _(", ")
        return _("willing ({times})").format(times=separator.join(times)) if times else _("willing")
    if step is Step.SHARING_CONTACT:
        contact = d.get("contact") or {}
        return _("anonymous") if contact.get("anonymous") else (contact.get("phone") or _("not given"))
    return ""


def where_text(where: dict) -> str:
    if "latitude" in where:
        return _("📍 location shared")
    return where.get("area") or where.get("address") or _("not given")


def when_text(when: dict) -> str:
    if when.get("kind") in ("now", "today", "yesterday"):
        return WHEN_LABELS[when["kind"]].translated()
    if when.get("date"):
        return day_label(date.fromisoformat(when["date"]))
    return _("not given")


def shorten(text: str, limit: int = MAX_SUMMARY) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def review_prompt(draft: Draft, settings: ReportSettings, duplicates: list[Case]) -> Prompt:
    kind = draft.data.get("kind", "incident")
    colon = _(": ")  # full-width in Chinese
    type_label = _("Type")
    lines = [_("Please check your report before sending it:"), "",
             f"<b>{html.escape(type_label + colon)}</b>{html.escape(KIND_NAMES[kind].translated())}"]
    for step in REVIEW_FIELDS[kind]:
        label = FIELD_LABELS[step].translated()
        lines.append(f"<b>{html.escape(label + colon)}</b>{html.escape(field_value(draft, step, settings))}")
    edit_buttons = [button(_("✏️ {field}").format(field=FIELD_LABELS[s].translated()), "edit", s.value)
                    for s in EDITABLE[kind]]
    rows = rows_of(edit_buttons, 2)
    if duplicates:
        other = duplicates[0]
        lines += ["", _("A similar report was made recently in your area: {ref} ({category}, {time}). "
                        "Is yours about the same thing?").format(
            ref=other.ref, category=html.escape(category_label(settings, other.kind, other.category)),
            time=other.created_at.strftime("%H:%M"))]
        rows.append([button(_("Add my information to {ref}").format(ref=other.ref), "join", other.id)])
        rows.append([button(_("No, report it separately"), "separate", other.id)])
    else:
        rows.append([button(_("✅ Send the report"), "submit")])
    return Prompt("\n".join(lines), InlineKeyboardMarkup([*rows, nav_row(Step.REVIEWING)]), html=True)


# --- problems --------------------------------------------------------------------------------

def problem_text(problem: Problem, settings: ReportSettings, extra: dict) -> str:
    limit = extra.get("limit", settings.max_text_chars)
    texts = {
        Problem.USE_BUTTONS: _("Please answer with one of the buttons below."),
        Problem.TEXT_OR_VOICE: _("Please write your answer, or send a voice message."),
        Problem.TEXT_ONLY: _("Please write your answer as text."),
        Problem.TEXT_TOO_LONG: _("That is {length} characters; please keep it to {limit} or fewer. "
                                 "Your earlier answers are kept.").format(length=extra.get("length", 0), limit=limit),
        Problem.TEXT_EMPTY: _("That message was empty. Please write your answer."),
        Problem.ADDED_TO_DESCRIPTION: _("Added to what you wrote about it."),
        Problem.PHOTOS_ONLY: _("Please send photos, or tap one of the buttons below."),
        Problem.TOO_MANY_PHOTOS: _("You can send at most {limit} photos; the extra ones were not added.").format(
            limit=settings.max_photos),
        Problem.LOCATION_EXPECTED: _("Please share a location, choose a button, or type the address."),
        Problem.NOT_A_PHONE: _("That does not look like a phone number. Please type a mobile number such as "
                               "138 0013 8000 or a landline with its area code, such as 0851-12345678."),
        Problem.NOT_OWN_CONTACT: _("Please share your own number with the button below, or type it."),
        Problem.CONTACT_REQUIRED: _("For a dispute we need a phone number, so a mediator can reach you."),
        Problem.DATE_UNREADABLE: _("I could not read that date. Please write it like 2026-03-01 or March 1."),
        Problem.DATE_IN_FUTURE: _("That date is in the future. Please give the day it happened."),
        Problem.DATE_TOO_OLD: _("That date is more than a year ago. Please check it, or describe it in the report."),
        Problem.FIRST_STEP: _("This is the first question."),
    }
    return texts[problem]
