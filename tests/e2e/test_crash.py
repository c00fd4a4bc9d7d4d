"""kill -9, for real: `pingan run` as its own process, killed with SIGKILL at seeded random moments
while residents file reports, an officer works the cases, a scheduled notice and an urgent alert go
to 100 groups with Telegram's flood limits on; started again after each kill.

Afterwards: every reference a resident was shown is a complete case with its staff card; no report
became two cases; an unfinished report can be continued; no notice reached a group twice, and the
groups it missed are at most the sends in flight at the kills; no group missed the alert; a card or
a confirmation sent again after a kill caught it in flight says it is one (of each, at most one copy
went out unmarked); no case action was applied twice; the database passes `PRAGMA integrity_check`.

CI runs 30 kills (seed `PINGAN_CRASH_SEED`, default 19). `PINGAN_SOAK=1` runs the soak: 300 kills
and more people (`PINGAN_SOAK_KILLS` to choose).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.crash_driver import (
    REF,
    AlertSender,
    BotProcess,
    Officer,
    Resident,
    buttons_of,
    cases_by_token,
    integrity,
    load_schedules_as_of,
    proof_env,
    query,
)

SEED = int(os.environ.get("PINGAN_CRASH_SEED", "19"))
SOAK = os.environ.get("PINGAN_SOAK") == "1"
KILLS = int(os.environ.get("PINGAN_SOAK_KILLS", "300")) if SOAK else int(os.environ.get("PINGAN_CRASH_KILLS", "30"))
RESIDENTS = 8 if SOAK else 4
REPORTS_EACH = 3 if SOAK else 2
GROUPS = 100
STAFF_CHAT_ID = -1009000000001
OFFICER_ID, ALERT_OFFICER_ID = 900001, 900002
ALERT_TEXT = "Boy, 8, blue jacket, last seen at the north gate of Riverside at 16:00."
#: The first characters of a case card, by its status (the staff chat reads zh).
CARD_MARKS = ("🆕", "⚪", "🔴", "🟠", "🟡", "🟢")
#: The line a copy of an alert sent again after a crash ends with (the groups read English).
RESEND_NOTE = "Sent again: this alert may have reached you twice."
#: How a card (zh staff chat) and a confirmation (English residents) sent again say so.
CARD_RESENT, CONFIRMATION_RESENT = "重发", "Sent again"
#: How long the groups' first sends take to be answered.
SLOW_SEND_SECONDS = 0.3
#: The longest a kill waits for its moment (a number of further Bot API calls, seeded).
KILL_WINDOW_SECONDS = 2.0


def _schedule_minute() -> datetime:
    """The minute that last began: the notice's occurrence, due (missed) at the first start."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def _unsettled(emulator, db_path, residents, alerter, staff) -> str:
    """What is still under way, for a failure message."""
    lines = [f"outbox {query(db_path, 'SELECT state, priority, count(*) FROM notice_outbox GROUP BY 1, 2')}",
             f"alert sent={alerter.sent} reported={alerter.reported}: "
             f"{[m.get('text', '')[:60] for m in emulator.bot_messages(alerter.user_id)[-3:]]}",
             f"open card: {[(ref, buttons_of(card)) for ref, card in [staff.open_card() or ('', {})]]}",
             f"answers: {[c.params.get('text') for c in emulator.calls_to('answerCallbackQuery')[-4:]]}",
             f"officer: {[(m.get('text') or '')[:70] for m in emulator.bot_messages(staff.user_id)[-4:]]}"]
    for resident in residents:
        if not resident.finished:
            last = [(m.get("text") or "")[:50] for m in emulator.bot_messages(resident.user_id)[-3:]]
            lines.append(f"resident {resident.number}: done {resident.done}, submitting {resident.submitting}, {last}")
    return "\n".join(lines)


def _sent_copies(emulator, chat_ids: set[int], keep) -> dict:
    """Every message that went out to these chats as sent (later edits aside: the officer's presses
    edit the cards), grouped by `keep(chat_id, text)` (None: not counted)."""
    copies: dict = {}
    for call in emulator.calls_to("sendMessage"):
        if not call.ok or int(call.params.get("chat_id", 0)) not in chat_ids:
            continue
        key = keep(int(call.params["chat_id"]), call.result.get("text") or "")
        if key is not None:
            copies.setdefault(key, []).append(call.result.get("text") or "")
    return copies


def _unmarked_twice(copies: dict, note: str) -> list:
    """The items of which more than one copy went out without `note`."""
    return [key for key, texts in copies.items() if sum(note not in text for text in texts) > 1]


def _card_ref(_chat_id: int, text: str) -> str | None:
    return REF.search(text).group(0) if text.startswith(CARD_MARKS) and REF.search(text) else None


def _confirmed(chat_id: int, text: str) -> tuple[int, str] | None:
    return (chat_id, REF.search(text).group(0)) if "Reference" in text and REF.search(text) else None


def _is_alert(message: dict) -> bool:
    return ALERT_TEXT in (message.get("text") or message.get("caption") or "")


