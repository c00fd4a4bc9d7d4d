"""Operations pieces on their own: log records' context, the webhook's path and secret, rotation,
the run lock."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.backup import rotate_backups
from bot.config import ConfigError, Settings, load_config
from bot.logging_setup import build_handler, named_callback, update_log_context
from bot.run_lock import AlreadyLocked, RunLock

TOKEN = "123456:AAsecret-token-value"


def logged_lines(log_format: str, emit) -> list[str]:
    stream = io.StringIO()
    handler = build_handler(log_format, [TOKEN])
    handler.setStream(stream)
    log = logging.getLogger("pingan.test_operations")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        emit(log)
    finally:
        log.removeHandler(handler)
    return stream.getvalue().splitlines()


def test_json_records_carry_the_update_handler_and_case_ref_and_no_token():
    async def handler_body(log):
        log.info("case PA-2026-000123 accepted")

    def emit(log):
        import asyncio

        with update_log_context(update_id=42, update_kind="callback_query", chat_kind="supergroup"):
            asyncio.run(named_callback("case_buttons.on_accept", handler_body)(log))
        log.warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)

    first, second = (json.loads(line) for line in logged_lines("json", emit))
    assert first["message"] == "case PA-2026-000123 accepted"
    assert (first["update_id"], first["update_kind"], first["chat_kind"]) == (42, "callback_query", "supergroup")
    assert first["handler"] == "case_buttons.on_accept" and first["case_ref"] == "PA-2026-000123"
    assert second["update_id"] is None and second["handler"] is None and second["case_ref"] is None
    assert TOKEN not in second["message"] and "<token>" in second["message"]


def test_text_format_stays_one_readable_line():
    (line,) = logged_lines("text", lambda log: log.info("started"))
    assert line.endswith("INFO pingan.test_operations: started")


def test_webhook_path_is_a_hash_of_the_token_and_the_url_gets_it(monkeypatch):
    monkeypatch.setenv("PINGAN_TELEGRAM__WEBHOOK__SECRET_TOKEN", "from-the-environment_1")
    config = Settings(telegram={"token": TOKEN, "webhook": {"url": "https://bot.example.org"}})
    webhook = config.telegram.webhook
    path = webhook.url_path(TOKEN)
    assert path.startswith("telegram/") and TOKEN not in path and TOKEN.split(":")[1] not in path
    assert webhook.public_url(TOKEN) == f"https://bot.example.org/{path}"
    assert webhook.secret_token.get_secret_value() == "from-the-environment_1"
    assert (webhook.listen, webhook.port) == ("127.0.0.1", 8443)
    own = Settings(telegram={"token": TOKEN, "webhook": {"url": "https://bot.example.org/pingan/hook"}})
    assert own.telegram.webhook.url_path(TOKEN) == "pingan/hook"
    assert own.telegram.webhook.public_url(TOKEN) == "https://bot.example.org/pingan/hook"
    assert not Settings().telegram.webhook.enabled


def test_a_bad_secret_token_is_refused_without_echoing_it(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text('telegram: {webhook: {url: "https://x.example", secret_token: "has spaces"}}\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.problems == ["telegram.webhook.secret_token: must be 1-256 characters of A-Z, a-z, 0-9, _ and -"]


def test_rotation_keeps_the_newest_and_leaves_other_files(tmp_path):
    database = tmp_path / "pingan.db"
    names = [f"pingan-202603{day:02d}-033000.db" for day in range(1, 8)]
    for name in [*names, "pingan-v0015-before-migration-20260301-000000.db", "notes.txt"]:
        (tmp_path / name).write_text("x")
    removed = rotate_backups(database, tmp_path, keep=3)
    assert [p.name for p in removed] == names[:4]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[4:], "pingan-v0015-before-migration-20260301-000000.db", "notes.txt"])


def test_the_run_lock_is_held_once(tmp_path):
    first = RunLock(tmp_path / "pingan.db")
    first.acquire()
    with pytest.raises(AlreadyLocked, match="Pingan is running on this database"):
        RunLock(tmp_path / "pingan.db").acquire()
    first.release()
    with RunLock(tmp_path / "pingan.db"):
        pass
