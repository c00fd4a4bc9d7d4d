"""The update processor: different chats side by side, one chat's and one person's updates in order."""

from __future__ import annotations

import asyncio
from itertools import count

import pytest
from telegram import Update

from bot.update_order import OrderedUpdateProcessor, order_keys

_ids = count(1)


def message(chat_id: int, user_id: int | None, chat_type: str = "private") -> Update:
    """A text message update in `chat_id` from `user_id` (None: a channel post, no user)."""
    body = {"message_id": next(_ids), "date": 0, "chat": {"id": chat_id, "type": chat_type}, "text": "hello"}
    if user_id is None:
        return Update.de_json({"update_id": next(_ids), "channel_post": body}, None)
    body["from"] = {"id": user_id, "is_bot": False, "first_name": "Li"}
    return Update.de_json({"update_id": next(_ids), "message": body}, None)


async def turns() -> None:
    """Lets every task that can run do so (nothing here waits on the clock)."""
    for _ in range(10):
        await asyncio.sleep(0)


class Run:
    """Feeds updates to a processor as PTB does (a task each, in arrival order) and logs what they do."""

    def __init__(self, processor: OrderedUpdateProcessor) -> None:
        self.processor = processor
        self.log: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    def arrive(self, name: str, update: object, *, held: bool = False) -> asyncio.Task:
        """The update `name` arrives; `held` ones stay in their handler until `release(name)`."""
        gate = self.gates[name] = asyncio.Event()
        if not held:
            gate.set()

        async def handle() -> None:
            self.log.append(f"{name} starts")
            await gate.wait()
            await asyncio.sleep(0)  # a handler yields while it works (a send, a query)
            self.log.append(f"{name} ends")

        return asyncio.create_task(self.processor.process_update(update, handle()))

    def release(self, name: str) -> None:
        self.gates[name].set()

    def started(self, name: str) -> bool:
        return f"{name} starts" in self.log


@pytest.fixture
def run() -> Run:
    return Run(OrderedUpdateProcessor(32))


async def test_one_chats_updates_are_handled_in_arrival_order(run):
    tasks = [run.arrive(str(n), message(101, 7)) for n in range(20)]
    await asyncio.gather(*tasks)
    assert run.log == [f"{n} {what}" for n in range(20) for what in ("starts", "ends")]


async def test_different_chats_overlap_while_one_hangs(run):
    hanging = run.arrive("A1", message(101, 7), held=True)
    run.arrive("A2", message(101, 7))  # the same resident's next answer waits for the first
    await asyncio.wait_for(run.arrive("B", message(202, 8)), timeout=5)
    assert run.started("A1") and not run.started("A2") and "B ends" in run.log
    run.release("A1")
    await hanging
    await run.processor.all_handled()
    assert run.log.index("A1 ends") < run.log.index("A2 starts")


async def test_one_person_in_two_chats_stays_in_order(run):
    """A group join by a resident and his next private message: the same user, different chats."""
    run.arrive("in the group", message(-100123, 7, "supergroup"), held=True)
    run.arrive("in private", message(7, 7))
    await asyncio.wait_for(run.arrive("someone else", message(-100123 + 1, 9, "supergroup")), timeout=5)
    assert not run.started("in private")
    run.release("in the group")
    await run.processor.all_handled()
    assert run.log.index("in the group ends") < run.log.index("in private starts")


async def test_an_update_with_neither_chat_nor_user_is_ordered_with_everything(run):
    assert order_keys(Update(update_id=1)) == frozenset()
    run.arrive("A", message(101, 7), held=True)
    run.arrive("bare", Update(update_id=next(_ids)))
    run.arrive("B", message(202, 8))
    await turns()
    assert run.log == ["A starts"]
    run.release("A")
    await run.processor.all_handled()
    assert [line for line in run.log if line.endswith("starts")] == ["A starts", "bare starts", "B starts"]
    assert run.log.index("bare ends") < run.log.index("B starts")


async def test_a_channel_post_is_ordered_by_its_chat_alone(run):
    assert order_keys(message(-100555, None, "channel")) == {("chat", -100555)}


async def test_nothing_is_kept_per_chat_or_user_once_handled(run):
    run.arrive("A", message(101, 7), held=True)
    run.arrive("B", message(202, 8))
    run.arrive("C", message(-100123, 7, "supergroup"))
    await turns()
    # Chats 101 and -100123 and user 7 wait on A; B, unrelated, is done and forgotten.
    assert run.processor.tracked_keys == 3 and "B ends" in run.log
    run.release("A")
    await run.processor.all_handled()
    assert run.processor.tracked_keys == 0 and run.processor.current_concurrent_updates == 0


async def test_waiting_updates_hold_no_slot(run):
    processor = OrderedUpdateProcessor(2)
    run.processor = processor
    run.arrive("A1", message(101, 7), held=True)
    for n in range(2, 6):
        run.arrive(f"A{n}", message(101, 7))  # four more from the same resident wait for A1 …
    # … without taking the second slot, which the neighbour gets at once.
    await asyncio.wait_for(run.arrive("B", message(202, 8)), timeout=5)
    assert processor.current_concurrent_updates == 1
    run.release("A1")
    await processor.all_handled()
    assert [line for line in run.log if line.startswith("A")] == [
        f"A{n} {what}" for n in range(1, 6) for what in ("starts", "ends")]


async def test_at_most_the_configured_number_run_at_once(run):
    processor = OrderedUpdateProcessor(2)
    run.processor = processor
    first = [run.arrive(f"R{n}", message(100 + n, n), held=True) for n in range(3)][0]
    await turns()
    assert run.log == ["R0 starts", "R1 starts"] and processor.current_concurrent_updates == 2
    run.release("R0")
    await first
    await turns()
    assert run.log[-1] == "R2 starts"  # R0's slot, while R1 still holds the other
    run.release("R1")
    run.release("R2")
    await processor.all_handled()
    assert processor.current_concurrent_updates == 0


async def test_a_cancelled_waiting_update_lets_the_next_go_and_is_never_started(run):
    run.arrive("A1", message(101, 7), held=True)
    waiting = run.arrive("A2", message(101, 7))
    run.arrive("A3", message(101, 7))
    await turns()
    waiting.cancel()
    run.release("A1")
    await run.processor.all_handled()
    assert not run.started("A2") and run.log[-2:] == ["A3 starts", "A3 ends"]
    assert run.processor.tracked_keys == 0