def _reached(emulator, groups: list[int], alert: bool) -> int:
    """How many groups have the alert (or the notice)."""
    return sum(1 for chat in groups if any(_is_alert(m) == alert for m in emulator.bot_messages(chat)))


async def _kill_moment(emulator, groups: list[int], rng: random.Random) -> None:
    """Returns at the next kill's moment (seeded): while a broadcast is under way (or the notice is
    due), a few groups further into it; otherwise a few Bot API calls on. Never later than
    KILL_WINDOW_SECONDS."""
    window = rng.uniform(0.1, KILL_WINDOW_SECONDS)
    for alert in (True, False):
        reached = _reached(emulator, groups, alert)
        if 0 < reached < len(groups) or (not alert and reached == 0):
            target = reached + rng.randint(2, 15)
            await emulator.wait_until(lambda: _reached(emulator, groups, alert) >= target,  # noqa: B023
                                      timeout=window)
            return
    moment = emulator.call_count + rng.randint(1, 100)
    await emulator.wait_until(lambda: emulator.call_count >= moment, timeout=window)


@pytest.mark.slow  # runs `pingan run` as its own process
async def test_kill_9_at_random_moments_loses_nothing_and_does_nothing_twice(emulator, tmp_path):
    rng = random.Random(SEED)
    emulator.set_flood_limits(True, private_per_second=3)
    officer = emulator.add_user("Officer Wang", language_code="en", user_id=OFFICER_ID)
    alert_officer = emulator.add_user("Officer Zhao", language_code="en", user_id=ALERT_OFFICER_ID)
    for user in (officer, alert_officer):
        emulator.add_private_chat(user["id"])
    emulator.add_group("Staff", chat_id=STAFF_CHAT_ID, members=[OFFICER_ID, ALERT_OFFICER_ID], admins=[OFFICER_ID])
    emulator.set_bot_rights(STAFF_CHAT_ID, status="administrator", can_pin_messages=True)
    groups = []
    for n in range(GROUPS):
        chat = emulator.add_group(f"Riverside {n}", type="supergroup")
        emulator.set_bot_rights(chat["id"], status="member")
        # A slow Telegram: each group's first sends take a while, so that kills find sends in flight.
        for method in ("sendMessage", "sendPhoto"):
            emulator.delays.delay_next(method, SLOW_SEND_SECONDS, chat_id=chat["id"], times=2)
        groups.append(chat["id"])
    residents = []
    for n in range(RESIDENTS + 1):
        user = emulator.add_user(f"Resident {n}", language_code="en", user_id=700001 + n)
        emulator.add_private_chat(user["id"])
        residents.append(Resident(emulator, user["id"], n, REPORTS_EACH))
    quitter = residents.pop()  # leaves a report half-way, to continue it at the end
    quitter.stop_at, quitter.reports = "What happened?", 1

    fire = _schedule_minute()
    db_path = tmp_path / "crash.db"
    env = proof_env(emulator, db_path, groups, admins=[OFFICER_ID, ALERT_OFFICER_ID], staff_chat_id=STAFF_CHAT_ID,
                    notice_id="crash-notice", fire=fire,
                    PINGAN_LOGGING__LEVEL=os.environ.get("PINGAN_CRASH_LOG_LEVEL", "INFO"))
    await load_schedules_as_of(env, fire - timedelta(minutes=1))
    bot = BotProcess(emulator, env, tmp_path)
    await bot.start()

    stop = asyncio.Event()
    staff = Officer(emulator, OFFICER_ID, STAFF_CHAT_ID)
    alerter = AlertSender(emulator, ALERT_OFFICER_ID, ALERT_TEXT)
    people = [*(asyncio.create_task(r.run(stop)) for r in [*residents, quitter]),
              asyncio.create_task(staff.run(stop)), asyncio.create_task(alerter.run(stop))]
    in_flight_at_kills = 0
    began = time.monotonic()
    try:
        alert_sent_at_kill = None
        while bot.kills < KILLS or alert_sent_at_kill is None or bot.kills < alert_sent_at_kill + 3:
            if alerter.sent and alert_sent_at_kill is None:
                alert_sent_at_kill = bot.kills
            await _kill_moment(emulator, groups, rng)
            await bot.kill()
            in_flight_at_kills += query(db_path, "SELECT count(*) FROM notice_outbox "
                                                 "WHERE state = 'sending' AND priority = 0")[0][0]
            await bot.start()

        killing = time.monotonic() - began
        # Calm after the storm: the bot stays up until everyone is done and every row is settled.
        def settled() -> bool:
            rows = query(db_path, "SELECT count(*) FROM notice_outbox WHERE state IN ('pending', 'sending')")
            cards_open = staff.open_card() is not None
            return (all(r.finished for r in residents) and alerter.reported and rows[0][0] == 0
                    and not cards_open)

        if not await emulator.wait_until(settled, timeout=120):
            raise AssertionError("never settled: " + _unsettled(emulator, db_path, residents, alerter, staff))
    finally:
        stop.set()
        await asyncio.gather(*people)
        if bot.process is not None and sys.exc_info()[0] is not None:
            await bot.kill()  # a failure: the emulator is about to stop under it

    # The quitter's report was left at "What happened?": it can be continued and sent.
    quitter.stop_at = None
    await asyncio.wait_for(quitter.run(asyncio.Event()), timeout=60)
    continued = [m for m in emulator.bot_messages(quitter.user_id)
                 if (m.get("text") or "").startswith("You have an unfinished report")]
    assert await bot.stop() == 0

    # Every reference shown is one complete case with its card; no report became two cases.
    by_token = cases_by_token(db_path)
    shown: dict[str, int] = {}
    for resident in [*residents, quitter]:
        for ref in resident.refs_shown():
            shown[ref] = resident.user_id
    stored = {ref: reporter for cases in by_token.values() for ref, reporter in cases}
    card_refs = [REF.search(m.get("text") or "").group(0) for m in emulator.bot_messages(STAFF_CHAT_ID)
                 if (m.get("text") or "").startswith(CARD_MARKS) and REF.search(m.get("text") or "")]
    cards = set(card_refs)
    incomplete = [ref for ref, complete in query(db_path, "SELECT ref, complete FROM cases") if not complete]
    doubled = {token: cases for token, cases in by_token.items() if len(cases) > 1}
    expected_reports = RESIDENTS * REPORTS_EACH + 1

    # Notices: at most once per group; the groups missed are the sends in flight at a kill.
    notice_counts = [sum(1 for m in emulator.bot_messages(chat) if not _is_alert(m)) for chat in groups]
    missed = [chat for chat, count in zip(groups, notice_counts, strict=True) if count == 0]
    states = dict(query(db_path, "SELECT state, count(*) FROM notice_outbox WHERE priority = 0 GROUP BY state"))
    uncertain_chats = {row[0] for row in query(db_path, "SELECT chat_id FROM notice_outbox "
                                                        "WHERE priority = 0 AND state = 'uncertain'")}
    # The alert: in every group; a copy sent again after a crash says so.
    alert_copies = [[m for m in emulator.bot_messages(chat) if _is_alert(m)] for chat in groups]
    repeats_unmarked = [copies[1:] for copies in alert_copies if len(copies) > 1 and not all(
        RESEND_NOTE in (m.get("text") or m.get("caption") or "") for m in copies[1:])]
    card_copies = _sent_copies(emulator, {STAFF_CHAT_ID}, _card_ref)
    confirmation_copies = _sent_copies(emulator, {r.user_id for r in [*residents, quitter]}, _confirmed)
    unmarked_cards = _unmarked_twice(card_copies, CARD_RESENT)
    unmarked_confirmations = _unmarked_twice(confirmation_copies, CONFIRMATION_RESENT)
    actions_twice = query(db_path, "SELECT subject_id, action, count(*) FROM audit_log "
                                   "WHERE action IN ('case.accepted', 'case.resolved') "
                                   "GROUP BY subject_id, action HAVING count(*) > 1")
    tracebacks = [m for chat in [*groups, STAFF_CHAT_ID, OFFICER_ID, ALERT_OFFICER_ID,
                                 *(r.user_id for r in residents)]
                  for m in emulator.bot_messages(chat) if "Traceback" in (m.get("text") or "")]
    summary = (f"crash: seed {SEED}, {bot.kills} kills, {bot.starts} starts "
               f"(start-up median {statistics.median(bot.start_seconds):.2f} s), {killing:.0f} s of kills, "
               f"{time.monotonic() - began:.0f} s in all; {len(shown)} references shown, "
               f"{len(stored)} cases, {len(doubled)} doubled, {len(incomplete)} incomplete, "
               f"cards sent again {sum(len(c) - 1 for c in card_copies.values())} ({len(unmarked_cards)} unmarked), "
               f"confirmations sent again {sum(len(c) - 1 for c in confirmation_copies.values())} "
               f"({len(unmarked_confirmations)} unmarked); "
               f"notice: {GROUPS - len(missed)}/{GROUPS} groups, {len(missed)} missed, "
               f"{in_flight_at_kills} in flight at kills, outbox {states}; "
               f"alert: {sum(1 for c in alert_copies if c)}/{GROUPS} groups, "
               f"{sum(max(0, len(c) - 1) for c in alert_copies)} sent again; "
               f"case actions twice: {len(actions_twice)}; resident nudges {sum(r.nudges for r in residents)}, "
               f"officer nudges {staff.nudges}, alert officer nudges {alerter.nudges}; continued: {bool(continued)}")
    print(summary)
    assert set(shown) <= set(stored), summary
    assert all(shown[ref] == stored[ref] for ref in shown), summary
    assert set(stored) <= cards, summary
    assert not incomplete and not doubled, summary
    assert len(by_token) == expected_reports and len(shown) == expected_reports, summary
    assert continued and quitter.finished, summary
    assert max(notice_counts) == 1, summary
    assert len(missed) <= in_flight_at_kills and set(missed) <= uncertain_chats, summary
    assert all(alert_copies) and not repeats_unmarked, summary
    assert not unmarked_cards and not unmarked_confirmations, summary
    assert not actions_twice, summary
    assert not tracebacks, summary
    assert integrity(db_path) == "ok", summary
