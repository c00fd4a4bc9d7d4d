"""/myreports, adding information to an open case, and the staff-only contact button."""

from __future__ import annotations

from handlers.myreports import MyReportsButton
from tests.flows import submit, walk_incident
from tests.harness import button_texts


async def submitted(resident, *, anonymous=False) -> str:
    return await submit(resident, await walk_incident(resident, phone=None if anonymous else "138 0013 8000"))


async def test_my_reports_details_timeline_and_adding_information(pingan, make_user, staff_chat, emulator):
    resident = make_user("Alice", language_code="en")
    empty = await resident.ask("/myreports")
    assert empty["text"].startswith("You have not sent any reports yet")
    ref = await submitted(resident)
    listing = await resident.ask("/myreports")
    (entry,) = button_texts(listing)
    assert entry == f"{ref} · Theft · received"
    await resident.click(listing, text=entry)
    details = resident.current(listing)
    assert ref in details["text"] and "Status: received" in details["text"] and "Report received" in details["text"]
    await resident.click(details, text="➕ Add information")
    prompt = await resident.reply()
    assert prompt["text"].startswith(f"Adding to {ref}.")
    added = await resident.ask("The thief wore a red jacket.")
    assert added["text"].startswith(f"Added to {ref}.")
    added = await resident.ask(None, photo=b"jacket photo")
    assert added["text"].startswith(f"Added to {ref}.")
    await resident.click(added, text="Done")
    thanks = await resident.reply()
    assert thanks["text"].startswith("Thank you. Staff will see")
    case = (await pingan.services.reports.cases_of(resident.user_id))[0]
    assert [m.media_type for m in await pingan.services.reports.media_of(case.id)] == ["photo"]
    relayed = await emulator.wait_for(lambda: [m for m in emulator.bot_messages(staff_chat)
                                              if "red jacket" in (m.get("text") or "")])
    card = await pingan.services.cards.staff_card(case.id)
    assert relayed[0]["reply_to_message"]["message_id"] == card.message_id
    listing = await resident.ask("/myreports")
    await resident.click(listing, text=button_texts(listing)[0])
    assert "You added information" in resident.current(listing)["text"]


async def test_someone_elses_case_is_refused(pingan, make_user):
    owner, other = make_user("Alice", language_code="en"), make_user("Mallory", language_code="en")
    await submitted(owner)
    case = (await pingan.services.reports.cases_of(owner.user_id))[0]
    listing = await other.ask("/myreports")
    answer = await other.forge_press(listing, MyReportsButton("show", case.id).pack())
    assert "only see your own reports" in answer["text"]
    answer = await other.forge_press(listing, MyReportsButton("add", case.id).pack())
    assert "only see your own reports" in answer["text"]


async def test_contact_button_is_for_staff_only_and_audited(pingan, make_user, admin, staff_chat, emulator):
    resident = make_user("Alice", language_code="en")
    ref = await submitted(resident)
    card = (await emulator.wait_for(lambda: [m for m in emulator.bot_messages(staff_chat)
                                             if ref in (m.get("text") or "")]))[0]
    nosy = make_user("Nosy", language_code="en")
    emulator.add_member(staff_chat, nosy.user_id)
    emulator.add_member(staff_chat, admin.user_id)
    in_staff_chat = nosy.in_chat(staff_chat)
    contact_data = card["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    refused = await in_staff_chat.click(card, data=contact_data)
    assert "only staff" in refused["text"]
    shown = await admin.in_chat(staff_chat).click(card, data=contact_data)
    assert "+8613800138000" in shown["text"] and "Alice" in shown["text"]
    case = (await pingan.services.reports.cases_of(resident.user_id))[0]
    timeline = await pingan.services.reports.audit_of(case.id)
    viewers = [e.actor_id for e in timeline if e.action == "case.contact_viewed"]
    assert viewers == [admin.user_id]


async def test_anonymous_reporter_stays_anonymous_to_staff(pingan, make_user, admin, staff_chat, emulator):
    resident = make_user("Alice", language_code="en")
    ref = await submitted(resident, anonymous=True)
    card = (await emulator.wait_for(lambda: [m for m in emulator.bot_messages(staff_chat)
                                             if ref in (m.get("text") or "")]))[0]
    emulator.add_member(staff_chat, admin.user_id)
    contact_data = card["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    shown = await admin.in_chat(staff_chat).click(card, data=contact_data)
    assert "anonymous" in shown["text"] and "Alice" not in shown["text"]


async def test_added_information_with_markup_reaches_staff_literally(pingan, make_user, staff_chat, emulator):
    resident = make_user("Alice", language_code="en")
    ref = await submitted(resident)
    listing = await resident.ask("/myreports")
    await resident.click(listing, text=button_texts(listing)[0])
    await resident.click(resident.current(listing), text="➕ Add information")
    await resident.reply()
    added = await resident.ask("He said <b>wait</b> & ran")
    assert added["text"].startswith(f"Added to {ref}.")
    relayed = await emulator.wait_for(lambda: [m for m in emulator.bot_messages(staff_chat)
                                              if "He said <b>wait</b> & ran" in (m.get("text") or "")])
    assert relayed


async def test_my_reports_mentions_a_report_in_progress_with_continue(pingan, make_user):
    resident = make_user("Alice", language_code="en")
    kind = await resident.ask("/report")
    await resident.click(kind, text="An incident: theft, fraud, danger…")
    await resident.reply()  # which category?
    listing = await resident.ask("/myreports")
    assert listing["text"].startswith("You have a report you have not sent yet (last answer ")
    assert "You have not sent any reports yet" in listing["text"]
    assert button_texts(listing) == ["▶️ Continue my report"]
    await resident.click(listing, text="▶️ Continue my report")
    assert (await resident.reply())["text"] == "What kind of incident is it?"  # where they left off
    # Once the report is cancelled, nothing is in progress any more.
    await resident.send("/cancel")
    await resident.reply()
    assert "not sent yet" not in (await resident.ask("/myreports"))["text"]
