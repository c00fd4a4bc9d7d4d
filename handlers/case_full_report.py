"""The Full report (a card's button, and /case PA-… in private): everything the reporters told us
about a case, sent privately to the staff member who asked — every answer of the dialogue, the
whole description split to fit Telegram's messages, each addition, the photos (as albums) and
voice notes again. The exact place (a typed address, the map pin) identifies the reporter: it is
shown only to those who may see identity (bot/services/privacy.py), like the contact, which stays
behind its own audited button."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator

from telegram import InputMediaPhoto
from telegram.error import Forbidden, TelegramError

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.errors import NotAllowed
from bot.services.intake import State
from bot.services.privacy import SensitiveDetails
from bot.services.reports import FullReport, ReportPart
from handlers.case_card import ALBUM_SIZE, OPEN_PRIVATE_CHAT, media_counts
from handlers.case_privacy import full_report_refusal
from handlers.message_text import MESSAGE_LIMIT, split_plain, utf16_len
from handlers.moments import moment_words
from handlers.notify import locale_of
from handlers.report_labels import KIND_NAMES, category_label, status_label, when_text, where_text
from handlers.report_prompts import FIELD_LABELS, mediation_text
from storage.models import CaseMedia

logger = logging.getLogger(__name__)


async def send_full_report(context: PinganContext, case_id: int, actor: int) -> str | None:
    """Sends the full report to `actor` privately, in their language. Returns a pop-up text when
    the presser must be told something (refused, or no private chat), else None."""
    with using_locale(await locale_of(context, actor)):
        try:
            report = await context.services.reports.full_report(case_id, actor)
        except SensitiveDetails:
            return full_report_refusal(context.services.access.relations)
        except NotAllowed:
            return _("Sorry, only staff can read the full report.")
        if report is None:
            return _("This button has expired.")
        exact = await context.services.access.may_see_identity(report.case, actor)
        texts = await report_texts(context, report, exact_place=exact)
        try:
            await context.bot.send_message(actor, texts[0])
        except Forbidden:
            return OPEN_PRIVATE_CHAT.translated()
        # Audited once it has reached the presser: a report that could not be sent was not read.
        await context.services.reports.record_full_report_read(case_id, actor)
        try:
            await _send_the_rest(context, actor, report, texts[1:], exact_place=exact)
        except TelegramError:
            logger.exception("the full report of %s reached %s only in part", report.case.ref, actor)
            return _("Part of the full report could not be sent. Please try again.")
    return None


async def _send_the_rest(context: PinganContext, actor: int, report: FullReport, texts: list[str], *,
                         exact_place: bool) -> None:
    """The messages after the first, then the report's media, then each addition's; the map pins
    only with `exact_place`."""
    for text in texts:
        await context.bot.send_message(actor, text)
    await _send_media(context, actor, report.media, report.case.details.get("where") if exact_place else None)
    for part in report.parts:
        where = part.answers.get("where") if exact_place else None
        if part.media or "latitude" in (where or {}):
            await context.bot.send_message(actor, html.escape(_part_heading(context, part)))
            await _send_media(context, actor, part.media, where)


async def report_texts(context: PinganContext, report: FullReport, *, exact_place: bool) -> list[str]:
    """The report's words as HTML messages, each within Telegram's limit (plain text escaped once);
    the exact place only with `exact_place`, else the compound alone."""
    case = report.case
    services = context.services
    settings = services.config.reports
    title = _("Full report · {ref}").format(ref=case.ref)
    facts = [
        f"{KIND_NAMES[case.kind].translated()} · {category_label(settings, case.kind, case.category)} · "
        f"{status_label(case.status)}",
        _("Reported: {time}").format(time=moment_words(context, case.created_at)),
        _("Area: {area}").format(area=case.area or _("not known")),
    ]
    group = await services.groups.by_id(case.origin_group_id) if case.origin_group_id else None
    if group is not None:
        facts.append(_("From group: {title}").format(title=group.title))
    blocks = ["\n".join(facts)]
    has_voice = any(m.media_type == "voice" for m in report.media)
    blocks += _answer_blocks(case.kind, {**case.details, "description": case.description}, has_voice, exact_place)
    if case.details.get("unfinished"):
        blocks.append("⚠️ " + _("The reporter stopped before finishing the report: this is everything they gave."))
    if report.media:
        blocks.append(_media_follow(report.media))
    for part in report.parts:
        heading = _part_heading(context, part)
        if part.answers:  # a further reporter: their own answers; their description is this text
            voice = any(m.media_type == "voice" for m in part.media)
            blocks += [heading, *_answer_blocks(case.kind, {**part.answers, "description": part.text}, voice,
                                                exact_place)]
        else:
            blocks.append("\n".join(filter(None, [heading, part.text])))
        if part.media:
            blocks.append(_media_follow(part.media))
    messages = list(pack(blocks, MESSAGE_LIMIT - utf16_len(title) - 1))
    messages[0] = f"<b>{html.escape(title)}</b>\n{messages[0]}"
    return messages


def _media_follow(media: list[CaseMedia]) -> str:
    """What follows the text: "Sent after this message: photos: 2" (照片：2 张)."""
    return _("Sent after this message: {items}").format(items=_(", ").join(media_counts(media)))


def _part_heading(context: PinganContext, part: ReportPart) -> str:
    """Who added a part and when (never their name: that is the contact's)."""
    when = moment_words(context, part.created_at)
    if part.reporter_number == 1:
        return _("Added by the reporter, {time}:").format(time=when)
    return _("From reporter {number}, who reported the same thing, {time}:").format(
        number=part.reporter_number, time=when)


def _answer_blocks(kind: str, answers: dict, has_voice: bool, exact_place: bool) -> list[str]:
    """Every answer of the report dialogue, labelled as the resident's review labelled it; a typed
    address or map pin only with `exact_place`."""
    colon = _(": ")

    def labelled(state: State, value: str, *, own_block: bool = False) -> str:
        return FIELD_LABELS[state].translated() + (colon.rstrip() + "\n" if own_block else colon) + value

    def written(key: str) -> str:
        if answers.get(key):
            return answers[key]
        return _("🎤 a voice message") if has_voice else _("not given")

    lines, texts = [], []
    if kind == "incident":
        if "urgent" in answers:
            lines.append(labelled(State.ASKING_URGENCY, _("Yes") if answers["urgent"] else _("No")))
        where = answers.get("where") or {}
        if where.get("area"):
            lines.append(labelled(State.LOCATING, where["area"]))
        elif where and not exact_place:
            lines.append(labelled(State.LOCATING, _("an exact place was given: only those who may see the "
                                                    "reporter's contact see it")))
        elif "latitude" in where:
            lines.append(labelled(State.LOCATING, _("📍 a location: the map pin follows")))
        elif where:
            lines.append(labelled(State.LOCATING, where_text(where)))
        if answers.get("when"):
            lines.append(labelled(State.CHOOSING_WHEN, when_text(answers["when"])))
        if "description" in answers:
            texts.append(labelled(State.DESCRIBING, written("description"), own_block=True))
    else:
        if "other_party" in answers:
            lines.append(labelled(State.NAMING_OTHER_PARTY, answers["other_party"] or _("not given")))
        if "mediation" in answers:
            lines.append(labelled(State.CHOOSING_MEDIATION, mediation_text(answers["mediation"] or {})))
        if "description" in answers:
            texts.append(labelled(State.DESCRIBING, written("description"), own_block=True))
        for key, state in (("history", State.TELLING_HISTORY), ("outcome", State.STATING_OUTCOME)):
            if key in answers:
                texts.append(labelled(state, written(key), own_block=True))
    return (["\n".join(lines)] if lines else []) + texts


async def _send_media(context: PinganContext, chat_id: int, media: list[CaseMedia], where: dict | None) -> None:
    """Photos as albums (one photo alone), each voice note, and the location as a map pin."""
    photos = [m.file_id for m in media if m.media_type == "photo"]
    for start in range(0, len(photos), ALBUM_SIZE):
        album = photos[start:start + ALBUM_SIZE]
        if len(album) == 1:
            await context.bot.send_photo(chat_id, album[0])
        else:
            await context.bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in album])
    for item in media:
        if item.media_type == "voice":
            await context.bot.send_voice(chat_id, item.file_id)
    if where and "latitude" in where:
        await context.bot.send_location(chat_id, where["latitude"], where["longitude"])


def pack(blocks: list[str], limit: int = MESSAGE_LIMIT) -> Iterator[str]:
    """Plain-text blocks joined by blank lines into as few messages as fit `limit` (UTF-16 units,
    as Telegram counts), a block too long for one message split across several; each escaped."""
    current = ""
    for block in blocks:
        for piece in split_plain(block, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if utf16_len(joined) <= limit:
                current = joined
                continue
            yield html.escape(current)
            current = piece
    yield html.escape(current)
