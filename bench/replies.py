"""A surge of residents writing at once (after an alert, say) while a broadcast runs: how fast
Pingan answers them against a bare python-telegram-bot bot on the same emulator, in the same run.

Telegram's ~30 messages a second is for bulk notifications; a reply to someone who just wrote is
limited per chat (the emulator models it so: a send to a chat that wrote in the last minute is not
counted in the global window). Both bots answer one message per resident, in `--rounds` surges
each, taking turns (the machine is shared: the median round counts); Pingan's notice to
`--groups` groups goes out through its outbox the whole time. Prints the machine, each bot's median answer rate and
p50/p99 latency, their ratio (target ≥ 0.5), and the 429s received during the surges (target 0).
Run:
    .venv/bin/python bench/replies.py [--residents 100] [--groups 900] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from machine import machine_line  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from storage.outbox import OutboxRepo  # noqa: E402
from tests.harness import BotHarness  # noqa: E402

TOKEN = "4245:bench-replies"


async def surge(emulator: Emulator, residents: int, text: str) -> list[float]:
    """`residents` new people write at the same moment; returns each one's wait for the first answer."""
    users = []
    for _ in range(residents):
        user = emulator.add_user(first_name="Resident", language_code="en")
        emulator.add_private_chat(user["id"])
        users.append(user["id"])
    answered: dict[int, float] = {}
    started = time.perf_counter()
    for user_id in users:
        emulator.user_sends(user_id, user_id, text)

    def all_answered() -> bool:
        now = time.perf_counter()
        for user_id in users:
            if user_id not in answered and emulator.bot_messages(user_id):
                answered[user_id] = now - started
        return len(answered) == len(users)

    await emulator.wait_for(all_answered, timeout=120)
    return sorted(answered.values())


def bare_ptb(emulator: Emulator) -> Application:
    """The baseline: an echo bot with python-telegram-bot's defaults (no rate limiter)."""
    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    app = Application.builder().token(TOKEN).base_url(emulator.base_url + "/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def polling(app: Application, emulator: Emulator, residents: int, text: str) -> list[float]:
    """One surge answered by `app`, which polls only meanwhile (the two bots share the token)."""
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        return await surge(emulator, residents, text)
    finally:
        await app.updater.stop()


async def queue_broadcast(harness: BotHarness, emulator: Emulator, groups: int) -> None:
    """A notice to `groups` groups, written to the outbox as the notice timer writes it."""
    services = harness.services
    now = services.clock.now()
    rows = []
    for n in range(groups):
        chat = emulator.add_group(f"Building {n}")
        emulator.add_bot_to_group(chat["id"], by_user_id=1)
        await services.groups.bot_status_changed(chat["id"], chat["title"], "supergroup", "member", False, None)
        group = await services.groups.by_chat_id(chat["id"])
        rows.append({"key": f"notice:bench:{n}", "schedule_id": None, "occurrence": now, "group_id": group.id,
                     "chat_id": chat["id"], "locale": "zh", "text": f"防诈提示 {n}", "image": None,
                     "not_before": now})
    await OutboxRepo(services.db).add_many(rows, now)


async def compare(emulator: Emulator, residents: int, groups: int, rounds: int) -> tuple[list, list, int]:
    """Surges answered in turn by the bare bot and by Pingan (whose broadcast runs throughout);
    returns each bot's rounds and the notices sent by the end of the last one."""
    workdir = Path(tempfile.mkdtemp(prefix="pingan-bench-"))
    config = Settings(telegram={"token": TOKEN, "api_url": emulator.base_url},
                      storage={"path": str(workdir / "bench.db")})
    harness = BotHarness(config, SystemClock())
    await harness.start()
    ours = harness.bot.application
    await ours.updater.stop()  # it polls only during its own surges
    bare = bare_ptb(emulator)
    await bare.initialize()
    await bare.start()
    try:
        await queue_broadcast(harness, emulator, groups)
        broadcast = asyncio.create_task(harness.services.notices.dispatcher.deliver_due())
        await emulator.wait_for(lambda: _notices_sent(emulator) >= 30, timeout=30)  # a second under way
        bare_rounds, our_rounds = [], []
        for _ in range(rounds):
            bare_rounds.append(await polling(bare, emulator, residents, "hello"))
            our_rounds.append(await polling(ours, emulator, residents, "/help"))
        notices = _notices_sent(emulator)
        if broadcast.done():
            raise RuntimeError("the broadcast ended before the surges did: give more --groups")
        harness.services.notices.dispatcher.stop()
        await broadcast
        return bare_rounds, our_rounds, notices
    finally:
        await bare.stop()
        await bare.shutdown()
        await ours.updater.start_polling(poll_interval=0, timeout=1)  # as the harness expects to stop it
        await harness.stop()


def _notices_sent(emulator: Emulator) -> int:
    return sum(1 for c in emulator.calls_to("sendMessage") if c.ok and int(c.params["chat_id"]) < 0)


def _median_round(rounds: list[list[float]]) -> list[float]:
    """The round with the median answer rate (the last answer's wait decides it)."""
    return sorted(rounds, key=lambda waits: waits[-1])[len(rounds) // 2]


def _rate(waits: list[float]) -> float:
    return len(waits) / waits[-1]


def _line(name: str, waits: list[float]) -> str:
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    return (f"  {name:28} {_rate(waits):6.1f} answers/s   p50 {statistics.median(waits) * 1000:6.0f} ms"
            f"   p99 {p99 * 1000:6.0f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--groups", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    emulator = Emulator(token=TOKEN, bot_username="pingan_bench_bot", bot_name="Pingan")
    await emulator.start(host="127.0.0.1", port=0)
    emulator.set_flood_limits(True)
    try:
        bare_rounds, our_rounds, notices = await compare(emulator, args.residents, args.groups, args.rounds)
        refused = sum(1 for c in emulator.calls if c.error_code == 429)
    finally:
        await emulator.stop()
    bare, ours = _median_round(bare_rounds), _median_round(our_rounds)
    ratio = _rate(ours) / _rate(bare)
    print(machine_line())
    print(f"{args.residents} residents write at once, median of {args.rounds} rounds; flood limits on")
    print(_line("bare python-telegram-bot", bare))
    print(_line(f"Pingan, broadcasting to {args.groups}", ours))
    print(f"  ratio {ratio:.2f} (target ≥ 0.5); 429s {refused} (target 0); notices sent by the end: {notices}")


if __name__ == "__main__":
    asyncio.run(main())
