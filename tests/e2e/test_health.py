"""GET /healthz, GET /metrics and `pingan health`, against the running bot."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from bot.config import Settings
from tests.e2e.test_backup import cli_env, pingan_cli
from tests.e2e.test_process import ROOT, free_port
from tests.flows import submit, walk_incident
from tests.harness import BotHarness


@pytest.fixture
def health_config(config: Settings) -> Settings:
    return config.model_copy(update={"health": config.health.model_copy(update={"port": free_port()})})


@pytest.fixture
async def monitored(health_config, clock):
    harness = BotHarness(health_config, clock)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def healthz(harness: BotHarness) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, \
            http.get(f"http://127.0.0.1:{harness.config.health.port}/healthz") as response:
        return response.status, await response.json()


async def test_healthz_reports_each_part_and_503_when_alarms_are_stuck(monitored, make_user, clock, emulator,
                                                                        staff_chat, tmp_path):
    await emulator.wait_for(lambda: emulator.calls_to("getUpdates"))
    resident = make_user("Alice", language_code="en")
    await submit(resident, await walk_incident(resident))
    status, body = await healthz(monitored)
    assert status == 200 and body["status"] == "ok" and body["failing"] == []
    parts = body["parts"]
    assert parts["updates"]["mode"] == "polling" and parts["updates"]["healthy"]
    assert parts["updates"]["last_update_age_seconds"] < 60 and parts["updates"]["last_poll_age_seconds"] < 60
    assert parts["database"] == {"writable": True, "healthy": True}
    assert parts["outbox"] == {"pending": 0, "oldest_due_age_seconds": None, "healthy": True}
    assert parts["alarms"] == {"overdue_unsent": 0, "healthy": True}
    env = cli_env(monitored.config, PINGAN_HEALTH__PORT=str(monitored.config.health.port))
    code, out, _err = await pingan_cli("health", "--config", str(ROOT / "config.yaml"), env=env, cwd=tmp_path)
    assert code == 0 and out.startswith("healthy: updates, database, outbox, alarms")

    clock.advance(timedelta(days=3))  # the case's reminders are long due, and the alarm job has not run
    status, body = await healthz(monitored)
    assert status == 503 and body["failing"] == ["alarms"] and body["parts"]["alarms"]["overdue_unsent"] > 0
    code, _out, err = await pingan_cli("health", "--config", str(ROOT / "config.yaml"), env=env, cwd=tmp_path)
    assert code == 1 and err.startswith("unhealthy: alarms")


async def test_metrics_count_updates_sends_429s_and_cases(monitored, make_user, emulator, staff_chat):
    await emulator.wait_for(lambda: emulator.calls_to("getUpdates"))
    resident = make_user("Alice", language_code="en")
    await submit(resident, await walk_incident(resident))
    emulator.fail_next("sendMessage", 429, retry_after=1)
    await resident.ask("/help")
    status, text = await get(f"http://127.0.0.1:{monitored.config.health.port}/metrics")
    assert status == 200
    lines = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
             if line and not line.startswith("#")}
    assert lines['pingan_updates_total{kind="message"}'] >= 3
    assert lines['pingan_updates_total{kind="callback_query"}'] >= 3
    timed = lines['pingan_update_handling_seconds_count{kind="message"}']
    assert timed == lines['pingan_updates_total{kind="message"}']
    assert lines['pingan_sends_total{outcome="sent",reason=""}'] >= 10
    assert lines['pingan_sends_total{outcome="rate_limited",reason="retry_after"}'] == 1
    assert lines["pingan_send_retry_after_seconds_sum"] == 1
    assert lines['pingan_cases_open{grade="ungraded"}'] == 1 and lines['pingan_cases_open{grade="red"}'] == 0
    assert lines['pingan_cases_overdue{grade="ungraded"}'] == 0
    assert lines["pingan_outbox_pending"] == 0


async def test_health_is_off_without_a_port(pingan, config, tmp_path):
    code, _out, err = await pingan_cli("health", "--config", str(ROOT / "config.yaml"), env=cli_env(config),
                                       cwd=tmp_path)
    assert code == 1 and "health.port is not set" in err
