"""/invite, /staff and /revoke: bringing people in, listing them, taking roles away."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot import roles as rules
from bot.callbacks import CallbackData, stored_int
from bot.context import PinganContext
from bot.deeplinks import invite_payload, start_link
from bot.i18n import _, gettext_in, ngettext
from bot.services.errors import NotAllowed, RevokeProblem
from handlers import handover
from handlers.guards import edit_pressed, pressed_in_own_private_chat
from handlers.labels import ROLE_LABELS, parse_role, role_label, role_labels
from handlers.menu import refresh_private_commands
from handlers.moments import moment_words
from handlers.notify import tell_person
from storage.models import Role


class InviteButton(CallbackData, prefix="inv"):
    """An invitation to make (`new`) for a role, by its stored key."""

    action: str
    role: str


class RevokeButton(CallbackData, prefix="rvk"):
    """Removing a role: `ask` (confirm first), `do`, or `no` (cancelled). `to_user`: who takes over
    the person's open cases (0: back to the staff chat, unowned)."""

    action: str
    user_id: int = 0
    role: str = ""
    to_user: int = 0


# --- /invite ---------------------------------------------------------------------------------

def _invite_keyboard(roles: list[Role]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(role_label(role), callback_data=InviteButton("new", role.value).pack())]
        for role in roles
    ])


async def invite(update: Update, context: PinganContext) -> None:
    """Creates an invitation for the role given, or offers the roles the caller may invite."""
    message = update.effective_message
    allowed = rules.invitable_roles(context.roles)
    if not allowed:
        await message.reply_text(html.escape(_("Only administrators, supervisors and officers can invite people.")))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(html.escape(_("For safety, invitation links are only made in a private chat "
                                               "with me.")))
        return
    if not context.args:
        await message.reply_text(html.escape(_("Which role should the new person have?")),
                                 reply_markup=_invite_keyboard(allowed))
        return
    role = parse_role(" ".join(context.args))
    if role is None or role not in allowed:
        given = " ".join(context.args)[:40]
        refusal = _("“{given}” is not a role you can invite. Please pick one:").format(given=given)
        await message.reply_text(html.escape(refusal),
                                 reply_markup=_invite_keyboard(allowed))
        return
    await message.reply_text(**await _invite_message(context, update.effective_user.id, role))


async def invite_pressed(update: Update, context: PinganContext) -> None:
    """Creates the invitation for the role button pressed (permission re-checked)."""
    query = update.callback_query
    pressed = InviteButton.parse(query.data)
    role = parse_role(pressed.role) if pressed is not None and pressed.action == "new" else None
    if role is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    try:
        content = await _invite_message(context, update.effective_user.id, role)
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    await query.edit_message_text(**content)
    await query.answer()


async def _invite_message(context: PinganContext, actor_id: int, role: Role) -> dict:
    invite = await context.services.people.create_invite(actor_id, role)
    link = start_link(context.bot.username, invite_payload(invite.code))
    expires = moment_words(context, invite.expires_at)
    text = _(
        "Invitation for the role “{role}”. Send this link to the person you are inviting. "
        "It works once and expires at {expires}.\n\n{link}"
    ).format(role=role_label(role), expires=expires, link=link)
    return {"text": html.escape(text), "disable_web_page_preview": True}


# --- /staff ----------------------------------------------------------------------------------

async def list_staff(update: Update, context: PinganContext) -> None:
    """Lists everyone with a role, highest role first."""
    message = update.effective_message
    if not rules.is_staff(context.roles):
        await message.reply_text(html.escape(_("Sorry, only staff can see the staff list.")))
        return
    members = await context.services.people.staff_and_stewards()
    if not members:
        await message.reply_text(html.escape(_("Nobody has a role yet. Use /invite to bring people in.")))
        return
    heading = ngettext("Staff and volunteers ({count}):", "Staff and volunteers ({count}):", len(members))
    lines = [html.escape(heading.format(count=len(members))), ""]
    for member in members:
        name = f"<b>{html.escape(member.first_name or str(member.user_id))}</b>"
        if member.username:
            name += " " + html.escape(f"@{member.username}")
        roles = html.escape(role_labels(member.roles))
        if member.area:
            row = html.escape(_("{name} — {roles} · {area}")).format(name=name, roles=roles,
                                                                      area=html.escape(member.area))
        else:
            row = html.escape(_("{name} — {roles}")).format(name=name, roles=roles)
        lines.append("• " + row)
    await message.reply_text("\n".join(lines))


