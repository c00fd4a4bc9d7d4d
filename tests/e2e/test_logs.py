"""The log as an operator's collector reads it: one JSON object a line, with the update's ids and
the handler, and nothing about the people (names, phones, addresses, what they typed) or the token."""

from __future__ import annotations

import asyncio
import json
import signal
import time

from tests.e2e.test_process import ROOT, clean_env, spawn
from tests.flows import submit, walk_incident
from tests.harness import TOKEN, UserClient

NAME = "Wang Xiuying"
PHONE_DIGITS = "13800138000"
ADDRESS = "Building 3, bike shed"
DESCRIPTION = "Somebody took the battery of my e-bike from the shed"


async def test_json_logs_carry_update_ids_and_never_what_people_said(emulator, tmp_path):
    env = clean_env(
        PINGAN_TELEGRAM__TOKEN=TOKEN,
        PINGAN_TELEGRAM__API_URL=emulator.base_url,
        PINGAN_STORAGE__PATH=str(tmp_path / "run.db"),
        PINGAN_STAFF_CHAT_ID="-1009000000001",
        PINGAN_LOGGING__LEVEL="DEBUG",
        PINGAN_LOGGING__FORMAT="json",
    )
    emulator.add_group("Staff", chat_id=-1009000000001, members=[], admins=[])
    emulator.add_bot_to_group(-1009000000001, by_user_id=1, status="administrator")
    process = await spawn("run", "--config", str(ROOT / "config.yaml"), env=env, cwd=tmp_path)
    # Read the log as it comes: a DEBUG log would fill the pipe and stall the bot.
    log = asyncio.create_task(process.stderr.read())
    await emulator.wait_for(lambda: emulator.calls_to("getUpdates"), timeout=30)
    user = emulator.add_user(first_name=NAME, username="wang_xy", language_code="en")
    emulator.add_private_chat(user["id"])
    resident = UserClient(emulator, user, user["id"])
    ref = await submit(resident, await walk_incident(resident, description=DESCRIPTION, where=ADDRESS,
                                                     phone="138 0013 8000"))
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), timeout=15)
    stderr = await log
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert time.monotonic() - started < 12
    text = stderr.decode() + (await process.stdout.read()).decode()
    for secret in (TOKEN, TOKEN.split(":")[1], NAME, "wang_xy", PHONE_DIGITS, "138 0013 8000", ADDRESS, DESCRIPTION):
        assert secret not in text, f"{secret!r} is in the log"
    records = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]
    assert records, "the bot logged nothing"
    for record in records:
        assert {"time", "level", "logger", "message", "update_id", "chat_kind", "handler", "case_ref"} <= set(record)
    assert any(r["message"].startswith("Pingan is running") for r in records)
    handled = [r for r in records if r["update_id"] is not None]
    assert {r["chat_kind"] for r in handled} == {"private", "supergroup"}  # the resident; the staff chat join
    handlers = {r["handler"] for r in handled}
    assert {"private.private_message", "report.report_command", "report.on_button"} <= handlers, handlers
    assert ref.startswith("PA-")
