"""The privacy scan (issue 13): whole flows run — a report started in a residents' group, a
private report with a phone and an address, the contact looked at, a question and its answer, an
addition, the resolution and the follow-up visit, a sensitive report, /mydata and /erase — and no
reporter's phone, name, username, address or words appears in any group message (the staff chat:
no identity — the exact address included — and no word of the sensitive report), nor any of it or
the bot's token in a log line. The same for an urgent alert with a resident's tip and a scheduled
notice (issue 19): the tipster's name and words reach the officer alone."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.config_notices import NoticeSettings, ScheduleContent, ScheduleTargets
from bot.logging_setup import RedactSecrets
from storage.models import GroupKind, Role
from tests.conftest import STAFF_CHAT_ID
from tests.e2e.test_alerts import compose
from tests.flows import join_group, submit, walk_incident
from tests.harness import TOKEN, button_texts

PHONE, OTHER_PHONE = "13700137000", "13600136000"
NAME, USERNAME, OTHER_NAME = "Meiling Zhou", "meiling_z", "Guofeng Lin"
ADDRESS = "No. 18 Peach Lane, flat 302"
DESCRIPTION = "A man in a grey hoodie tried the doors of every flat on our floor."
ANSWER = "He came at about half past ten, carrying a crowbar."
ADDITION = "My neighbour saw him leave in a white van."
COMMENT = "The officer came within the hour, many thanks."
SENSITIVE = "People sell pills from the basement of the laundry shop."
IN_GROUP = "有人撬我家门锁"


@pytest.fixture
def config(config):
    """A theme the notice of the alert test can rotate (the tests' library is empty)."""
    notices = NoticeSettings.model_validate({
        "themes": {"locks": {"title": {"zh": "防盗", "en": "Locks"},
                             "tips": [{"zh": "锁好门", "en": "Lock the door"}]}},
    })
    return config.model_copy(update={"notices": notices})


class Capture(logging.Handler):
    """Every log line as production writes it (the token redacted by logging_setup's filter)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.addFilter(RedactSecrets([TOKEN]))
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    """Pingan's own loggers at DEBUG, libraries at their production levels (logging_setup's)."""
    capture = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    ours = [logging.getLogger(name) for name in ("bot", "handlers", "storage", "pingan")]
    for logger in ours:
        logger.setLevel(logging.DEBUG)
    quiet = [logging.getLogger(name) for name in ("httpx", "httpcore", "apscheduler", "aiohttp.access")]
    for logger in quiet:
        logger.setLevel(logging.WARNING)
    # The emulator is the test's Telegram, not Pingan: what it logs is not Pingan's log.
    logging.getLogger("bot.emulator").setLevel(logging.CRITICAL)
    yield capture.lines
    root.removeHandler(capture)
    root.setLevel(old_level)
    for logger in (*ours, *quiet, logging.getLogger("bot.emulator")):
        logger.setLevel(logging.NOTSET)


def group_texts(emulator, *, staff: bool) -> list[str]:
    """Every text and caption the bot sent or edited into group chats (the staff chat or the others)."""
    texts = []
    for call in emulator.calls:
        chat_id = call.params.get("chat_id")
        if chat_id is None or int(chat_id) >= 0 or (int(chat_id) == STAFF_CHAT_ID) != staff:
            continue
        texts += [str(call.params.get(key)) for key in ("text", "caption") if call.params.get(key)]
    return texts


async def test_no_reporter_data_in_any_group_message_or_log_line(team, emulator, make_user, clock, log_lines):
    resident = make_user(NAME, language_code="en", username=USERNAME)
    team.resident = resident
    in_group = await join_group(resident, title="Peach Lane homeowners")
    await in_group.ask(f"/report@pingan_test_bot {IN_GROUP}")
    ref = await submit(resident, await walk_incident(resident, description=DESCRIPTION, where=ADDRESS,
                                                     phone=PHONE))
    await team.press(team.officer, ref, text="✋ 接单")
    await resident.reply()
    contact = await team.press(team.officer, ref, data=team.card(ref)["reply_markup"]["inline_keyboard"][-1][0]
                               ["callback_data"])
    assert PHONE in contact["text"]  # the owner sees it, in a pop-up only they read
    await team.press(team.officer, ref, text="❓ 询问报告人")
    await team.officer.reply()
    await team.officer.ask("When did he come?")
    question = await resident.reply()
    await resident.ask(ANSWER, reply_to_message_id=question["message_id"])
    await team.officer.reply()
    listing = await resident.ask("/myreports")
    await resident.click(listing, text=button_texts(listing)[0])
    await resident.click(resident.current(listing), text="➕ Add information")
    await resident.reply()
    await resident.ask(ADDITION)
    await team.press(team.officer, ref, text="✅ 办结")
    await team.press(team.officer, ref, text="已解决")
    await team.officer.reply()
    await team.officer.ask("We patrolled the building and spoke to the caretaker.")
    await resident.reply()
    clock.advance(timedelta(days=3, minutes=1))
    await team.run_alarms()
    followup = await resident.reply()
    rating = await resident.reply()
    await resident.click(rating, text="⭐⭐⭐⭐⭐")
    comment_prompt = await resident.reply()
    await resident.click(followup, text="Yes, it is solved")
    await resident.reply()
    await resident.ask(COMMENT, reply_to_message_id=comment_prompt["message_id"])

    other = make_user(OTHER_NAME, language_code="en")
    # The staff chat fails once: the refusal is logged by reference and the card sent again.
    emulator.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=STAFF_CHAT_ID)
    await submit(other, await walk_incident(other, category="Drugs or gambling tip", description=SENSITIVE,
                                            where="Laundry shop basement", phone=OTHER_PHONE), card_in=None)
    await resident.ask("/mydata")
    await resident.reply()
    confirmation = await resident.ask("/erase")
    await resident.click(confirmation, text="🗑 Yes, erase my data")

    identity = [PHONE, "0013 7000", NAME, "Meiling", USERNAME, OTHER_PHONE, OTHER_NAME, "Guofeng"]
    words = [ADDRESS, DESCRIPTION[:30], ANSWER[:30], ADDITION[:30], COMMENT[:30], SENSITIVE[:30], IN_GROUP,
             "Laundry shop basement"]
    residents_groups = " | ".join(group_texts(emulator, staff=False))
    staff_chat = " | ".join(group_texts(emulator, staff=True))
    for secret in identity + words:
        assert secret not in residents_groups, secret
    # An ordinary case's exact address counts as identity too: the staff chat never gets it.
    for secret in [*identity, ADDRESS, SENSITIVE[:30], "Laundry shop basement"]:
        assert secret not in staff_chat, secret
    assert not [c for c in emulator.calls_to("sendLocation") if int(c.params["chat_id"]) == STAFF_CHAT_ID]
    assert ref in staff_chat and DESCRIPTION[:30] in staff_chat  # the staff chat does get ordinary cases
    logged = "\n".join(log_lines)
    # The capture works: ids and references are logged, and the staff chat's refusal (the card is
    # kept owed and sent again, by reference).
    assert "erasure" in logged and ref in logged and "trying again later" in logged
    for secret in [*identity, *words, TOKEN, TOKEN.split(":")[1]]:
        assert secret not in logged, secret


TIPSTER = "Xiuying Qian"
TIP = "I saw the boy get on the number 12 bus outside the Qian family bakery."


async def test_no_tipster_data_in_any_group_message_or_log_line(pingan, emulator, make_user, clock, staff_chat,
                                                                log_lines):
    """Alerts with tips and notices: the tipster's name and words reach the officer alone;
    the groups get the alert and the notice, the staff chat the tip without who gave it."""
    officer = make_user("Wang", language_code="en")
    await pingan.services.people.register_contact(officer.user_id, "Wang", None, "en")
    await pingan.services.people.grant_by_system(officer.user_id, Role.OFFICER, via="test")
    tipster = make_user(TIPSTER, language_code="en", username="xiuying_q")
    in_group = await join_group(tipster, title="Peach Lane homeowners")
    group = await pingan.services.groups.by_chat_id(in_group.chat_id)
    await pingan.services.groups.change(group.id, 1, frozenset({Role.ADMIN}), kind=GroupKind.HOMEOWNERS,
                                        area="Peach Lane", language="en")
    previews = await compose(officer, text="Boy, 8, blue cap, missing since 16:00 near Peach Lane.")
    await officer.click(previews[-1], text="✅ Send now")
    alert = await emulator.wait_for(lambda: next((m for m in emulator.bot_messages(in_group.chat_id)
                                                  if "Urgent alert" in (m.get("text") or m.get("caption") or "")),
                                                 None))
    payload = alert["reply_markup"]["inline_keyboard"][0][0]["url"].split("start=")[1]
    await tipster.ask(f"/start {payload}")
    await tipster.reply()
    await tipster.ask(TIP)
    tip = await emulator.wait_for(lambda: next((m for m in emulator.bot_messages(officer.chat_id)
                                                if "Information on your alert" in (m.get("text") or "")), None))
    assert TIPSTER in tip["text"] and TIP[:30] in tip["text"]  # the officer, in private, hears who said it
    await pingan.services.notices.add_schedule(officer.user_id, frozenset({Role.OFFICER}), "0 10 * * *",
                                               ScheduleTargets(), ScheduleContent(theme="locks"))
    clock.advance(timedelta(hours=1, minutes=1))
    await pingan.services.notices.run_due()
    await emulator.wait_for(lambda: len(emulator.bot_messages(in_group.chat_id)) >= 3)  # greeting, alert, notice

    residents_groups = " | ".join(group_texts(emulator, staff=False))
    staff_chat_texts = " | ".join(group_texts(emulator, staff=True))
    identity = [TIPSTER, "Xiuying", "xiuying_q", str(tipster.user_id)]
    for secret in [*identity, TIP[:30]]:
        assert secret not in residents_groups, secret
    for secret in identity:
        assert secret not in staff_chat_texts, secret
    logged = "\n".join(log_lines)
    assert "alert" in logged  # the capture works
    for secret in [*identity[:3], TIP[:30], TOKEN, TOKEN.split(":")[1]]:
        assert secret not in logged, secret