# --- /area ------------------------------------------------------------------------------------

async def set_area(update: Update, context: PinganContext) -> None:
    """/area <name>: a staff member's own beat (orange cases and the assign list go by it)."""
    message = update.effective_message
    people = context.services.people
    if not rules.is_staff(context.roles):
        await message.reply_text(html.escape(_("Sorry, only staff have an area.")))
        return
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        current = await people.area_of(update.effective_user.id)
        await message.reply_text(html.escape(
            (_("Your area is {area}.").format(area=current) if current else _("You have no area yet."))
            + "\n"
            + _("Send /area followed by its name to set it (for example /area Riverside), or /area - to clear it.")
        ))
        return
    if len(wanted) > 40:
        await message.reply_text(html.escape(_("Please keep the area's name to 40 characters or fewer.")))
        return
    area = None if wanted == "-" else wanted
    await people.set_own_area(update.effective_user.id, area)
    await message.reply_text(html.escape(_("Your area is now {area}.").format(area=area) if area
                                  else _("Your area is cleared.")))


# --- /revoke ---------------------------------------------------------------------------------

async def revoke(update: Update, context: PinganContext) -> None:
    """Offers the role grants the caller may remove (or removes the one named: /revoke <id> <role>)."""
    message = update.effective_message
    people = context.services.people
    if not rules.invitable_roles(context.roles):
        await message.reply_text(html.escape(_("Sorry, only administrators, supervisors and officers can remove "
                                               "roles.")))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(html.escape(_("Please manage roles in a private chat with me.")))
        return
    only_user = stored_int(context.args[0]) if len(context.args or []) == 1 else None
    if context.args and only_user is None:
        target = _parse_revoke_args(context.args)
        if target is None:
            await message.reply_text(html.escape(_("Please write it as /revoke <user id> <role>, or send /revoke "
                                                   "alone to choose from a list.")))
            return
        await message.reply_text(**await _confirm_content(context, *target, await _name_of(context, target[0])))
        return
    grants = await people.revocable_grants(update.effective_user.id)
    if only_user is not None:  # /revoke <id>: that person's roles to choose from
        grants = [g for g in grants if g.user_id == only_user]
    if not grants:
        await message.reply_text(html.escape(_("There is no role you could remove right now.")))
        return
    rows = [
        [InlineKeyboardButton(
            _("{name} — {role}").format(name=g.first_name or g.user_id, role=role_label(g.role)),
            callback_data=RevokeButton("ask", g.user_id, g.role.value).pack(),
        )]
        for g in grants[:50]
    ]
    await message.reply_text(html.escape(_("Whose role should be removed?")), reply_markup=InlineKeyboardMarkup(rows))


def _parse_revoke_args(args: list[str]) -> tuple[int, Role] | None:
    user_id = stored_int(args[0]) if len(args) >= 2 else None
    if user_id is None:
        return None
    role = parse_role(" ".join(args[1:]))
    return None if role is None else (user_id, role)


async def _name_of(context: PinganContext, user_id: int) -> str:
    person = await context.services.people.person(user_id)
    return person.first_name if person and person.first_name else str(user_id)


