"""Urgent alerts end to end: the officer's dialogue, targeting by kind and area, photos, pinning,
the live delivery report with failures, a resident's tip, closing, and a restart while sending."""

from __future__ import annotations

import asyncio
import re

import pytest

from storage.models import GroupKind, OutboxState, Role
from storage.outbox import OutboxRepo
from tests.conftest import STAFF_CHAT_ID
from tests.harness import button_texts, button_urls

ADMIN = frozenset({Role.ADMIN})
TEXT = "Girl, 6, red coat, lost near the east gate of Riverside market at 15:00."


async def _group(emulator, pingan, title, kind, area, language="zh", *, pin=False, type="supergroup"):
    chat = emulator.add_group(title, type=type)
    emulator.add_bot_to_group(chat["id"], by_user_id=777001, status="administrator" if pin else "member",
                              can_pin_messages=pin)
    await emulator.wait_for(lambda: emulator.bot_messages(chat["id"]))  # the greeting: the join is recorded
    group = await pingan.services.groups.by_chat_id(chat["id"])
    await pingan.services.groups.change(group.id, 1, ADMIN, kind=kind, area=area, language=language)
    return chat["id"]


def _alerts_in(emulator, chat_id):
    return [m for m in emulator.bot_messages(chat_id)
            if "alr_" in " ".join(button_urls(m)) or "🚨" in (m.get("text") or m.get("caption") or "")]


@pytest.fixture
async def officer(pingan, make_user):
    officer = make_user("Wang", language_code="en")
    await pingan.services.people.register_contact(officer.user_id, "Wang", None, "en")
    await pingan.services.people.grant_by_system(officer.user_id, Role.OFFICER, via="test")
    return officer


@pytest.fixture
async def groups(emulator, pingan, staff_chat):
    return {
        "river_zh": await _group(emulator, pingan, "Riverside 1", GroupKind.HOMEOWNERS, "Riverside", pin=True),
        "river_en": await _group(emulator, pingan, "Riverside 2", GroupKind.HOMEOWNERS, "Riverside", "en"),
        "hill": await _group(emulator, pingan, "Hillside", GroupKind.HOMEOWNERS, "Hillside"),
        "shop": await _group(emulator, pingan, "Market", GroupKind.SHOP, "Riverside"),
        "police": await _group(emulator, pingan, "Police-Riverside", GroupKind.POLICE_RESIDENT, "Riverside"),
    }


def _button(message, prefix):
    return next(b for b in button_texts(message) if b.startswith(prefix) or b.startswith("✓ " + prefix))


async def compose(officer, *, kind="missing person", photos=0, kinds=(), areas=(), pin=False, text=TEXT):
    """Walks the /alert dialogue up to the confirmation question; returns it."""
    question = await officer.ask("/alert")
    assert question["text"] == "New urgent alert. What is it about?"
    await officer.click(question, text=kind)
    typing = await officer.reply()
    assert typing["text"].startswith("Type the alert")
    photos_q = await officer.ask(text)
    for n in range(photos):
        photos_q = await officer.ask(None, photo=f"photo-{n}".encode())
    await officer.click(photos_q, text="Done" if photos else "Skip: no photos")
    targets = await officer.reply()
    assert "All active groups" in " ".join(button_texts(targets))
    for kind_label in kinds:
        await officer.click(targets, text=_button(officer.current(targets), kind_label))
    for area in areas:
        await officer.click(targets, text=_button(officer.current(targets), f"📍 {area}"))
    await officer.click(targets, text=_button(officer.current(targets), "Continue"))
    pin_q = await officer.reply()
    await officer.click(pin_q, text="📌 Yes, pin it" if pin else "No")
    hours = await officer.reply()
    await officer.click(hours, text="24 h (usual)")
    previews = [await officer.reply()]
    while "exactly what residents will see" not in (previews[-1].get("text") or ""):
        previews.append(await officer.reply())
    return previews


