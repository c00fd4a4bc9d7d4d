"""/export for supervisors and admins: the cases of a period and area as a CSV file (for a
spreadsheet, in the reader's language) or as Open311 GeoReport v2 JSON (for other systems), chosen
by buttons and sent as a document. The file is bot/services/export.py's; `pingan export` makes the
same one from the command line."""

from __future__ import annotations

import html
import tempfile

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.callbacks import CallbackData, stable_key
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.export import FORMATS, ExportRequest
from bot.services.stats_periods import PERIOD_KINDS, Period, RangeProblem
from handlers.stats import (
    ALL_AREAS,
    MY_AREA,
    area_picker,
    is_manager,
    may_show_here,
    parse_period,
    range_problem_text,
    redraw,
    resolve_scope,
)
from handlers.stats_labels import PERIOD_BUTTONS, areas_text, export_labels, period_name, span
from storage.stats import Areas

#: The largest file a bot may send; bigger exports are for `pingan export`.
DOCUMENT_LIMIT = 50 * 1024 * 1024
FORMAT_LABELS = {"csv": "CSV", "open311": "Open311 JSON"}


class ExportButton(CallbackData, prefix="ex"):
    """`show` the panel for a period token, scope and format; `areas`: a page of the area picker;
    `go`: make and send the file."""

    action: str
    period: str
    scope: str
    fmt: str
    page: int = 0


async def export_command(update: Update, context: PinganContext) -> None:
    """/export [period or range]: the panel of choices."""
    message = update.effective_message
    if not is_manager(context):
        await message.reply_text(html.escape(_("Sorry, only supervisors and admins can export cases.")))
        return
    if not may_show_here(update, context):
        await message.reply_text(html.escape(_("Exports are sent in a private chat with me or in the staff chat.")))
        return
    try:
        period = parse_period(context, " ".join(context.args or []) or "month")
    except RangeProblem as problem:
        await message.reply_text(html.escape(range_problem_text(problem, "/export")))
        return
    await message.reply_text(**await _panel(context, update.effective_user.id, period, ALL_AREAS, "csv"))


async def export_pressed(update: Update, context: PinganContext) -> None:
    """A panel button: re-authorised, then the panel redrawn or the file sent."""
    query = update.callback_query
    pressed = ExportButton.parse(query.data)
    now = context.services.clock.now()
    period = context.services.stats.periods.from_token(pressed.period, now) if pressed is not None else None
    if pressed is None or period is None or pressed.fmt not in FORMATS or pressed.action not in ("show", "areas", "go"):
        await query.answer(_("This button has expired. Please send /export again."), show_alert=True)
        return
    if not is_manager(context):
        await query.answer(_("Sorry, only supervisors and admins can export cases."), show_alert=True)
        return
    user_id = update.effective_user.id
    if pressed.action == "areas":
        await redraw(query, await _area_picker(context, period, pressed.fmt, pressed.page))
        await query.answer()
        return
    areas = await resolve_scope(context, user_id, pressed.scope)
    if areas is False:
        await query.answer(_("This button has expired. Please send /export again."), show_alert=True)
        return
    if pressed.action == "show":
        await redraw(query, await _panel(context, user_id, period, pressed.scope, pressed.fmt))
        await query.answer()
        return
    await query.answer(_("Preparing the file…"))
    await send_export(update, context, period, areas, pressed.fmt)


async def send_export(update: Update, context: PinganContext, period: Period, areas: Areas, fmt: str) -> None:
    """Writes the export to a temporary file (rows streamed: memory stays flat) and sends it as a document
    (audited by the service). Uploading reads the file whole, which the size limit keeps bounded."""
    chat_id = update.effective_chat.id
    request = ExportRequest(format=fmt, since=period.since, until=period.until, areas=areas)
    with tempfile.TemporaryFile() as file:
        count = await context.services.export.write(request, file, export_labels(context.services.config.reports),
                                                    actor_id=update.effective_user.id)
        size = file.tell()
        if size > DOCUMENT_LIMIT:
            await context.bot.send_message(chat_id, html.escape(_(
                "This export is too large to send here. Please ask an administrator to run "
                "“pingan export” on the server.")))
            return
        file.seek(0)
        caption = ngettext("{count} case · {period} · {where}", "{count} cases · {period} · {where}", count).format(
            count=count, period=span(period), where=areas_text(areas))
        filename = f"pingan-cases-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}." + \
            ("csv" if fmt == "csv" else "json")
        await context.bot.send_document(chat_id, InputFile(file.read(), filename=filename),
                                        caption=html.escape(caption))


async def _panel(context: PinganContext, user_id: int, period: Period, scope: str, fmt: str) -> dict:
    """The choices so far, with buttons to change each and to export."""
    areas = await resolve_scope(context, user_id, scope)
    if areas is False:
        scope, areas = ALL_AREAS, None
    title = _("⬇ Export cases")
    lines = [f"<b>{html.escape(title)}</b>",
             html.escape(_("Period: {span} ({name})").format(span=span(period), name=period_name(period))),
             html.escape(_("Areas: {where}").format(where=areas_text(areas))),
             html.escape(_("Format: {format}").format(format=FORMAT_LABELS[fmt])),
             "", html.escape(_("No names, usernames, phones or residents' own words are ever exported."))]

    def button(text: str, action: str, token: str, new_scope: str, new_fmt: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text, callback_data=ExportButton(action, token, new_scope, new_fmt).pack())

    periods = [button(("• " if key == period.key else "") + PERIOD_BUTTONS[key].translated(), "show", key, scope, fmt)
               for key in PERIOD_KINDS]
    scopes = [button(("• " if scope == ALL_AREAS else "") + _("All areas"), "show", period.token, ALL_AREAS, fmt)]
    own = await context.services.people.area_of(user_id)
    if own:
        scopes.append(button(("• " if scope == MY_AREA else "") + _("My area: {area}").format(area=own), "show",
                             period.token, MY_AREA, fmt))
    scopes.append(button(_("📍 Choose an area"), "areas", period.token, scope, fmt))
    formats = [button(("• " if key == fmt else "") + FORMAT_LABELS[key], "show", period.token, scope, key)
               for key in FORMATS]
    rows = [periods[:4], periods[4:], scopes, formats, [button(_("⬇ Export"), "go", period.token, scope, fmt)]]
    return {"text": "\n".join(lines), "reply_markup": InlineKeyboardMarkup(rows)}


async def _area_picker(context: PinganContext, period: Period, fmt: str, page: int) -> dict:
    """/export's area picker: an area goes back to the panel with it chosen."""
    return await area_picker(
        context, page,
        choose=lambda area: ExportButton("show", period.token, "a" + stable_key(area), fmt).pack(),
        turn=lambda target: ExportButton("areas", period.token, ALL_AREAS, fmt, target).pack(),
        everywhere=ExportButton("show", period.token, ALL_AREAS, fmt).pack())
