"""Broadcast figures: one notice to 1,000 groups through the emulator with flood limits enforced,
while 20 residents tap through a private dialogue (/language, then a button) the whole time.

Prints: elapsed time of the broadcast, the bound Telegram's limits allow (every message the bot
sent in that time, broadcast and replies alike, at 30 per second), their ratio (target ≤ 1.05),
429s received (target 0), notices lost and duplicated (target 0), and the p50/p99 reply latency
of the private dialogue steps (target p99 ≤ 200 ms). Run:
    .venv/bin/python bench/broadcast.py [--groups 1000] [--users 20] [--think 1.2]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import ManualClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.config_notices import NoticeSettings, ScheduleContent, ScheduleTargets  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from bot.runtime import Pingan  # noqa: E402
from storage.models import GroupKind, Role  # noqa: E402

TOKEN = "4242:bench-token"
PER_SECOND = 30
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
FIRE = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def resident(emulator: Emulator, user_id: int, stop: asyncio.Event, latencies: list[float],
                   think: float) -> None:
    """Taps through /language and its buttons, one step every `think` seconds, timing each answer."""
    languages = ["English", "中文"]
    turn = 0
    while not stop.is_set():
        seen = len(emulator.bot_messages(user_id))
        started = time.monotonic()
        emulator.user_sends(user_id, user_id, "/language")
        prompt = await emulator.wait_for(lambda: emulator.bot_messages(user_id)[seen:], timeout=30)
        latencies.append(time.monotonic() - started)
        await asyncio.sleep(think)  # a person reading the question
        started = time.monotonic()
        query = emulator.press_button(user_id, user_id, prompt[0]["message_id"], text=languages[turn % 2])
        await emulator.wait_for(lambda: emulator.callback_answer(query), timeout=30)
        latencies.append(time.monotonic() - started)
        turn += 1
        await asyncio.sleep(think)


async def run(groups: int, users: int, think: float) -> None:
    emulator = Emulator(token=TOKEN, bot_username="pingan_bench_bot", bot_name="Pingan")
    await emulator.start(host="127.0.0.1", port=0)
    workdir = Path(tempfile.mkdtemp(prefix="pingan-broadcast-"))
    notices = NoticeSettings.model_validate({
        "grace_minutes": 60,
        "themes": {"loans": {"title": {"zh": "网络贷款诈骗", "en": "Online-loan scams"},
                             "tips": [{"zh": "贷款前先交“手续费”的，都是诈骗。", "en": "Fees before a loan mean a scam."}]}},
    })
    config = Settings(telegram={"token": TOKEN, "api_url": emulator.base_url},
                      storage={"path": str(workdir / "bench.db")}, admins=[1], notices=notices,
                      logging={"level": "WARNING"})
    clock = ManualClock(START)
    bot = Pingan(config, clock, poll_timeout=1)
    await bot.start()
    try:
        services = bot.services
        print(f"setting up {groups} groups …", flush=True)
        chat_ids = []
        for n in range(groups):
            chat = emulator.add_group(f"Compound {n}", type="supergroup")
            emulator.set_bot_rights(chat["id"], status="member")
            membership = await services.groups.bot_status_changed(chat["id"], chat["title"], "supergroup", "member",
                                                                  False, None)
            await services.groups.change(membership.group.id, 1, frozenset({Role.ADMIN}), kind=GroupKind.HOMEOWNERS,
                                         area="Riverside", language="zh" if n % 2 else "en")
            chat_ids.append(chat["id"])
        await services.notices.add_schedule(1, frozenset({Role.ADMIN}), "0 10 * * *",
                                            ScheduleTargets(kinds=[GroupKind.HOMEOWNERS]),
                                            ScheduleContent(theme="loans"))
        people = [emulator.add_user(first_name=f"Resident {n}", language_code="zh")["id"] for n in range(users)]
        for user_id in people:
            emulator.add_private_chat(user_id)

        emulator.set_flood_limits(True)
        await asyncio.sleep(1.1)  # let the flood windows of the set-up calls empty
        calls_before = len(emulator.calls)
        stop = asyncio.Event()
        latencies: list[float] = []
        residents = [asyncio.create_task(resident(emulator, u, stop, latencies, think)) for u in people]
        await asyncio.sleep(2 * think)  # the residents are mid-dialogue when the broadcast starts
        latencies.clear()
        clock.set(FIRE)
        started = time.monotonic()
        broadcast_started_at = len(emulator.calls)
        report = await services.notices.run_due()
        elapsed = time.monotonic() - started
        broadcast_calls = list(emulator.calls)[broadcast_started_at:]
        stop.set()
        await asyncio.gather(*residents)

        sends = [c for c in broadcast_calls if c.ok and c.method.lower() in ("sendmessage", "sendphoto")]
        replies = [c for c in sends if isinstance(c.params.get("chat_id"), int) and c.params["chat_id"] > 0]
        too_many = [c for c in list(emulator.calls)[calls_before:] if c.error_code == 429]
        per_group = [sum(1 for m in emulator.bot_messages(chat_id)) for chat_id in chat_ids]
        lost = sum(1 for n in per_group if n == 0)
        duplicated = sum(n - 1 for n in per_group if n > 1)
        bound_alone = groups / PER_SECOND
        bound_shared = (groups + len(replies)) / PER_SECOND
        print(f"groups: {groups}, residents: {users}, think time {think:.1f} s")
        print(f"broadcast: sent {report.delivery.sent}, failed {report.delivery.failed}, "
              f"uncertain {report.delivery.uncertain}")
        print(f"elapsed: {elapsed:.2f} s")
        print(f"bound: {bound_shared:.2f} s = ({groups} notices + {len(replies)} private replies sent meanwhile) "
              f"/ {PER_SECOND} per s   [notices alone: {bound_alone:.2f} s]")
        print(f"ratio: {elapsed / bound_shared:.3f} (target ≤ 1.05)   [vs notices alone: {elapsed / bound_alone:.3f}]")
        print(f"429s received: {len(too_many)} (target 0)")
        print(f"lost: {lost}, duplicated: {duplicated} (target 0 and 0)")
        if latencies:
            print(f"private dialogue steps: {len(latencies)}, reply latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
                  f"(target p99 ≤ 200 ms)")
    finally:
        await bot.stop()
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--think", type=float, default=1.2, help="seconds a resident takes between steps")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.groups, args.users, args.think))


if __name__ == "__main__":
    main()
