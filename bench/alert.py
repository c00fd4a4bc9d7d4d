"""Alert figures: an urgent alert to 1,000 groups while a scheduled notice to the same groups is
being sent, through the emulator with Telegram's flood limits enforced.

`pingan run` runs in its own process (as in production). The admin composes the alert in private
first; when the scheduled notice has started going out, they press "Send now". Prints: the time
from the press to the last alert delivered, the bound Telegram's limits allow for what the bot sent
to groups meanwhile (at 30 messages per second; the admin's own replies are not bulk sends), their
ratio (target ≤ 1.02), how many notices went out between the press and the last alert (target:
none; at most one already on its way), 429s, and alerts lost or duplicated; then in how many of the
`--runs` runs all targets were met. Run:
    .venv/bin/python bench/alert.py [--groups 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from broadcast import (  # noqa: E402
    PER_SECOND,
    TARGET,
    TIMEZONE,
    TOKEN,
    add_groups,
    next_whole_minute,
    prepare_database,
    spawn_bot,
    summary,
    write_config,
)
from machine import machine_line  # noqa: E402

from bot.emulator import Emulator  # noqa: E402
from tests.harness import UserClient  # noqa: E402

ADMIN_ID = 1
#: Seconds from the end of the setup to the notice's minute at least: start-up and composing the alert.
START_SECONDS = 30


def is_alert(call) -> bool:
    markup = str(call.params.get("reply_markup") or "")
    return "alr_" in markup


async def compose_alert(admin: UserClient) -> dict:
    """The /alert dialogue up to its confirmation; returns the confirmation message."""
    question = await admin.ask("/alert")
    await admin.click(question, text="missing person")
    await admin.reply()
    photos = await admin.ask("Girl, 6, red coat, lost near the east gate of the market at 15:00.")
    await admin.click(photos, text="Skip: no photos")
    targets = await admin.reply()
    await admin.click(targets, text=next(b for b in _buttons(targets) if "Continue" in b))
    await admin.click(await admin.reply(), text="No")
    await admin.click(await admin.reply(), text="24 h (usual)")
    message = await admin.reply(timeout=30)
    while "exactly what residents will see" not in (message.get("text") or ""):
        message = await admin.reply(timeout=30)
    return message


def _buttons(message: dict) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def run(groups: int) -> dict[str, float]:
    emulator = Emulator(token=TOKEN, bot_username="pingan_bench_bot", bot_name="Pingan")
    await emulator.start(host="127.0.0.1", port=0)
    workdir = Path(tempfile.mkdtemp(prefix="pingan-alert-"))
    config_path = write_config(workdir, next_whole_minute(START_SECONDS), admins=[ADMIN_ID])
    process = None
    try:
        print(f"setting up {groups} groups …", flush=True)
        chat_ids = add_groups(emulator, groups)
        await prepare_database(config_path, chat_ids)
        fire_local = next_whole_minute(START_SECONDS)  # the setup's own time varies with the machine's load
        write_config(workdir, fire_local, admins=[ADMIN_ID])
        print(f"  the notice starts at {fire_local:%H:%M:%S} ({TIMEZONE})", flush=True)
        user = emulator.add_user(first_name="Officer", language_code="en", user_id=ADMIN_ID)
        emulator.add_private_chat(ADMIN_ID)
        admin = UserClient(emulator, user, ADMIN_ID)

        process = await spawn_bot(config_path, workdir, emulator)
        await emulator.wait_for(lambda: emulator.long_polls("getUpdates"), timeout=60)
        confirm = await compose_alert(admin)
        emulator.set_flood_limits(True)
        start = len(emulator.calls)

        def notices_sent() -> int:
            return sum(1 for c in list(emulator.calls)[start:]
                       if c.ok and c.method == "sendMessage" and c.params.get("chat_id", 0) < 0 and not is_alert(c))

        await emulator.wait_for(lambda: notices_sent() >= 60, timeout=fire_local.timestamp() - time.time() + 120)
        pressed = len(emulator.calls)
        press_at = time.time()
        emulator.press_button(ADMIN_ID, ADMIN_ID, confirm["message_id"], text="✅ Send now")
        pending = set(chat_ids)
        scanned = pressed

        def delivered() -> bool:
            nonlocal scanned
            calls = emulator.calls
            for call in list(calls)[scanned:]:
                if call.ok and is_alert(call):
                    pending.discard(call.params.get("chat_id"))
            scanned = len(calls)
            return not pending

        await emulator.wait_for(delivered, timeout=groups / 10 + 120)
        await asyncio.sleep(2)  # time for any duplicate to show up
        calls = list(emulator.calls)[pressed:]
        alerts = [c for c in calls if c.ok and is_alert(c)]
        last_alert = max(c.at for c in alerts)
        # Only bulk sends count against Telegram's 30 a second: the admin's own replies do not.
        sends = [c for c in calls if c.ok and c.method.startswith("send") and c.at <= last_alert
                 and c.params.get("chat_id", 0) < 0]
        notices_ahead = [c for c in sends if not is_alert(c)]
        too_many = [c for c in calls if c.error_code == 429]
        per_group = {chat: 0 for chat in chat_ids}
        for c in alerts:
            per_group[c.params.get("chat_id")] = per_group.get(c.params.get("chat_id"), 0) + 1
        elapsed = last_alert - press_at
        bound = len(sends) / PER_SECOND
        print(f"groups: {groups}; the alert was pressed after {notices_sent_before(emulator, start, pressed)} "
              f"notices had gone out")
        first_alert = min(c.at for c in alerts)
        print(f"elapsed: {elapsed:.2f} s from the press to the last alert delivered "
              f"(first alert after {first_alert - press_at:.2f} s)")
        print(f"bound: {bound:.2f} s = {len(sends)} messages to groups meanwhile / {PER_SECOND} per s "
              f"[alerts alone: {groups / PER_SECOND:.2f} s]")
        print(f"ratio: {elapsed / bound:.3f} (target ≤ {TARGET})")
        print(f"notices sent between the press and the last alert: {len(notices_ahead)} "
              f"(target 0: at most one already on its way at the press)")
        where = ", ".join(f"{c.method} to {'a person' if c.params.get('chat_id', 0) > 0 else 'a group'} "
                          f"{'(alert)' if is_alert(c) else '(notice)'} at +{c.at - press_at:.2f} s"
                          for c in too_many[:5])
        print(f"429s received: {len(too_many)} (target 0){' — ' + where if where else ''}")
        for c in too_many[:2]:  # the sends Telegram (the emulator) saw in the second before a 429
            window = [x for x in calls if x.method.startswith("send") and c.at - 1.0 <= x.at <= c.at]
            gaps = [round((b.at - a.at) * 1000) for a, b in zip(window, window[1:], strict=False)]
            print(f"  before the 429 at +{c.at - press_at:.2f} s: {len(window)} sends, gaps (ms): {gaps}")
            kinds = [describe(x) for x in [*window[:3], *window[-2:]]]
            print(f"  first and last sends of that second: {kinds}")
        lost = sum(1 for n in per_group.values() if n == 0)
        duplicated = sum(n - 1 for n in per_group.values() if n > 1)
        print(f"alerts lost: {lost}, duplicated: {duplicated} (targets 0 and 0)", flush=True)
        return {"ratio": elapsed / bound, "429s": len(too_many), "lost": lost, "duplicated": duplicated}
    finally:
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=30)
        await emulator.stop()


def describe(call) -> str:
    """'sendMessage:alert', 'sendMessage:notice:429', 'sendMessage:person' …"""
    target = "alert" if is_alert(call) else ("person" if call.params.get("chat_id", 0) > 0 else "notice")
    return f"{call.method}:{target}" + ("" if call.ok else f":{call.error_code}")


def notices_sent_before(emulator: Emulator, start: int, end: int) -> int:
    return sum(1 for c in list(emulator.calls)[start:end]
               if c.ok and c.method == "sendMessage" and c.params.get("chat_id", 0) < 0 and not is_alert(c))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    results = [asyncio.run(run(args.groups)) for _ in range(args.runs)]
    summary(f"an alert to {args.groups} groups", results, TARGET)


if __name__ == "__main__":
    main()