async def _report(emulator, officer, predicate):
    return await emulator.wait_for(
        lambda: next((m for m in emulator.bot_messages(officer.chat_id)
                      if (m.get("text") or "").startswith("🚨 Alert") and predicate(m["text"])), None))


async def test_missing_child_with_photo_to_homeowners_and_police_groups_of_one_area(
        pingan, emulator, officer, groups, make_user):
    previews = await compose(officer, photos=1, kinds=("homeowners", "police"), areas=("Riverside",), pin=True)
    confirm = previews[-1]
    assert "It goes to 3 groups, pinned, and stays current for 24 h." in confirm["text"]
    shown = previews[0]  # the preview, as the groups (zh here) will get it
    assert shown["photo"] and "alr_" in button_urls(shown)[0]
    await officer.click(confirm, text="✅ Send now")
    report = await _report(emulator, officer, lambda t: "sent 3 / 3" in t and "finished" in t)
    assert "Sent but not pinned (no right to pin): Riverside 2, Police-Riverside" in report["text"]
    for name in ("river_zh", "river_en", "police"):
        [message] = _alerts_in(emulator, groups[name])
        assert TEXT in message["caption"] and message["photo"]
    assert _alerts_in(emulator, groups["hill"]) == [] and _alerts_in(emulator, groups["shop"]) == []
    [pinned] = _alerts_in(emulator, groups["river_zh"])
    assert pinned["_pinned"] and "紧急" in pinned["caption"]
    [english] = _alerts_in(emulator, groups["river_en"])
    assert english["caption"].startswith("🚨 Urgent alert: missing person") and not english["_pinned"]
    link = button_urls(english)[0]
    assert re.fullmatch(r"https://t\.me/pingan_test_bot\?start=alr_[A-Za-z0-9_-]{1,60}", link)

    # A resident follows the link and sends what they saw: the officer hears it, with who said it.
    resident = make_user("Alice", language_code="en")
    intro = await resident.ask("/start " + link.split("start=")[1])
    assert intro["text"].startswith("Thank you for helping with the alert: missing person.")
    await resident.reply()  # "Tap Done …"
    before = {name: len(emulator.bot_messages(chat)) for name, chat in groups.items()}
    thanks = await resident.ask("I saw a girl in a red coat at the bus stop on Elm Street.")
    assert thanks["text"].startswith("Thank you. The officer in charge has received it.")
    tip = await emulator.wait_for(lambda: next((m for m in emulator.bot_messages(officer.chat_id)
                                                if "Information on your alert" in (m.get("text") or "")), None))
    assert "Alice" in tip["text"] and str(resident.user_id) in tip["text"] and "Elm Street" in tip["text"]
    staff = emulator.last_bot_message(STAFF_CHAT_ID)
    assert "Elm Street" in staff["text"] and "Alice" not in staff["text"] and str(resident.user_id) not in staff["text"]
    assert {name: len(emulator.bot_messages(chat)) for name, chat in groups.items()} == before
    [alert] = await pingan.services.alerts.listing(officer.user_id, frozenset({Role.OFFICER}))
    assert (alert.sent, alert.total, alert.tips) == (3, 3, 1)

    # Closing: every message says so, loses its button and is unpinned.
    listing = await officer.ask("/alerts")
    assert "Delivered: 3 / 3. Tips: 1." in listing["text"]
    await officer.click(listing, text=next(b for b in button_texts(listing) if b.startswith("Close")))
    choice = await officer.reply()
    await officer.click(choice, text="✅ Found: close it")
    await emulator.wait_for(lambda: any("is closed: 3 of 3" in (m.get("text") or "")
                                        for m in emulator.bot_messages(officer.chat_id)))
    # Found: the child's photo leaves every group; the alert is posted again as text alone, without
    # the line about the button it no longer has.
    for name in ("river_zh", "river_en", "police"):
        [message] = _alerts_in(emulator, groups[name])
        assert ("found" in message["text"] or "找到" in message["text"]) and not message["_pinned"]
        assert TEXT in message["text"] and "photo" not in message and button_urls(message) == []
        assert "tap the button" not in message["text"] and "点击下方" not in message["text"]
        assert not [m for m in emulator.bot_messages(groups[name]) if m.get("photo")]
    # The tip link no longer opens a session.
    late = await resident.ask("/start " + link.split("start=")[1])
    assert "no longer current" in late["text"]


