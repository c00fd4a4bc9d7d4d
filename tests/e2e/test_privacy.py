"""Residents' privacy (issue 13): who sees a reporter's identity, sensitive categories, /mydata,
/erase down to the bytes of the database file, and the daily retention run across a restart."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.jobs import RETENTION_JOB
from storage.audit import AuditRepo
from storage.models import Role
from tests.conftest import STAFF_CHAT_ID
from tests.flows import submit, walk_incident
from tests.harness import button_texts

PHONE = "13800138000"


def contact_data(card) -> str:
    return card["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]


@pytest.fixture
async def riverside(team, make_user, emulator):
    """The team with Riverside as a known area and a supervisor whose area it is."""
    team.pingan.services.config.reports.areas.append("Riverside")
    team.riverside_chief = make_user("Chief Qian", language_code="en")
    emulator.add_member(STAFF_CHAT_ID, team.riverside_chief.user_id)
    people = team.pingan.services.people
    await people.register_contact(team.riverside_chief.user_id, "Chief Qian", None, "en")
    await people.grant_by_system(team.riverside_chief.user_id, Role.SUPERVISOR, via="test")
    await team.riverside_chief.ask("/area Riverside")
    return team


async def test_only_the_owner_the_areas_supervisor_and_an_assigned_mediator_see_the_contact(riverside):
    team = riverside
    ref = await submit(team.resident, await walk_incident(team.resident, where_button="Riverside", phone=PHONE))
    await team.press(team.officer, ref, text="✋ 接单")
    data = contact_data(team.card(ref))
    for refused in (team.mediator, team.officer2, team.supervisor):  # Chief Sun's area is not Riverside
        answer = await team.press(refused, ref, data=data)
        assert "only staff handling this case" in answer["text"] and "the case's owner" in answer["text"]
        assert PHONE not in answer["text"]
    for allowed in (team.officer, team.riverside_chief):
        answer = await team.press(allowed, ref, data=data)
        assert f"+86{PHONE}" in answer["text"] and "Alice" in answer["text"]
    case = await team.pingan.services.cases.by_ref(ref)
    await team.pingan.services.cases.assign(case.id, team.officer.user_id, team.mediator.user_id)
    answer = await team.press(team.mediator, ref, data=data)
    assert f"+86{PHONE}" in answer["text"]
    timeline = await team.pingan.services.reports.audit_of(case.id)
    looks = [(e.action, e.actor_id) for e in reversed(timeline) if e.action.startswith("case.contact")]
    assert looks == [("case.contact_refused", team.mediator.user_id), ("case.contact_refused", team.officer2.user_id),
                     ("case.contact_refused", team.supervisor.user_id), ("case.contact_viewed", team.officer.user_id),
                     ("case.contact_viewed", team.riverside_chief.user_id),
                     ("case.contact_viewed", team.mediator.user_id)]


async def test_a_sensitive_category_posts_a_card_without_details(team, emulator):
    secret = "Gambling den in the back room of the noodle shop, every night."
    ref = await submit(team.resident, await walk_incident(team.resident, category="Drugs or gambling tip",
                                                          description=secret, where="Building 9, room 101",
                                                          phone=PHONE))
    card = team.card(ref)
    assert "🔒" in card["text"] and secret[:20] not in card["text"] and "Building 9" not in card["text"]
    staff_chat_texts = " ".join(m.get("text") or "" for m in emulator.bot_messages(STAFF_CHAT_ID))
    assert secret[:20] not in staff_chat_texts
    # The area's supervisors (all of them: nobody has this area) are told privately, with the button.
    notice = await team.supervisor.reply()
    assert ref in notice["text"] and secret[:20] not in notice["text"]
    await team.supervisor.click(notice, text="📄 Full report")
    full = await team.supervisor.reply()
    assert secret in full["text"] and "Building 9" in full["text"]
    refused = await team.press(team.officer2, ref, text="📄 完整报告")
    assert "sensitive category" in refused["text"]
    assert not [m for m in team.officer2.pending_replies() if secret[:20] in (m.get("text") or "")]
    await team.press(team.officer, ref, text="✋ 接单")
    await team.press(team.officer, ref, text="📄 完整报告")  # the owner may read it
    assert secret in (await team.officer.reply())["text"]


async def my_data(resident, emulator) -> tuple[str, dict]:
    summary = await resident.ask("/mydata")
    document = await resident.reply()
    data = json.loads(emulator.file_bytes(document["document"]["file_id"]).decode("utf-8"))
    return summary["text"], data


async def test_mydata_has_the_persons_reports_and_nothing_of_anyone_elses(team, emulator, make_user):
    alice_text = "Someone keeps cutting the lock of my bike in shed 4."
    bob_text = "A stranger tries every car door in the north car park."
    ref = await submit(team.resident, await walk_incident(team.resident, description=alice_text, phone=PHONE))
    bob = make_user("Bob", language_code="en")
    await submit(bob, await walk_incident(bob, description=bob_text, phone="13912345678"))
    case = await team.pingan.services.cases.by_ref(ref)
    await team.pingan.services.cases.add_note(case.id, team.officer.user_id, "Internal: check the CCTV first.")
    summary, data = await my_data(team.resident, emulator)
    assert "1 report, with what you wrote in it" in summary
    dumped = json.dumps(data, ensure_ascii=False)
    assert alice_text in dumped and f"+86{PHONE}" in dumped and data["profile"]["first_name"] == "Alice"
    assert bob_text not in dumped and "13912345678" not in dumped and "Bob" not in dumped
    assert "CCTV" not in dumped  # staff notes are not the person's data
    [report] = data["reports"]
    assert report["reference"] == ref and report["answers"]["where"] == {"address": "Building 3, bike shed"}
    audit = await team.pingan.services.people.audit_for_user(team.resident.user_id)
    assert "privacy.data_exported" in [e.action for e in audit]


def database_bytes(pingan) -> bytes:
    path = Path(pingan.config.storage.path)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_erase_anonymises_everywhere_and_the_figures_stay(team, emulator, make_user):
    resident = make_user("Xiaoyu Tan", language_code="en", username="xiaoyu_tan")
    team.resident = resident
    closed_text = "My scooter was scratched with a key in the underground garage."
    open_text = "Packages keep disappearing from the lobby of building 7."
    closed_ref = await submit(resident, await walk_incident(resident, description=closed_text, phone=PHONE))
    await team.resolve(closed_ref)
    open_ref = await submit(resident, await walk_incident(resident, description=open_text, where="Lobby 7B",
                                                          phone=PHONE))
    listing = await resident.ask("/myreports")
    await resident.click(listing, text=next(b for b in button_texts(listing) if open_ref in b))
    await resident.click(resident.current(listing), text="➕ Add information")
    await resident.reply()
    await resident.ask("The courier van is blue with a dented door.")
    await resident.ask(None, photo=b"van photo")
    stats_before = (await team.officer.ask("/stats"))["text"]

    confirmation = await resident.ask("/erase")
    assert "Your name, username and phone numbers are removed" in confirmation["text"]
    assert "closed as withdrawn by you" in confirmation["text"] and "closed report" in confirmation["text"]
    # Someone else's press with this request's data, on their own message, does nothing.
    other = make_user("Mallory", language_code="en")
    their_message = await other.ask("/help")
    refused = await other.forge_press(their_message, confirmation["reply_markup"]["inline_keyboard"][0][0]
                                      ["callback_data"])
    assert "not for you" in refused["text"]
    assert PHONE.encode() in database_bytes(team.pingan)

    first = await resident.click(confirmation, text="🗑 Yes, erase my data")
    second = await resident.forge_press(confirmation, confirmation["reply_markup"]["inline_keyboard"][0][0]
                                        ["callback_data"])  # a double tap
    assert first.get("text") in (None, "") and second["text"] == "Your data has already been erased."
    done = resident.current(confirmation)
    assert done["text"].startswith("Done: your data has been erased.") and not done.get("reply_markup")
    assert not [c for c in emulator.calls if not c.ok and "not modified" in (c.description or "")]
    audit = await team.pingan.services.people.audit_for_user(resident.user_id)
    assert [e.action for e in audit].count("privacy.erased") == 1
    # The open report was closed as withdrawn; nobody owned it, so the staff chat hears, by reference.
    withdrawn = await team.pingan.services.cases.by_ref(open_ref)
    assert withdrawn.status == "withdrawn" and withdrawn.description == ""
    told = [m["text"] for m in emulator.bot_messages(STAFF_CHAT_ID) if "要求删除个人信息" in
            (m.get("text") or "")]
    assert told and open_ref in told[0] and "Xiaoyu" not in told[0]

    raw = database_bytes(team.pingan)
    for gone in (PHONE, "Xiaoyu", "xiaoyu_tan", closed_text[:25], open_text[:25], "Lobby 7B", "courier van",
                 "Building 3, bike shed", "0013 8000"):
        assert gone.encode() not in raw, gone
    summary, data = await my_data(resident, emulator)
    dumped = json.dumps(data, ensure_ascii=False)
    for gone in (PHONE, "Xiaoyu", closed_text[:25], open_text[:25], "courier"):
        assert gone not in dumped and gone not in summary
    assert len(data["reports"]) == 2 and data["erasure_requests"][0]["state"] == "done"
    stats_after = (await team.officer.ask("/stats"))["text"]
    assert "Reports received: 2" in stats_before and "Reports received: 2" in stats_after
    assert not [e for e in await team.pingan.services.people.audit_for_user(resident.user_id)
                if PHONE in json.dumps(e.detail)]


async def test_keep_data_leaves_everything_and_the_buttons_go(team):
    ref = await team.report()
    confirmation = await team.resident.ask("/erase")
    await team.resident.click(confirmation, text="Keep my data")
    assert team.resident.current(confirmation)["text"] == "Nothing was erased. Your data stays as it was."
    assert (await team.pingan.services.cases.by_ref(ref)).description


@pytest.fixture
def config(config):
    return config.model_copy(update={"privacy": config.privacy.model_copy(update={"retention_days": 30})})


async def run_retention(pingan):
    app = pingan.bot.application
    await app.job_queue.get_jobs_by_name(RETENTION_JOB)[0].run(app)


async def test_retention_runs_once_a_day_and_a_restart_does_not_skip_it(team, clock, caplog):
    text = "Loud bangs from the car park every evening around eight."
    ref = await submit(team.resident, await walk_incident(team.resident, description=text, phone=PHONE))
    await team.resolve(ref)
    # A further reporter's answers, copied into the audit entry of their joining (of a case still open).
    await AuditRepo(team.pingan.services.db).record(clock.now(), team.resident.user_id, "case.joined", "case", 99,
                                                    {"choice": "add_to_existing", "details": {"where": "Elm 5"}})
    kind = await team.resident.ask("/report")  # an unfinished report, left behind
    await team.resident.click(kind, text="An incident: theft, fraud, danger…")
    # 31 days later, at 02:00 in Shanghai: not yet the run's time (03:00).
    clock.set(clock.now().replace(hour=18) + timedelta(days=30))
    await run_retention(team.pingan)
    assert (await team.pingan.services.cases.by_ref(ref)).description == text
    await team.pingan.restart()  # down over 03:00; back at 09:30
    clock.advance(timedelta(hours=7, minutes=30))
    with caplog.at_level(logging.INFO, logger="bot.services.retention"):
        await run_retention(team.pingan)
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.description == "" and "where" not in case.details and case.status == "resolved"
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("retention run"))
    assert "cases 1" in line and "drafts 1" in line and "audit_entries 1" in line
    [joined] = await team.pingan.services.reports.audit_of(99)
    assert joined.detail == {"choice": "add_to_existing"}  # who did what stays; their words go
    assert PHONE.encode() not in database_bytes(team.pingan) and text[:20].encode() not in database_bytes(team.pingan)
    await team.pingan.restart()
    await run_retention(team.pingan)  # claimed already today: no second run
    [(day, counts)] = await team.pingan.services.retention.runs()
    assert day == "2026-04-02" and counts["cases"] == 1
    clock.advance(timedelta(days=1))
    await run_retention(team.pingan)
    assert len(await team.pingan.services.retention.runs()) == 2
    assert "Reports received: 1" in (await team.officer.ask("/stats year"))["text"]


async def test_with_keep_open_cases_an_open_report_is_cleared_when_it_closes(team):
    team.pingan.services.config.privacy.keep_open_cases = True
    text = "The gate of the bike shed has been broken for a week."
    ref = await submit(team.resident, await walk_incident(team.resident, description=text, phone=PHONE))
    confirmation = await team.resident.ask("/erase")
    assert "stays with the officers until it is closed" in confirmation["text"]
    await team.resident.click(confirmation, text="🗑 Yes, erase my data")
    assert "will be cleared when it is closed" in team.resident.current(confirmation)["text"]
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.status == "new" and case.description == text  # still with the officers
    await team.resolve(ref)
    await run_retention(team.pingan)
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.description == "" and PHONE.encode() not in database_bytes(team.pingan)
    history = [e.action for e in await team.pingan.services.reports.audit_of(case.id)]
    assert "privacy.case_anonymised" in history and "case.withdrawn" not in history


async def test_privacy_mydata_and_erase_speak_chinese(pingan, make_user, emulator):
    resident = make_user("王芳", language_code="zh")
    privacy = await resident.ask("/privacy")
    assert "30 天" in privacy["text"] and "/erase" in privacy["text"] and "涉毒涉赌线索" in privacy["text"]
    summary, data = await my_data(resident, emulator)
    assert summary.startswith("平安保存的关于您的全部信息") and data["profile"]["first_name"] == "王芳"
    confirmation = await resident.ask("/erase")
    assert confirmation["text"].startswith("如果您确认") and "🗑 确认删除我的信息" in button_texts(confirmation)
    in_group = resident.in_chat(emulator.add_group("业主群", members=[resident.user_id])["id"])
    emulator.add_bot_to_group(in_group.chat_id, by_user_id=resident.user_id)
    await emulator.wait_for(lambda: emulator.bot_messages(in_group.chat_id))
    assert "私聊" in (await in_group.ask("/erase@pingan_test_bot"))["text"]
