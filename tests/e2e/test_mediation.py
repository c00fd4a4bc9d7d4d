"""Mediation with both parties (issue 17), end to end with three people: the reporter (Alice),
the other party (Bob) and the mediator (Liu), with the officers of the staff team around them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from bot.i18n import using_locale
from bot.jobs import MEDIATION_COMPLIANCE_JOB, MEDIATION_MEETINGS_JOB, MEDIATION_OFFERS_JOB
from bot.services.export import ExportRequest
from handlers.mediation_buttons import ConsentButton, MediateButton, PartyButton
from handlers.mediation_summary import qr_png
from handlers.stats_labels import export_labels
from storage.models import Role
from tests.conftest import STAFF_CHAT_ID
from tests.flows import submit, walk_dispute
from tests.harness import button_texts

SUMMARY = "A disagreement between two neighbouring flats about noise late at night."
MARCH = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
LINK = re.compile(r"https://t\.me/\w+\?start=(med_[A-Za-z0-9_-]+)")


async def report_dispute(team) -> str:
    """Alice reports a neighbour dispute; returns its reference."""
    await walk_dispute(team.resident)
    await team.resident.ask(None, contact={"phone_number": "+86 139 0013 9000", "first_name": "Alice"})
    return await submit(team.resident, await team.resident.reply())


async def case_of(team, ref):
    return await team.pingan.services.cases.by_ref(ref)


async def take(team, ref, user=None):
    """A staff member presses Mediate on the card; returns the pop-up."""
    case = await case_of(team, ref)
    return await team.press(user or team.mediator, ref, data=MediateButton("take", case.id).pack())


async def invitation_link(team, ref) -> str:
    """Liu takes the case, writes the summary and makes the link; returns its /start payload."""
    await take(team, ref)
    await team.mediator.reply()  # "write a neutral summary"
    confirm = await team.mediator.ask(SUMMARY)
    await team.mediator.click(confirm, text="🔗 Make the invitation link")
    return LINK.search((await team.mediator.reply())["text"]).group(1)


async def test_first_taker_mediates_and_the_card_shows_it(team):
    ref = await report_dispute(team)
    assert "🤝 调解" in button_texts(team.card(ref))
    popup = await take(team, ref)
    assert popup["text"] == f"You are the mediator of {ref}. I have written to you privately."
    prompt = await team.mediator.reply()
    assert prompt["text"].startswith(f"You are the mediator of {ref}")
    card = team.card(ref)
    assert "Liu" in card["text"] and "✋ 接单" not in button_texts(card)  # the mediator owns the case now
    under = [m for m in team.emulator.bot_messages(STAFF_CHAT_ID) if m.get("reply_to_message", {}).get(
        "message_id") == card["message_id"]]
    assert any("Liu" in m["text"] and "调解员" in m["text"] for m in under)
    told = await team.resident.reply()
    assert told["text"].startswith(f"A mediator is now helping with your dispute {ref}")
    assert "Liu" not in told["text"]
    second = await take(team, ref, team.officer)
    assert second["text"] == "Liu is already the mediator of this case."
    history = await team.pingan.services.cases.history((await case_of(team, ref)).id, team.mediator.user_id)
    assert [e.action for e in history if e.action.startswith("mediation.")] == ["mediation.taken"]
    await team.press(team.mediator, ref, text="📜 记录")  # sent privately, in the mediator's language
    assert "Liu · mediation: a mediator took the case" in (await team.mediator.reply())["text"]


async def test_only_mediators_and_officers_take_a_dispute_and_never_their_own(team, make_user):
    ref = await report_dispute(team)
    case = await case_of(team, ref)
    outsider = make_user("Stranger", language_code="en")
    refused = await outsider.in_chat(STAFF_CHAT_ID).forge_press(team.card(ref), MediateButton("take", case.id).pack())
    assert refused["text"].startswith("Sorry, only mediators and officers")
    await team.pingan.services.people.grant_by_system(team.resident.user_id, Role.MEDIATOR, via="test")
    own = await team.resident.in_chat(STAFF_CHAT_ID).forge_press(team.card(ref), MediateButton("take", case.id).pack())
    assert own["text"].startswith("Sorry, only mediators and officers who did not report")
    assert await team.pingan.services.mediation.of_case(case.id) is None


async def test_invitation_consent_join_and_qr_code(team, make_user, emulator):
    ref = await report_dispute(team)
    payload = await invitation_link(team, ref)
    qr = await team.mediator.reply()
    assert qr["caption"] == f"QR code of the invitation for {ref}."
    link = f"https://t.me/pingan_test_bot?start={payload}"
    assert emulator.file(qr["photo"][-1]["file_id"]).data == qr_png(link)
    await team.resident.reply()  # "a mediator is now helping"

    bob = make_user("Bob", language_code="en")
    consent = await bob.ask(f"/start {payload}")
    assert SUMMARY in consent["text"] and "Liu" in consent["text"]
    assert "seen by the mediator only" in consent["text"]
    assert "Alice" not in consent["text"] and "139" not in consent["text"]
    await bob.click(consent, text="✅ Join the mediation")
    thanks = await bob.reply()
    assert thanks["text"].startswith("Thank you for joining.")
    assert "📝 Tell the mediator my side" in button_texts(thanks)
    joined = await team.mediator.reply()
    assert joined["text"] == f"Bob (the other party) joined the mediation of {ref}."
    news = await team.resident.reply()
    assert news["text"].startswith(f"Good news about {ref}: the other party agreed")
    assert "Bob" not in news["text"]

    carol = make_user("Carol", language_code="en")
    reused = await carol.ask(f"/start {payload}")
    assert reused["text"].startswith("This invitation has already been used.")
    again = await bob.forge_press(consent, ConsentButton("join", payload.removeprefix("med_")).pack())
    assert again["text"].startswith("This invitation has already been used.")


async def test_decline_with_a_reason_reaches_the_mediator(team, make_user):
    ref = await report_dispute(team)
    payload = await invitation_link(team, ref)
    bob = make_user("Bob", language_code="zh")
    consent = await bob.ask(f"/start {payload}")
    assert "调解员" in consent["text"]
    await bob.click(consent, text="✖ 不用了，谢谢")
    await team.mediator.reply()  # the QR code
    declined = await team.mediator.reply()
    assert declined["text"] == f"The other party declined the mediation of {ref}."
    ask = await bob.reply()
    assert "不用了，谢谢" in button_texts(ask)
    done = await bob.ask("我们已经自己谈好了")
    assert done["text"].startswith("谢谢")
    reason = await team.mediator.reply()
    assert reason["text"] == f"The other party of {ref} gave this reason for declining: 我们已经自己谈好了"
    mediation = await team.pingan.services.mediation.of_case((await case_of(team, ref)).id)
    assert mediation.status == "declined" and mediation.decline_reason == "我们已经自己谈好了"
    figures = await team.pingan.services.mediation.figures(*MARCH)
    assert (figures.started, figures.joined, figures.declined, figures.success_rate) == (1, 0, 1, None)


async def test_link_expired_or_opened_by_the_reporter_is_refused(team, make_user, clock):
    ref = await report_dispute(team)
    payload = await invitation_link(team, ref)
    await team.mediator.reply()  # the QR code
    link_message = next(m for m in team.emulator.bot_messages(team.mediator.user_id) if payload in m.get("text", ""))
    await team.resident.reply()
    own = await team.resident.ask(f"/start {payload}")
    assert own["text"].startswith("This invitation is meant for the other party")
    clock.advance(timedelta(hours=73))
    bob = make_user("Bob", language_code="en")
    expired = await bob.ask(f"/start {payload}")
    assert expired["text"] == "This invitation has expired. Please ask the mediator for a new link."
    bogus = await bob.ask("/start med_nothing-like-this")
    assert bogus["text"].startswith("This invitation link is not valid.")

    mediation = await team.pingan.services.mediation.of_case((await case_of(team, ref)).id)
    forged = await team.resident.forge_press(link_message, MediateButton("newlink", mediation.id).pack())
    assert forged["text"].startswith("Sorry, only the mediator can do this")
    await team.mediator.click(link_message, text="🔄 Make a new link")
    fresh = LINK.search((await team.mediator.reply())["text"]).group(1)
    assert fresh != payload
    consent = await bob.ask(f"/start {fresh}")
    assert SUMMARY in consent["text"]


async def test_summary_survives_a_restart(team, pingan):
    ref = await report_dispute(team)
    await take(team, ref)
    await team.mediator.reply()
    sticker = await team.mediator.ask(None, sticker=True)
    assert sticker["text"].startswith("Please write the summary as text.")
    confirm = await team.mediator.ask(SUMMARY)
    await pingan.restart()
    await team.mediator.click(confirm, text="🔗 Make the invitation link")
    assert LINK.search((await team.mediator.reply())["text"])


async def test_both_accounts_are_kept_apart(team, make_user, emulator):
    ref = await report_dispute(team)
    payload = await invitation_link(team, ref)
    await team.mediator.reply()  # the QR code
    helping = await team.resident.reply()
    bob = make_user("Bob", language_code="en")
    await bob.click(await bob.ask(f"/start {payload}"), text="✅ Join the mediation")
    joined = await bob.reply()
    await team.mediator.reply()  # "Bob joined"
    await team.resident.reply()  # "good news"

    await team.resident.click(helping, text="📝 Tell the mediator my side")
    await team.resident.reply()
    received = await team.resident.ask("Alice here: the music starts at midnight.")
    assert received["text"].startswith("Received. Only the mediator will see it.")
    from_alice = await team.mediator.reply()
    assert from_alice["text"] == f"{ref} · the reporter (Alice) says:\nAlice here: the music starts at midnight."
    await team.resident.ask(None, photo=b"alice-photo", caption="The speaker")
    photo = await team.mediator.reply()
    assert photo["caption"].startswith(f"{ref} · the reporter (Alice) says:")

    await bob.click(joined, text="📝 Tell the mediator my side")
    await bob.reply()
    await bob.ask("Bob here: I work nights and sleep by day.")
    from_bob = await team.mediator.reply()
    assert from_bob["text"].startswith(f"{ref} · the other party (Bob) says:")
    last_question = await bob.ask(None, document=("lease.pdf", b"%PDF-1.4", "application/pdf"))
    document = await team.mediator.reply()
    assert document["document"]["file_name"] == "lease.pdf"
    await bob.click(last_question, text="Done")
    assert (await bob.reply())["text"] == "Thank you. The mediator has everything you sent."

    await bob.click(joined, text="📖 What I have sent")
    mine = await bob.reply()
    assert "Bob here" in mine["text"] and "(a document)" in mine["text"] and "Alice" not in mine["text"]
    # Neither party ever hears the other's words, name or phone.
    for text in [m.get("text") or m.get("caption") or "" for m in emulator.bot_messages(bob.user_id)]:
        assert "Alice" not in text and "midnight" not in text and "139" not in text
    for text in [m.get("text") or m.get("caption") or "" for m in emulator.bot_messages(team.resident.user_id)]:
        assert "Bob" not in text and "nights" not in text

    mediation = await team.pingan.services.mediation.of_case((await case_of(team, ref)).id)
    officer_chat = team.emulator.bot_messages(team.officer.user_id)[-1]
    forged = await team.officer.forge_press(officer_chat, PartyButton("mine", mediation.id).pack())
    assert forged["text"] == "Sorry, this button is not for you."


async def test_disputes_go_to_the_areas_mediators_first(team, make_user, pingan, clock):
    local = team.mediator
    other = make_user("Qian", language_code="en")
    await pingan.services.people.register_contact(other.user_id, "Qian", None, "en")
    await pingan.services.people.grant_by_system(other.user_id, Role.MEDIATOR, via="test")
    await pingan.services.people.set_own_area(local.user_id, "幸福小区")
    ref = await report_dispute(team)
    case = await case_of(team, ref)
    # A dispute's area comes from the group it was reported from; this one is set here directly.
    await pingan.services.db.execute("UPDATE cases SET area = ? WHERE id = ?", ("幸福小区", case.id))
    app = pingan.bot.application
    job = app.job_queue.get_jobs_by_name(MEDIATION_OFFERS_JOB)[0]
    await job.run(app)
    offer = await local.reply()
    assert offer["text"].startswith(f"🤝 A dispute needs a mediator: {ref}")
    assert "Alice" not in offer["text"]
    assert not other.pending_replies()
    await job.run(app)
    assert not other.pending_replies() and not local.pending_replies()  # each offer goes once
    clock.advance(timedelta(minutes=31))
    await job.run(app)
    later = await other.reply()
    assert later["text"].startswith(f"🤝 A dispute needs a mediator: {ref}")
    await other.click(later, text="🤝 Mediate")
    assert (await pingan.services.mediation.of_case(case.id)).mediator_id == other.user_id


async def joined_mediation(team, make_user):
    """Up to Bob joining; returns (ref, bob, the mediator's "Bob joined" message with the panel)."""
    ref = await report_dispute(team)
    payload = await invitation_link(team, ref)
    await team.mediator.reply()  # the QR code
    await team.resident.reply()  # "a mediator is now helping"
    bob = make_user("Bob", language_code="en")
    await bob.click(await bob.ask(f"/start {payload}"), text="✅ Join the mediation")
    await bob.reply()
    panel = await team.mediator.reply()
    await team.resident.reply()  # "good news"
    return ref, bob, panel


async def propose(mediator, panel, times):
    """The mediator proposes (place button, typed time) pairs and sends them."""
    await mediator.click(panel, text="📅 Propose meeting times")
    places = await mediator.reply()
    for place, typed in times:
        await mediator.click(places, text=place)
        await mediator.reply()
        places = await mediator.ask(typed)
    await mediator.click(places, text="📨 Send to both parties")
    assert (await mediator.reply())["text"] == "Sent to both parties. I will tell you what they choose."


async def test_meeting_times_picked_confirmed_reminded_and_attendance(team, make_user, pingan, clock):
    ref, bob, panel = await joined_mediation(team, make_user)
    alice, liu = team.resident, team.mediator
    mediation = await pingan.services.mediation.of_case((await case_of(team, ref)).id)
    anything_of_bobs = team.emulator.bot_messages(bob.user_id)[-1]
    for action in ("slots", "outcome", "reopen", "newlink"):  # the mediator's buttons, forged by a party
        forged = await bob.forge_press(anything_of_bobs, MediateButton(action, mediation.id).pack())
        assert forged["text"].startswith("Sorry, only the mediator can do this")
    forged = await bob.forge_press(anything_of_bobs, "medt:1:send")
    assert forged["text"] == "This question is no longer open."
    assert not bob.pending_replies() and not alice.pending_replies()
    await liu.click(panel, text="📅 Propose meeting times")
    places = await liu.reply()
    assert button_texts(places)[:3] == ["🏛 Mediation room", "🏠 On site", "📞 Phone or video"]
    await liu.click(places, text="🏛 Mediation room")
    await liu.reply()
    wrong = await liu.ask("tomorrow afternoon")
    assert wrong["text"].startswith("Please type the date and time like this: 2026-03-05 15:00")
    past = await liu.ask("2026-03-01 10:00")
    assert past["text"].startswith("That time has already passed.")
    places = await liu.ask("２０２６-03-05 15:00 Community centre, room 2")
    assert "• 5 Mar 15:00, the mediation room (Community centre, room 2)" in places["text"]
    await pingan.restart()
    await liu.click(places, text="📞 Phone or video")
    await liu.reply()
    places = await liu.ask("2026-03-06 10:00")
    await liu.click(places, text="📨 Send to both parties")
    await liu.reply()

    first_round = await alice.reply()
    assert first_round["text"].startswith(f"The mediator suggests these times to meet about {ref}.")
    assert button_texts(first_round) == ["5 Mar 15:00, the mediation room (Community centre, room 2)",
                                         "6 Mar 10:00, by phone or video", "None of these suit me"]
    bobs_round = await bob.reply()
    forged = await liu.forge_press(panel, first_round["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert forged["text"] == "Sorry, this button is not for you."
    await alice.click(first_round, text="5 Mar 15:00, the mediation room (Community centre, room 2)")
    assert (await alice.reply())["text"] == "Thank you. I will tell you when the time is agreed."
    await bob.click(bobs_round, text="None of these suit me")
    assert (await bob.reply())["text"] == "Thank you. I have asked the mediator for other times."
    asked = await liu.reply()
    assert asked["text"] == f"Bob (the other party) asks for other times for {ref}."

    await propose(liu, asked, [("🏠 On site", "2026-03-07 09:30 Building 3 entrance")])
    second = await alice.reply()
    stale = await alice.forge_press(second, first_round["reply_markup"]["inline_keyboard"][1][0]["callback_data"])
    assert stale["text"] == "These times are no longer open. Please use the latest message."
    await alice.click(second, text="7 Mar 09:30, on site (Building 3 entrance)")
    await alice.reply()
    await bob.click(await bob.reply(), text="7 Mar 09:30, on site (Building 3 entrance)")
    agreed = f"The meeting about {ref} is agreed: 7 Mar 09:30, on site (Building 3 entrance)."
    for person in (alice, bob, liu):
        assert (await person.reply())["text"].startswith(agreed)

    app = pingan.bot.application
    job = app.job_queue.get_jobs_by_name(MEDIATION_MEETINGS_JOB)[0]
    await job.run(app)
    assert not alice.pending_replies()
    clock.set(datetime(2026, 3, 6, 1, 31, tzinfo=UTC))  # 23 hours before 09:30 in Shanghai
    await job.run(app)
    await job.run(app)
    for person in (alice, bob, liu):
        assert (await person.reply())["text"].startswith(f"Reminder: the meeting about {ref} is tomorrow")
        assert not person.pending_replies()
    clock.set(datetime(2026, 3, 7, 0, 45, tzinfo=UTC))
    await job.run(app)
    for person in (alice, bob, liu):
        assert (await person.reply())["text"].startswith(f"Reminder: the meeting about {ref} is in an hour")
    clock.set(datetime(2026, 3, 7, 1, 35, tzinfo=UTC))
    await job.run(app)
    who = await liu.reply()
    assert who["text"].startswith(f"The meeting about {ref} was at 7 Mar 09:30")
    assert not alice.pending_replies() and not bob.pending_replies()
    forged = await bob.forge_press(bobs_round, who["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert forged["text"] == "Sorry, only the mediator can do this."
    await liu.click(who, text="The other party did not come")
    history = await pingan.services.cases.history((await case_of(team, ref)).id, liu.user_id)
    no_show = next(e for e in history if e.action == "mediation.no_show")
    assert no_show.detail == {"reporter_came": True, "other_came": False}
    figures = await pingan.services.mediation.figures(*MARCH)
    assert (figures.meetings_held, figures.no_shows) == (0, 1)
    # The mediator corrects it (Bob came after all): the meeting now counts as held.
    both = who["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert (await liu.forge_press(who, both)).get("text") is None
    figures = await pingan.services.mediation.figures(*MARCH)
    assert (figures.meetings_held, figures.no_shows) == (1, 0)


async def record_agreement(liu, panel, terms, photo=False):
    """The mediator records (who button, what, by when) terms and sends them to both parties."""
    await liu.click(panel, text="📝 Record the outcome")
    await liu.click(await liu.reply(), text="🤝 An agreement")
    review = None
    for n, (who, what, due) in enumerate(terms):
        if n:
            await liu.click(review, text="➕ Add a term")
        await liu.click(await liu.reply(), text=who)
        await liu.reply()
        await liu.ask(what)
        review = await liu.ask(due)
    if photo:
        await liu.click(review, text="📷 Add a photo of the signed paper")
        await liu.reply()
        review = await liu.ask(None, photo=b"signed-agreement")
        assert "With a photo of the signed paper." in review["text"]
    await liu.click(review, text="📨 Send to both parties to confirm")
    assert (await liu.reply())["text"] == "Sent to both parties to confirm. I will tell you their answers."


async def test_agreement_confirmed_kept_closes_the_case_and_follow_up_visit(team, make_user, pingan, clock):
    ref, bob, panel = await joined_mediation(team, make_user)
    alice, liu = team.resident, team.mediator
    await liu.click(panel, text="📝 Record the outcome")
    await liu.click(await liu.reply(), text="🤝 An agreement")
    await liu.click(await liu.reply(), text="The other party")
    await liu.reply()
    await liu.ask("No loud music after 22:00")
    refused = await liu.ask("next week")
    assert refused["text"].startswith("Please type a date from today on, like this: 2026-03-20")
    review = await liu.ask("2026-03-10")
    assert "1. the other party: No loud music after 22:00 (by 10 Mar)" in review["text"]
    await pingan.restart()
    await liu.click(review, text="➕ Add a term")
    await liu.click(await liu.reply(), text="The reporter")
    await liu.reply()
    await liu.ask("Knock on the door first, before calling anyone")
    review = await liu.ask("2026-03-12")
    await liu.click(review, text="📷 Add a photo of the signed paper")
    await liu.reply()
    review = await liu.ask(None, photo=b"signed-agreement")
    await liu.click(review, text="📨 Send to both parties to confirm")
    await liu.reply()

    for party in (alice, bob):
        assert "photo" in await party.reply()
    to_alice, to_bob = await alice.reply(), await bob.reply()
    assert "2. the reporter: Knock on the door first, before calling anyone (by 12 Mar)" in to_alice["text"]
    forged = await liu.forge_press(panel, to_alice["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert forged["text"] == "Sorry, this button is not for you."
    await alice.click(to_alice, text="✅ Yes, this is what we agreed")
    assert (await alice.reply())["text"] == "Thank you. I will tell you when the other party has confirmed too."
    await bob.click(to_bob, text="✅ Yes, this is what we agreed")
    for person in (alice, bob, liu):
        assert (await person.reply())["text"].startswith(f"Both parties confirmed the agreement about {ref}.")

    app = pingan.bot.application
    job = app.job_queue.get_jobs_by_name(MEDIATION_COMPLIANCE_JOB)[0]
    await job.run(app)
    assert not alice.pending_replies()
    clock.set(datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
    await job.run(app)
    await job.run(app)
    asks = [await alice.reply(), await bob.reply()]
    assert all("No loud music after 22:00" in a["text"] and a["text"].endswith("Was it done?") for a in asks)
    assert not alice.pending_replies()
    for party, ask in zip((alice, bob), asks, strict=True):
        await party.click(ask, text="✅ Yes, it was done")
        assert (await party.reply())["text"] == "Thank you for telling me."
    clock.set(datetime(2026, 3, 12, 1, 0, tzinfo=UTC))
    await job.run(app)
    for party in (alice, bob):
        await party.click(await party.reply(), text="✅ Yes, it was done")
        await party.reply()
    for person in (alice, bob, liu):
        assert (await person.reply())["text"] == (f"Every part of the agreement about {ref} was kept. The case is "
                                                  "closed as mediated. Thank you!")
    case = await case_of(team, ref)
    assert case.status == "resolved" and case.outcome == "mediated"

    clock.advance(timedelta(days=30))
    await job.run(app)
    await job.run(app)
    visit_alice, visit_bob = await alice.reply(), await bob.reply()
    assert visit_alice["text"].startswith(f"Some time has passed since the agreement about {ref}.")
    assert not bob.pending_replies()
    await alice.click(visit_alice, text="Yes, all is well")
    await alice.reply()
    await bob.click(visit_bob, text="No, there are problems again")
    await bob.reply()
    told = await liu.reply()
    assert told["text"] == f"Follow-up visit: Bob (the other party) says there are problems again about {ref}."
    figures = await pingan.services.mediation.figures(*MARCH)
    assert (figures.started, figures.joined, figures.agreements, figures.kept, figures.broken) == (1, 1, 1, 1, 0)
    assert figures.success_rate == 1.0
    assert (await pingan.services.mediation.figures(*MARCH, area="幸福小区")).started == 0
    assert (await pingan.services.mediation.figures(datetime(2026, 2, 1, tzinfo=UTC), MARCH[0])).started == 0
    stats = await team.admin.ask("/stats 2026-03-01..2026-03-31")
    assert ("Mediation with both parties: 1 started · the other party joined 1, declined 0 · meetings held 0 "
            "(no-shows 0) · agreements 1: kept 1, broken 0 · no agreement 0") in stats["text"]
    assert "Agreements kept, of mediations finished: 100" in stats["text"]
    exported = io.BytesIO()
    with using_locale("en"):
        labels = export_labels(pingan.services.config.reports)
        await pingan.services.export.write(ExportRequest("csv", None, None), exported, labels, None)
    [header, row] = list(csv.reader(io.StringIO(exported.getvalue().decode("utf-8-sig"))))
    assert row[header.index("Mediation with both parties")] == "mediated and kept"


async def test_disputed_agreement_goes_back_then_no_agreement_with_a_referral(team, make_user, pingan):
    ref, bob, panel = await joined_mediation(team, make_user)
    alice, liu = team.resident, team.mediator
    await record_agreement(liu, panel, [("Both parties", "Talk once a week", "2026-03-20")])
    to_alice, to_bob = await alice.reply(), await bob.reply()
    await bob.click(to_bob, text="✖ No, this is not what we agreed")
    assert (await bob.reply())["text"] == "Thank you. I have told the mediator, who will talk with you."
    back = await liu.reply()
    assert back["text"].startswith(f"Bob (the other party) says the agreement about {ref} is not what was agreed.")
    stale = await alice.click(to_alice, text="✅ Yes, this is what we agreed")
    assert stale["text"] == "This agreement is no longer waiting for your answer."

    await liu.click(back, text="📝 Record the outcome")
    await liu.click(await liu.reply(), text="No agreement")
    await liu.reply()
    referral = await liu.ask("They could not agree on the hours.")
    assert button_texts(referral) == ["The people's court", "Arbitration", "The labour inspection", "Another agency",
                                      "No referral"]
    await liu.click(referral, text="The people's court")
    assert (await liu.reply())["text"] == "Recorded: no agreement. Both parties have been told."
    for party in (alice, bob):
        assert (await party.reply())["text"] == (f"The mediation about {ref} ended without an agreement. Thank you "
                                                 "for taking part. You can take the matter to the people's court.")
    case = await case_of(team, ref)
    assert case.status == "resolved" and case.outcome == "referred"
    history = await pingan.services.cases.history(case.id, liu.user_id)
    assert {"mediation.agreement_disputed", "mediation.no_agreement"} <= {e.action for e in history}
    figures = await pingan.services.mediation.figures(*MARCH)
    assert (figures.agreements, figures.no_agreement, figures.success_rate) == (0, 1, 0.0)


async def test_a_broken_term_goes_to_the_mediator_who_reopens(team, make_user, pingan, clock):
    ref, bob, panel = await joined_mediation(team, make_user)
    alice, liu = team.resident, team.mediator
    await record_agreement(liu, panel, [("The other party", "Fix the leaking pipe", "2026-03-05")], photo=True)
    for party in (alice, bob):
        await party.reply()  # the photo of the signed paper
        await party.click(await party.reply(), text="✅ Yes, this is what we agreed")
        await party.reply()
    await alice.reply()  # both confirmed (Alice had first heard "when the other party has confirmed too")
    await liu.reply()
    clock.set(datetime(2026, 3, 5, 2, 0, tzinfo=UTC))
    app = pingan.bot.application
    await app.job_queue.get_jobs_by_name(MEDIATION_COMPLIANCE_JOB)[0].run(app)
    ask_alice = await alice.reply()
    await bob.reply()
    await alice.click(ask_alice, text="✖ No, it was not done")
    await alice.reply()
    broken = await liu.reply()
    assert broken["text"] == (f"Alice (the reporter) says this part of the agreement about {ref} was not done:\n"
                              "the other party: Fix the leaking pipe (by 5 Mar)")
    forged = await alice.forge_press(ask_alice, broken["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert forged["text"] == "Sorry, only the mediator can do this."
    await liu.click(broken, text="↩ Reopen the mediation")
    again = await liu.reply()
    assert again["text"] == f"The mediation of {ref} is open again. What next?"
    assert "📅 Propose meeting times" in button_texts(again)
    for party in (alice, bob):
        assert (await party.reply())["text"] == f"The mediator has taken up {ref} again and will be in touch."
    mediation = await pingan.services.mediation.of_case((await case_of(team, ref)).id)
    assert mediation.status == "joined"
    figures = await pingan.services.mediation.figures(*MARCH)
    assert (figures.agreements, figures.broken, figures.kept) == (1, 1, 0)