async def test_a_resident_cannot_send_alerts(pingan, make_user):
    resident = make_user("Bob", language_code="en")
    reply = await resident.ask("/alert")
    assert reply["text"].startswith("Sorry, only community officers, supervisors and administrators")
    assert await pingan.services.alerts.draft(resident.user_id) is None


async def test_the_draft_survives_a_restart_and_bad_input_is_explained(pingan, officer, groups):
    question = await officer.ask("/alert")
    await officer.click(question, text="fraud wave")
    await officer.reply()
    too_long = await officer.ask("x" * 701)
    assert too_long["text"].startswith("That is too long")
    assert (await officer.reply())["text"] == "x" * 701  # nothing typed is lost
    await pingan.restart()
    photos_q = await officer.ask("Fake police calls asking for transfers today.")
    assert photos_q["text"].startswith("Send up to 3 photos")
    for n in range(3):
        await officer.ask(None, photo=f"p{n}".encode())
    fourth = await officer.ask(None, photo=b"p3")
    assert fourth["text"].startswith("That is more than 3 photos")
    draft = await pingan.services.alerts.draft(officer.user_id)
    assert draft.data["kind"] == "fraud" and len(draft.data["photos"]) == 3
    cancelled = await officer.ask("/cancel")
    assert cancelled["text"] == "Alert cancelled. Nothing was sent."


async def test_failures_are_named_in_the_delivery_report(pingan, emulator, officer, groups):
    new_home = emulator.add_group("Riverside 2 (supergroup)", type="supergroup")
    emulator.set_bot_rights(new_home["id"], status="member")
    emulator.fail_next("sendMessage", 403, description="Forbidden: bot was kicked from the supergroup chat",
                       chat_id=groups["hill"])
    emulator.fail_next("sendMessage", 429, retry_after=1, chat_id=groups["shop"])
    emulator.fail_next("sendMessage", 400, description="Bad Request: group chat was upgraded to a supergroup chat",
                       migrate_to_chat_id=new_home["id"], chat_id=groups["river_en"])
    previews = await compose(officer, kind="dangerous situation", text="Gas leak on Elm Street: keep away.")
    await officer.click(previews[-1], text="✅ Send now")
    report = await _report(emulator, officer, lambda t: "finished" in t)
    text = report["text"]
    assert "sent 4 / 5" in text  # five residents' groups (never the staff chat); Hillside removed the bot
    assert not _alerts_in(emulator, STAFF_CHAT_ID)
    assert "The bot was removed from the group: Hillside" in text
    assert "Telegram asked to slow down; retried: Market" in text
    assert "The group became a supergroup; followed and sent: Riverside 2" in text
    assert len(_alerts_in(emulator, new_home["id"])) == 1
    assert not (await pingan.services.groups.by_chat_id(groups["hill"])).active