async def _confirm_content(context: PinganContext, user_id: int, role: Role, name: str) -> dict:
    """Are you sure? And, if the person would leave open cases behind, who takes them over."""
    question = _("Remove the role “{role}” from {name}?").format(role=role_label(role), name=name)
    # The buttons say what they do: the confirmation is read in a hurry.
    cancel = InlineKeyboardButton(_("Keep the role"), callback_data=RevokeButton("no").pack())
    cases = await context.services.handover.cases_left_by(user_id, role)
    if not cases:
        return {"text": html.escape(question), "reply_markup": InlineKeyboardMarkup([[
            InlineKeyboardButton(_("Yes, remove the role"),
                                 callback_data=RevokeButton("do", user_id, role.value).pack()),
            cancel,
        ]])}
    question += "\n" + ngettext("They own {count} open case. Who should take it over?",
                                "They own {count} open cases. Who should take them over?", len(cases)).format(
        count=len(cases))
    rows = [[InlineKeyboardButton(_("Yes, and hand them to {name}").format(name=successor),
                                  callback_data=RevokeButton("do", user_id, role.value, successor_id).pack())]
            for successor_id, successor in (await context.services.handover.successors(user_id))[:10]]
    rows.append([InlineKeyboardButton(_("Yes, and put them back in the staff chat"),
                                      callback_data=RevokeButton("do", user_id, role.value, 0).pack())])
    return {"text": html.escape(question), "reply_markup": InlineKeyboardMarkup([*rows, [cancel]])}


async def revoke_pressed(update: Update, context: PinganContext) -> None:
    """Handles the revoke list's buttons: ask → confirm → done. Roles re-checked by the service."""
    query = update.callback_query
    pressed = RevokeButton.parse(query.data) if pressed_in_own_private_chat(query) else None
    if pressed is not None and pressed.action == "no":
        await edit_pressed(query, html.escape(_("Cancelled: nothing was changed.")))
        await query.answer()
        return
    role = parse_role(pressed.role) if pressed is not None and pressed.action in ("ask", "do") else None
    if role is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    user_id = pressed.user_id
    if pressed.action == "ask":
        if not await _may_revoke(context, update.effective_user.id, user_id, role):
            await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
            return
        await edit_pressed(query, **await _confirm_content(context, user_id, role, await _name_of(context, user_id)))
        await query.answer()
        return
    name = await _name_of(context, user_id)
    try:
        await context.services.people.revoke_role(update.effective_user.id, user_id, role)
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    except RevokeProblem as problem:
        await query.edit_message_text(html.escape(_revoke_problem_text(problem, name, role)))
        await query.answer()
        return
    done = _("Done: {name} is no longer a {role}.").format(name=name, role=role_label(role))
    handed = await _hand_over_after_revoke(context, update.effective_user.id, user_id, pressed.to_user or None)
    await query.edit_message_text(html.escape(" ".join(filter(None, [done, handed]))))
    await refresh_private_commands(context, user_id)
    await _tell_revoked(context, user_id, role)
    await query.answer()


async def _may_revoke(context: PinganContext, actor_id: int, user_id: int, role: Role) -> bool:
    """Whether the actor may remove this role from this person (the grants /revoke would list)."""
    grants = await context.services.people.revocable_grants(actor_id)
    return any(g.user_id == user_id and g.role is role for g in grants)


async def _hand_over_after_revoke(context: PinganContext, actor: int, user_id: int, to_id: int | None) -> str:
    """Someone who can no longer own cases leaves their open ones to `to_id` (or the staff chat);
    returns what was done (plain text), or "" when nothing was theirs to move."""
    services = context.services.handover
    if await services.may_own_cases(user_id) or not await services.open_cases_of(user_id):
        return ""
    try:
        result = await services.hand_over(actor, user_id, to_id, via="revoke")
    except NotAllowed:  # the successor chosen lost their role meanwhile: the staff chat takes them
        result = await services.hand_over(actor, user_id, None, via="revoke")
    await handover.after_handover(context, actor, result)
    return await handover.summary(context, result)


def _revoke_problem_text(problem: RevokeProblem, name: str, role: Role) -> str:
    if problem.reason is RevokeProblem.Reason.CONFIG_ADMIN:
        return _("{name} is an administrator named in the configuration file; change it there.").format(name=name)
    if problem.reason is RevokeProblem.Reason.LAST_ADMIN:
        return _("{name} is the last administrator; invite another one first.").format(name=name)
    return _("{name} does not have the role “{role}” (any more).").format(name=name, role=role_label(role))


async def _tell_revoked(context: PinganContext, user_id: int, role: Role) -> None:
    await tell_person(context, user_id, lambda locale: gettext_in(
        locale, "Your role “{role}” in Pingan has been removed. Thank you for your work."
    ).format(role=ROLE_LABELS[role].in_locale(locale)))
