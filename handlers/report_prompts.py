"""What each state of the report dialogue says, and its buttons: the render table and the
dialogue's definition. Texts only; the decisions are bot/services/intake.py's."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.callbacks import CallbackData, stable_key
from bot.config_reports import ReportSettings
from bot.context import PinganContext
from bot.datetext import moment_text
from bot.i18n import N_, LazyText, _, current_locale, ngettext
from bot.services.dialogues import DialogueName
from bot.services.intake import EDITABLE, MEDIATION_TIMES, STEPS, State
from handlers.dialogue import Dialogue, Prompt
from handlers.report_labels import (
    KIND_LABELS,
    KIND_NAMES,
    MEDIATION_TIME_LABELS,
    WHEN_LABELS,
    category_label,
    day_label,
    shorten,
    when_text,
    where_text,
)
from storage.models import Case, Draft


class ReportStartButton(CallbackData, prefix="rep", legacy=True):
    """Starting or resuming a report: the welcome's Report button (new), the resume offer and the
    reminder (resume, restart, discard). Legacy: the welcome message stays in chats for weeks, and
    /start still posts its button version-less."""

    action: str
    group_id: int = 0  # restart: the group the report came from (0: none)


class ReportButton(CallbackData, prefix="repq"):
    """A press on one of the report's questions: an answer (`a`, with the state it answers and the
    value), back, edit (a state), cancel, submit, or join / separate (a possible duplicate)."""

    action: str
    state: str = ""
    value: str = ""
    case_id: int = 0


def button(text: str, action: str, **fields: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=ReportButton(action, **fields).pack())


def answer_button(text: str, state: State, value: str) -> InlineKeyboardButton:
    return button(text, "a", state=state.value, value=value)


def nav_row(state: State, *, back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(_("« Back"), "back", state=state.value)] if back else []
    return [*row, button(_("✖ Cancel"), "cancel")]


def rows_of(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def markup(rows: list[list[InlineKeyboardButton]], state: State, *, back: bool = True) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*rows, nav_row(state, back=back)])


def question(text: str, rows: list[list[InlineKeyboardButton]], state: State, *, back: bool = True) -> Prompt:
    """A plain-text question with its answer buttons and Back / Cancel."""
    return Prompt(html.escape(text), markup(rows, state, back=back))


# --- the render table: one function per state --------------------------------------------------

async def ask_kind(context: PinganContext, draft: Draft) -> Prompt:
    rows = [[answer_button(KIND_LABELS[k].translated(), State.CHOOSING_KIND, k)] for k in ("incident", "dispute")]
    return question(_("What would you like to tell us about?"), rows, State.CHOOSING_KIND, back=False)


async def ask_category(context: PinganContext, draft: Draft) -> Prompt:
    locale = current_locale.get()
    buttons = [answer_button(c.in_locale(locale), State.CHOOSING_CATEGORY, c.id)
               for c in context.services.config.reports.incident_categories]
    return question(_("What kind of incident is it?"), rows_of(buttons, 2), State.CHOOSING_CATEGORY)


async def ask_dispute_kind(context: PinganContext, draft: Draft) -> Prompt:
    locale = current_locale.get()
    buttons = [answer_button(k.in_locale(locale), State.CHOOSING_DISPUTE_KIND, k.id)
               for k in context.services.config.reports.dispute_kinds]
    return question(_("What is the dispute about?"), rows_of(buttons, 2), State.CHOOSING_DISPUTE_KIND)


async def ask_urgency(context: PinganContext, draft: Draft) -> Prompt:
    state = State.ASKING_URGENCY
    rows = [[answer_button(_("Yes, it is happening now"), state, "yes"), answer_button(_("No"), state, "no")]]
    return question(_("Is it happening now, or is anyone in danger?"), rows, state)


async def ask_description(context: PinganContext, draft: Draft) -> Prompt:
    ask = (_("What happened? Please describe it in your own words, or send a voice message.")
           if draft.data.get("kind", "incident") == "incident" else
           _("What happened between you and the other party? Write it, or send a voice message."))
    hint = _("Up to {limit} characters.").format(limit=context.services.config.reports.max_text_chars)
    return question(f"{ask}\n{hint}", [], State.DESCRIBING)


async def ask_photos(context: PinganContext, draft: Draft) -> Prompt:
    state, limit = State.ADDING_PHOTOS, context.services.config.reports.max_photos
    count = len(draft.data.get("photos", []))
    if count:
        text = ngettext("Photo received ({count} of at most {limit}). Send more, or tap Done.",
                        "Photos received ({count} of at most {limit}). Send more, or tap Done.",
                        count).format(count=count, limit=limit)
        rows = [[answer_button(_("Done"), state, "done"), answer_button(_("Remove the photos"), state, "skip")]]
    else:
        text = ngettext("Do you have a photo? You can send {limit}. Send it now, or tap Skip.",
                        "Do you have photos? You can send up to {limit}. Send them now, or tap Skip.",
                        limit).format(limit=limit)
        rows = [[answer_button(_("Skip: no photos"), state, "skip")]]
    return question(text, rows, state)


def _where_rows(context: PinganContext) -> list[list[InlineKeyboardButton]]:
    """The compounds, two a row, and Skip."""
    state = State.LOCATING
    buttons = [answer_button(area, state, f"area.{stable_key(area)}") for area in context.services.config.reports.areas]
    return [*rows_of(buttons, 2), [answer_button(_("Skip this question"), state, "skip")]]


async def ask_where(context: PinganContext, draft: Draft) -> list[Prompt]:
    """The share-location keyboard first (it cannot be edited away), then the compounds."""
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(_("📍 Share my location"), request_location=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    second = _("Or choose your compound:") if context.services.config.reports.areas else _("Or skip this question:")
    return [
        Prompt(html.escape(_("Where did it happen? Share your location with the button below, or type the address.")),
               keyboard, is_question=False),
        question(second, _where_rows(context), State.LOCATING),
    ]


async def ask_where_again(context: PinganContext, draft: Draft) -> Prompt:
    """After a wrong answer: the whole question in one message with its buttons (the share-location
    keyboard sent the first time is still there)."""
    text = (_("Where did it happen? Share your location with the 📍 button, type the address, or choose your "
              "compound:") if context.services.config.reports.areas else
            _("Where did it happen? Share your location with the 📍 button, type the address, or skip this "
              "question."))
    return question(text, _where_rows(context), State.LOCATING)


async def ask_when(context: PinganContext, draft: Draft) -> Prompt:
    state = State.CHOOSING_WHEN
    buttons = [answer_button(WHEN_LABELS[w].translated(), state, w) for w in ("now", "today", "yesterday", "pick")]
    text = _("When did it happen?") + "\n" + _("You can also type a date, such as 2026-03-01 or March 1.")
    return question(text, rows_of(buttons, 2), state)


async def ask_date(context: PinganContext, draft: Draft) -> Prompt:
    state, today = State.CHOOSING_DATE, context.services.intake.today()
    days = [today - timedelta(days=n) for n in range(14)]
    buttons = [answer_button(day_label(d), state, f"d.{d.isoformat()}") for d in days]
    return question(_("Which day? Tap it, or type the date (for example 2026-03-01)."), rows_of(buttons, 3), state)


async def ask_other_party(context: PinganContext, draft: Draft) -> Prompt:
    state = State.NAMING_OTHER_PARTY
    return question(_("Who is the other party? For example “the neighbour in 3-502” or “the property company”. "
                      "This is optional."), [[answer_button(_("Skip this question"), state, "skip")]], state)


async def ask_history(context: PinganContext, draft: Draft) -> Prompt:
    return question(_("How long has this been going on, and what has been tried so far? Write it, or send a "
                      "voice message."), [], State.TELLING_HISTORY)


async def ask_outcome(context: PinganContext, draft: Draft) -> Prompt:
    return question(_("What outcome would you like? Write it, or send a voice message."), [], State.STATING_OUTCOME)


async def ask_mediation(context: PinganContext, draft: Draft) -> Prompt:
    state = State.CHOOSING_MEDIATION
    rows = [[answer_button(_("Yes, I am willing"), state, "yes"), answer_button(_("No"), state, "no")]]
    return question(_("Would you be willing to sit down with the other party and a mediator?"), rows, state)


async def ask_mediation_times(context: PinganContext, draft: Draft) -> Prompt:
    state = State.CHOOSING_MEDIATION_TIMES
    chosen = set((draft.data.get("mediation") or {}).get("times", []))
    buttons = [answer_button(("✓ " if t in chosen else "") + MEDIATION_TIME_LABELS[t].translated(), state, t)
               for t in MEDIATION_TIMES]
    rows = [*rows_of(buttons, 2), [answer_button(_("Done"), state, "done")]]
    return question(_("When would suit you? Tap all that apply, then Done. You can also type a time."), rows, state)


async def ask_contact(context: PinganContext, draft: Draft) -> list[Prompt]:
    """The share-phone keyboard first, then the question's buttons (anonymous, for incidents)."""
    state = State.SHARING_CONTACT
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(_("📱 Share my phone number"), request_contact=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    if draft.data.get("kind") == "dispute":
        ask = _("A mediator will need to call you to arrange things, so disputes need a phone number. "
                "Share it with the button below, or type it.")
        return [Prompt(html.escape(ask), keyboard, is_question=False),
                question(_("You can also type the number, for example 138 0013 8000."), [], state)]
    ask = _("How can the police reach you if they have a question? Share your number with the button below, "
            "type it, or stay anonymous.")
    return [Prompt(html.escape(ask), keyboard, is_question=False),
            question(_("Or choose:"), await _anonymous_rows(context, draft), state)]


async def _anonymous_rows(context: PinganContext, draft: Draft) -> list[list[InlineKeyboardButton]]:
    """The Stay anonymous button, saying so when it was last time's choice."""
    as_before = await context.services.intake.prefers_anonymous(draft.user_id)
    anonymous = _("Stay anonymous (as last time)") if as_before else _("Stay anonymous")
    return [[answer_button(anonymous, State.SHARING_CONTACT, "anonymous")]]


async def ask_contact_again(context: PinganContext, draft: Draft) -> Prompt:
    """After a wrong answer: the whole question in one message with its buttons (the share-phone
    keyboard sent the first time is still there)."""
    state = State.SHARING_CONTACT
    if draft.data.get("kind") == "dispute":
        return question(_("Disputes need a phone number. Share it with the 📱 button, or type it, for example "
                          "138 0013 8000."), [], state)
    return question(_("How can the police reach you? Share your number with the 📱 button, type it, or stay "
                      "anonymous:"), await _anonymous_rows(context, draft), state)


#: A question asked again after a wrong answer, where its first asking took two messages.
ASKED_AGAIN = {State.LOCATING: ask_where_again, State.SHARING_CONTACT: ask_contact_again}


# --- a report in progress, as /myreports mentions it -------------------------------------------

async def in_progress_offer(context: PinganContext, user_id: int) -> tuple[str, InlineKeyboardButton] | None:
    """A line (HTML) saying the person has a report not sent yet, and its Continue button; None if not."""
    draft = await context.services.intake.draft(user_id)
    if draft is None or draft.dialogue != DialogueName.REPORT:
        return None
    when = moment_text(draft.updated_at, context.locale, context.services.config.timezone,
                       now=context.services.clock.now())
    line = _("You have a report you have not sent yet (last answer {time}). Tap Continue to go on where you left "
             "off.").format(time=when)
    return html.escape(line), InlineKeyboardButton(_("▶️ Continue my report"),
                                                   callback_data=ReportStartButton("resume").pack())


# --- the review --------------------------------------------------------------------------------

FIELD_LABELS: dict[State, LazyText] = {
    State.CHOOSING_CATEGORY: N_("Category"),
    State.CHOOSING_DISPUTE_KIND: N_("Kind of dispute"),
    State.ASKING_URGENCY: N_("Happening now"),
    State.DESCRIBING: N_("What happened"),
    State.ADDING_PHOTOS: N_("Photos"),
    State.LOCATING: N_("Where"),
    State.CHOOSING_WHEN: N_("When"),
    State.NAMING_OTHER_PARTY: N_("Other party"),
    State.TELLING_HISTORY: N_("How long, what was tried"),
    State.STATING_OUTCOME: N_("Outcome wanted"),
    State.CHOOSING_MEDIATION: N_("Mediation"),
    State.SHARING_CONTACT: N_("Contact"),
}
#: Shorter names on the review's edit buttons, two to a row, where the field's label would not fit a phone.
EDIT_LABELS: dict[State, LazyText] = {State.TELLING_HISTORY: N_("Background")}
# What the review lists, per kind: every answer, including those not editable (urgency).
REVIEW_FIELDS = {
    "incident": (State.CHOOSING_CATEGORY, State.ASKING_URGENCY, State.DESCRIBING, State.ADDING_PHOTOS,
                 State.LOCATING, State.CHOOSING_WHEN, State.SHARING_CONTACT),
    "dispute": EDITABLE["dispute"],
}
_TEXT_KEYS = {State.DESCRIBING: "description", State.TELLING_HISTORY: "history", State.STATING_OUTCOME: "outcome"}


def field_value(draft: Draft, state: State, settings: ReportSettings) -> str:
    """One answer as the review shows it (plain text)."""
    d = draft.data
    if state in (State.CHOOSING_CATEGORY, State.CHOOSING_DISPUTE_KIND):
        return category_label(settings, d.get("kind", "incident"), d.get("category", ""))
    if state is State.ASKING_URGENCY:
        return _("Yes") if d.get("urgent") else _("No")
    if state in _TEXT_KEYS:
        key = _TEXT_KEYS[state]
        return _("🎤 a voice message") if d.get(f"{key}_voice") else shorten(d.get(key, ""))
    if state is State.ADDING_PHOTOS:
        count = len(d.get("photos", []))
        return ngettext("{count} photo", "{count} photos", count).format(count=count) if count else _("none")
    if state is State.LOCATING:
        return where_text(d.get("where") or {})
    if state is State.CHOOSING_WHEN:
        return when_text(d.get("when") or {})
    if state is State.NAMING_OTHER_PARTY:
        return d.get("other_party") or _("not given")
    if state is State.CHOOSING_MEDIATION:
        return mediation_text(d.get("mediation") or {})
    contact = d.get("contact") or {}
    return _("anonymous") if contact.get("anonymous") else (contact.get("phone") or _("not given"))


def mediation_text(mediation: dict) -> str:
    if not mediation.get("willing"):
        return _("not willing")
    times = [MEDIATION_TIME_LABELS[t].translated() for t in mediation.get("times", [])]
    if mediation.get("note"):
        times.append(mediation["note"])
    return _("willing ({times})").format(times=_(", ").join(times)) if times else _("willing")


async def ask_review(context: PinganContext, draft: Draft) -> Prompt:
    """Every answer (the person's words escaped), edit buttons, and Send, or the possible duplicate."""
    settings = context.services.config.reports
    kind = draft.data.get("kind", "incident")
    colon = _(": ")  # full-width in Chinese

    def line(label: str, value: str) -> str:
        return f"<b>{html.escape(label + colon)}</b>{html.escape(value)}"

    lines = [html.escape(_("Please check your report before sending it:")), "",
             line(_("Type"), KIND_NAMES[kind].translated())]
    lines += [line(FIELD_LABELS[state].translated(), field_value(draft, state, settings))
              for state in REVIEW_FIELDS[kind]]
    if draft.data.get("received_message"):
        lines.append(line(_("The message you received"), shorten(draft.data["received_message"])))
    rows = rows_of([button(_("✏️ {field}").format(field=EDIT_LABELS.get(s, FIELD_LABELS[s]).translated()), "edit",
                           state=s.value) for s in EDITABLE[kind]], 2)
    duplicates: list[Case] = await context.services.reports.possible_duplicates(draft)
    if duplicates:
        other = duplicates[0]
        lines += ["", html.escape(_("A similar report was made recently in your area: {ref} ({category}, {time}). "
                                    "Is yours about the same thing?").format(
            ref=other.ref, category=category_label(settings, other.kind, other.category),
            time=moment_text(other.created_at, context.locale, context.services.config.timezone,
                             context.services.clock.now())))]
        rows.append([button(_("Add my information to {ref}").format(ref=other.ref), "join", case_id=other.id)])
        rows.append([button(_("No, report it separately"), "separate", case_id=other.id)])
    else:
        rows.append([button(_("✅ Send the report"), "submit")])
    return Prompt("\n".join(lines), InlineKeyboardMarkup([*rows, nav_row(State.REVIEWING)]))


DIALOGUE = Dialogue(
    name=DialogueName.REPORT, states=State, steps=STEPS,
    prompts={
        State.CHOOSING_KIND: ask_kind,
        State.CHOOSING_CATEGORY: ask_category,
        State.ASKING_URGENCY: ask_urgency,
        State.DESCRIBING: ask_description,
        State.ADDING_PHOTOS: ask_photos,
        State.LOCATING: ask_where,
        State.CHOOSING_WHEN: ask_when,
        State.CHOOSING_DATE: ask_date,
        State.CHOOSING_DISPUTE_KIND: ask_dispute_kind,
        State.NAMING_OTHER_PARTY: ask_other_party,
        State.TELLING_HISTORY: ask_history,
        State.STATING_OUTCOME: ask_outcome,
        State.CHOOSING_MEDIATION: ask_mediation,
        State.CHOOSING_MEDIATION_TIMES: ask_mediation_times,
        State.SHARING_CONTACT: ask_contact,
        State.REVIEWING: ask_review,
    },
    diagram=Path(__file__).with_name("report.mmd"),
)