async def test_restart_while_sending_misses_no_group(pingan, emulator, officer, groups, monkeypatch):
    original = OutboxRepo.finish
    crashed = []

    async def crash_after_two(self, entry_id, state, now, outcome=None, message_id=None):
        # After the second delivery the "process" is gone: no outcome is recorded any more.
        if state is OutboxState.SENT:
            crashed.append(entry_id)
            if len(crashed) > 2:
                raise RuntimeError("crash")
        return await original(self, entry_id, state, now, outcome, message_id)

    monkeypatch.setattr(OutboxRepo, "finish", crash_after_two)
    previews = await compose(officer, kind="weather or disaster", text="Flood warning: move cars off Low Road.")
    await officer.click(previews[-1], text="✅ Send now")
    chats = list(groups.values())
    await emulator.wait_for(lambda: all(_alerts_in(emulator, c) for c in chats) and len(crashed) >= len(chats))
    in_flight = {e.chat_id for e in await OutboxRepo(pingan.services.db).in_flight()}
    assert in_flight  # sent, but not marked
    monkeypatch.setattr(OutboxRepo, "finish", original)
    await pingan.restart()
    await _report(emulator, officer, lambda t: "sent 5 / 5" in t and "finished" in t)
    for chat in chats:
        copies = len(_alerts_in(emulator, chat))
        # At least once; a second copy only where the send was in flight at the crash.
        assert copies == 1 or (copies == 2 and chat in in_flight)


async def test_alerts_go_ahead_of_queued_notices(pingan, emulator, officer, groups, clock):
    from bot.services.outbox import OutboxDispatcher

    services = pingan.services
    order = []
    original = OutboxDispatcher._deliver_one

    async def note(self, entry, now, report, **hooks):
        order.append(entry.priority)
        return await original(self, entry, now, report, **hooks)

    # Queue a routine notice for every group, due now, then an alert: the alert rows go first.
    rows = [{"key": f"notice:test:{chat}", "schedule_id": None, "occurrence": clock.now(), "group_id": g.id,
             "chat_id": chat, "locale": "zh", "text": "routine", "image": None, "not_before": clock.now()}
            for chat in groups.values() for g in [await services.groups.by_chat_id(chat)]]
    await OutboxRepo(services.db).add_many(rows, clock.now())
    previews = await compose(officer, kind="traffic", text="Road closed at the north gate until 18:00.")
    import bot.services.outbox as outbox_module

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(outbox_module.OutboxDispatcher, "_deliver_one", note)
    try:
        await officer.click(previews[-1], text="✅ Send now")
        await _report(emulator, officer, lambda t: "finished" in t)
        await services.notices.run_due()
    finally:
        monkeypatch.undo()
    assert order[:5] == [10] * 5


def _current(emulator, chat_id, message):
    return next(m for m in emulator.chat_messages(chat_id) if m["message_id"] == message["message_id"])


async def _run_expiry(pingan):
    from bot.jobs import ALERT_EXPIRY_JOB as EXPIRY_JOB

    app = pingan.bot.application
    await app.job_queue.get_jobs_by_name(EXPIRY_JOB)[0].run(app)


async def test_supervisor_approval_before_anything_goes_out(pingan, emulator, officer, groups, make_user):
    pingan.services.alerts.settings.require_approval = True
    supervisor = make_user("Chief Sun", language_code="en")
    await pingan.services.people.register_contact(supervisor.user_id, "Chief Sun", None, "en")
    await pingan.services.people.grant_by_system(supervisor.user_id, Role.SUPERVISOR, via="test")
    previews = await compose(officer, kinds=("homeowners",), text="Suspect seen near the school gate.")
    assert "A supervisor must approve it before it goes out." in previews[-1]["text"]
    await officer.click(previews[-1], text="✅ Send for approval")
    question = await emulator.wait_for(lambda: next((m for m in emulator.bot_messages(supervisor.chat_id)
                                                     if "asks to send this alert" in (m.get("text") or "")), None))
    assert "Wang asks to send this alert to 3 groups" in question["text"]
    assert not any(_alerts_in(emulator, chat) for chat in groups.values())  # nothing before approval
    await supervisor.click(question, text="✅ Approve")
    await _report(emulator, officer, lambda t: "sent 3 / 3" in t and "finished" in t)
    assert all(_alerts_in(emulator, groups[name]) for name in ("river_zh", "river_en", "hill"))


async def test_a_rejected_alert_never_goes_out(pingan, emulator, officer, groups, make_user):
    pingan.services.alerts.settings.require_approval = True
    supervisor = make_user("Chief Sun", language_code="en")
    await pingan.services.people.register_contact(supervisor.user_id, "Chief Sun", None, "en")
    await pingan.services.people.grant_by_system(supervisor.user_id, Role.SUPERVISOR, via="test")
    previews = await compose(officer, text="Rumour of a gas leak.")
    await officer.click(previews[-1], text="✅ Send for approval")
    question = await emulator.wait_for(lambda: next((m for m in emulator.bot_messages(supervisor.chat_id)
                                                     if "asks to send this alert" in (m.get("text") or "")), None))
    # A resident forging the Approve press (on a message in their own chat) changes nothing.
    resident = make_user("Li", language_code="en")
    own = await resident.ask("/help")
    refused = await resident.forge_press(own, question["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert refused["text"].startswith("Sorry, only")
    await supervisor.click(question, text="✖ Reject")
    told = await emulator.wait_for(lambda: next((m for m in emulator.bot_messages(officer.chat_id)
                                                 if "was not approved" in (m.get("text") or "")), None))
    assert "Chief Sun" in told["text"]
    assert not any(_alerts_in(emulator, chat) for chat in groups.values())


async def test_expiry_asks_to_extend_then_closes_the_alert(pingan, emulator, officer, groups, clock):
    from datetime import timedelta

    previews = await compose(officer, kinds=("shop",), text="Counterfeit notes in circulation at the market.")
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    [sent] = _alerts_in(emulator, groups["shop"])
    clock.advance(timedelta(hours=23, minutes=30))
    await _run_expiry(pingan)
    prompt = await emulator.wait_for(lambda: next((m for m in emulator.bot_messages(officer.chat_id)
                                                   if "Extend it, or close it?" in (m.get("text") or "")), None))
    await _run_expiry(pingan)  # asked once only
    assert len([m for m in emulator.bot_messages(officer.chat_id) if "Extend it, or close it?" in m["text"]]) == 1
    await officer.click(prompt, text="Extend by 24 h")
    clock.advance(timedelta(hours=2))  # past the first expiry: extended, so still current
    await _run_expiry(pingan)
    [listing] = await pingan.services.alerts.listing(officer.user_id, frozenset({Role.OFFICER}))
    assert listing.alert.status == "active"
    assert not _current(emulator, groups["shop"], sent).get("edit_date")
    clock.advance(timedelta(hours=24))
    await _run_expiry(pingan)
    closed = await emulator.wait_for(lambda: _current(emulator, groups["shop"], sent).get("edit_date")
                                     and _current(emulator, groups["shop"], sent))
    assert "Counterfeit" in (closed.get("text") or closed.get("caption") or "")
    assert button_urls(closed) == []
    assert "tap the button" not in closed["text"] and "点击下方" not in closed["text"]


async def _run_sweep(pingan):
    from bot.jobs import DIALOGUE_SWEEP_JOB

    app = pingan.bot.application
    await app.job_queue.get_jobs_by_name(DIALOGUE_SWEEP_JOB)[0].run(app)


async def test_an_unsent_alert_is_reminded_once_then_dropped_after_a_day(pingan, officer, groups, clock):
    from datetime import timedelta

    question = await officer.ask("/alert")
    await officer.click(question, text="traffic")
    typing = await officer.reply()
    clock.advance(timedelta(minutes=31))
    await _run_sweep(pingan)
    reminder = await officer.reply()
    assert reminder["text"].startswith("You have an urgent alert in progress. It has not been sent yet.")
    assert button_texts(reminder) == ["Continue", "✖ Cancel"]
    await _run_sweep(pingan)
    assert officer.pending_replies() == []  # one reminder only
    await officer.click(reminder, text="Continue")
    again = await officer.reply()
    assert again["text"] == typing["text"]  # the question it was waiting on
    assert button_texts(officer.current(reminder)) == []
    assert button_texts(officer.current(typing)) == []  # the older copy of the question is stale

    clock.advance(timedelta(hours=24, minutes=1))
    await _run_sweep(pingan)
    told = await officer.reply()
    assert told["text"].startswith("Your urgent alert waited a day without being sent, so I dropped it.")
    assert await pingan.services.alerts.draft(officer.user_id) is None
    assert button_texts(officer.current(again)) == []


async def test_cancel_under_the_reminder_drops_the_alert(pingan, officer, groups, clock):
    from datetime import timedelta

    question = await officer.ask("/alert")
    clock.advance(timedelta(minutes=31))
    await _run_sweep(pingan)
    reminder = await officer.reply()
    await officer.click(reminder, text="✖ Cancel")
    assert (await officer.reply())["text"] == "Alert cancelled. Nothing was sent."
    assert await pingan.services.alerts.draft(officer.user_id) is None
    assert button_texts(officer.current(question)) == [] and button_texts(officer.current(reminder)) == []


async def test_a_tip_session_left_a_day_ends_with_a_quiet_thank_you(pingan, emulator, officer, groups, make_user,
                                                                     clock):
    from datetime import timedelta

    previews = await compose(officer, kinds=("shop",), text="Counterfeit notes at the market.")
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    [sent] = _alerts_in(emulator, groups["shop"])
    resident = make_user("Alice", language_code="en")
    await resident.ask("/start " + button_urls(sent)[0].split("start=")[1])
    done = await resident.reply()
    assert button_texts(done) == ["Done"]
    # One person's updates are handled in order: once /help is answered, /start has saved its question.
    await resident.ask("/help")
    keyboard = lambda: emulator.chat_view(emulator.chat(resident.chat_id))["_reply_keyboard"]  # noqa: E731
    assert keyboard() is not None  # location and contact
    clock.advance(timedelta(hours=24, minutes=1))
    await _run_sweep(pingan)
    thanks = await resident.reply()
    assert thanks["text"].startswith("Thank you for helping.")
    assert keyboard() is None
    assert button_texts(resident.current(done)) == []
    assert await pingan.services.alerts.tips.session(resident.user_id) is None


async def test_alert_text_is_shown_literally_everywhere(pingan, emulator, officer, groups):
    text = "Fire & smoke near <east> gate: <b>keep away</b>."
    previews = await compose(officer, kinds=("shop",), text=text)
    assert text in previews[0]["text"]  # the preview, as residents will read it
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    [sent] = _alerts_in(emulator, groups["shop"])
    assert text in sent["text"]
    listing = await officer.ask("/alerts")
    assert text[:80] in listing["text"] and "&amp;" not in listing["text"] and "&lt;" not in listing["text"]
    assert re.search(r": dangerous situation|: missing person", listing["text"])


async def test_an_over_long_text_is_given_back_literally(pingan, officer, groups):
    question = await officer.ask("/alert")
    await officer.click(question, text="other")
    await officer.reply()
    long_text = "<b>&" + "x" * 700
    too_long = await officer.ask(long_text)
    assert too_long["text"].startswith("That is too long")
    assert (await officer.reply())["text"] == long_text


async def test_area_buttons_carry_a_stable_key_not_a_position(pingan, emulator, officer, groups):
    from handlers.alert_prompts import AlertButton

    question = await officer.ask("/alert")
    await officer.click(question, text="traffic")
    await officer.reply()
    photos = await officer.ask("Road works on Hill Road.")
    await officer.click(photos, text="Skip: no photos")
    targets = await officer.reply()
    hill = next(b for row in targets["reply_markup"]["inline_keyboard"] for b in row
                if b["text"].startswith("📍 Hillside"))
    pressed = AlertButton.parse(hill["callback_data"])
    assert pressed.action == "ta" and not pressed.value.isdigit()
    # A new area appears before Hillside in the list: the key still means Hillside.
    await _group(emulator, pingan, "Aspen court", GroupKind.HOMEOWNERS, "Aspen")
    await officer.click(targets, data=hill["callback_data"])
    assert (await pingan.services.alerts.draft(officer.user_id)).data["areas"] == ["Hillside"]
    assert "Now it reaches 1 group." in officer.current(targets)["text"]
    refused = await officer.forge_press(targets, AlertButton("ta", "ffffffff").pack())
    assert refused["text"] == "Please use the buttons."


async def test_buttons_posted_before_versioned_callback_data(pingan, emulator, officer, groups, clock):
    from datetime import timedelta

    previews = await compose(officer, kinds=("shop",), text="Counterfeit notes at the market.")
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    [listing] = await pingan.services.alerts.listing(officer.user_id, frozenset({Role.OFFICER}))
    own = await officer.ask("/help")
    # An expiry prompt's Extend from before the upgrade (version-less) still extends the alert.
    answer = await officer.forge_press(own, f"alrm:extend:{listing.alert.id}:prompt")
    assert answer["text"].startswith("Extended: current until")
    [extended] = await pingan.services.alerts.listing(officer.user_id, frozenset({Role.OFFICER}))
    assert extended.alert.expires_at == listing.alert.expires_at + timedelta(hours=24)
    # The dialogue's own old buttons are only for a draft in progress: they have expired.
    stale = await officer.forge_press(own, "alr:kind:missing")
    assert stale["text"] == "This button has expired. Please send /alert again."


async def test_a_supervisor_sends_at_once_even_when_approval_is_required(pingan, emulator, groups, make_user):
    pingan.services.alerts.settings.require_approval = True
    chief = make_user("Chief Sun", language_code="en")
    await pingan.services.people.register_contact(chief.user_id, "Chief Sun", None, "en")
    await pingan.services.people.grant_by_system(chief.user_id, Role.SUPERVISOR, via="test")
    previews = await compose(chief, kinds=("shop",), text="Counterfeit notes at the market.")
    assert "A supervisor must approve it" not in previews[-1]["text"]
    await chief.click(previews[-1], text="✅ Send now")
    await _report(emulator, chief, lambda t: "sent 1 / 1 group" in t and "finished" in t)


async def _close_as_found(emulator, officer):
    """Closes the officer's one alert from /alerts with "Found", and waits for the edits."""
    listing = await officer.ask("/alerts")
    await officer.click(listing, text=next(b for b in button_texts(listing) if b.startswith("Close")))
    choice = await officer.reply()
    await officer.click(choice, text="✅ Found: close it")
    await emulator.wait_for(lambda: any("is closed:" in (m.get("text") or "")
                                        for m in emulator.bot_messages(officer.chat_id)))


async def test_with_photo_removal_off_a_found_alert_keeps_its_photo(pingan, emulator, officer, groups):
    pingan.services.alerts.settings = pingan.services.alerts.settings.model_copy(
        update={"remove_photo_when_found": False})
    previews = await compose(officer, photos=1, kinds=("shop",))
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    [sent] = _alerts_in(emulator, groups["shop"])
    await _close_as_found(emulator, officer)
    [closed] = _alerts_in(emulator, groups["shop"])
    assert closed["message_id"] == sent["message_id"] and closed["photo"]
    assert "找到" in closed["caption"] and "点击下方" not in closed["caption"] and button_urls(closed) == []


async def test_an_alert_that_is_not_about_a_missing_person_keeps_its_photo_when_resolved(
        pingan, emulator, officer, groups):
    previews = await compose(officer, kind="fraud wave", photos=1, kinds=("shop",))
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    [sent] = _alerts_in(emulator, groups["shop"])
    listing = await officer.ask("/alerts")
    await officer.click(listing, text=next(b for b in button_texts(listing) if b.startswith("Close")))
    choice = await officer.reply()
    await officer.click(choice, text=next(b for b in button_texts(choice) if b.startswith("✅")))
    await emulator.wait_for(lambda: "点击下方" not in (_current(emulator, groups["shop"], sent).get("caption") or
                                                      "点击下方"))
    closed = _current(emulator, groups["shop"], sent)
    assert closed["photo"] and button_urls(closed) == []


async def test_a_found_persons_album_leaves_every_group(pingan, emulator, officer, groups):
    # Three photos go to two groups as an album before the alert's text; "found" deletes the album
    # and leaves the text alone, closed, without the line about the button it no longer has.
    previews = await compose(officer, photos=3, kinds=("homeowners",), areas=("Riverside",))
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "sent 2 / 2" in t and "finished" in t)
    for name in ("river_zh", "river_en"):
        album = [m for m in emulator.bot_messages(groups[name]) if m.get("photo")]
        assert len(album) == 3 and len({m["media_group_id"] for m in album}) == 1
    await _close_as_found(emulator, officer)
    told = next(m for m in emulator.bot_messages(officer.chat_id) if "is closed:" in (m.get("text") or ""))
    assert "2 of 2 group messages" in told["text"] and "could not be removed" not in told["text"]
    for name, found, tap in (("river_zh", "找到", "点击下方"), ("river_en", "found", "tap the button")):
        assert not [m for m in emulator.bot_messages(groups[name]) if m.get("photo")]
        [closed] = _alerts_in(emulator, groups[name])
        assert found in closed["text"] and TEXT in closed["text"] and tap not in closed["text"]
        assert button_urls(closed) == []


async def test_an_album_telegram_will_not_delete_is_named_to_the_officer(pingan, emulator, officer, groups):
    previews = await compose(officer, photos=2, kinds=("shop",))
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    emulator.fail_next("deleteMessages", 400, "Bad Request: message can't be deleted for everyone",
                       chat_id=groups["shop"])
    await _close_as_found(emulator, officer)
    told = next(m for m in emulator.bot_messages(officer.chat_id) if "is closed:" in (m.get("text") or ""))
    assert "The photos could not be removed from 1 group" in told["text"]
    [closed] = _alerts_in(emulator, groups["shop"])
    assert "found" in closed["text"] or "找到" in closed["text"]


async def test_with_photo_removal_off_a_found_alerts_album_stays(pingan, emulator, officer, groups):
    pingan.services.alerts.settings = pingan.services.alerts.settings.model_copy(
        update={"remove_photo_when_found": False})
    previews = await compose(officer, photos=2, kinds=("shop",))
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    await _close_as_found(emulator, officer)
    assert len([m for m in emulator.bot_messages(groups["shop"]) if m.get("photo")]) == 2
    assert not emulator.calls_to("deleteMessages")


async def test_an_album_whose_text_failed_is_not_posted_again_with_the_retry(pingan, emulator, clock, officer,
                                                                             groups):
    # The album went out, then Telegram failed the text (502): the retry sends the text alone, and
    # "found" still removes the one album.
    emulator.fail_next("sendMessage", 502, description="Bad Gateway", chat_id=groups["shop"])
    previews = await compose(officer, photos=2, kinds=("shop",))
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "sent 0 / 1" in t)
    [listing] = await pingan.services.alerts.listing(officer.user_id, frozenset({Role.OFFICER}))
    outbox = OutboxRepo(pingan.services.db)
    for _ in range(100):  # the failed attempt is recorded in the background
        [row] = await outbox.for_alert(listing.alert.id)
        if row.state is OutboxState.PENDING and row.attempts == 1:
            break
        await asyncio.sleep(0.05)
    assert row.attempts == 1 and len(row.album_message_ids) == 2
    clock.set(row.not_before)
    await pingan.services.alerts.delivery.deliver(listing.alert.id)
    await _report(emulator, officer, lambda t: "sent 1 / 1" in t)
    assert len([m for m in emulator.bot_messages(groups["shop"]) if m.get("photo")]) == 2
    assert len(_alerts_in(emulator, groups["shop"])) == 1
    await _close_as_found(emulator, officer)
    assert not [m for m in emulator.bot_messages(groups["shop"]) if m.get("photo")]
