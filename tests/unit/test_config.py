"""Configuration: the shipped file, environment overrides, and every error named by key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("PINGAN_"):
            monkeypatch.delenv(name)


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_valid():
    config = load_config(ROOT / "config.yaml")
    assert config.timezone == "Asia/Shanghai"
    assert config.default_language == "zh"
    assert config.emergency.numbers == {"police": "110", "fire": "119", "ambulance": "120"}
    assert not config.has_token


def test_environment_overrides_file_and_nests(tmp_path, monkeypatch):
    path = write(tmp_path, "telegram:\n  api_url: http://127.0.0.1:9/\nadmins: [1]\n")
    monkeypatch.setenv("PINGAN_TELEGRAM__TOKEN", "42:abcDEF_ghi-jkl")
    monkeypatch.setenv("PINGAN_ADMINS", "[1001, 1002]")
    monkeypatch.setenv("PINGAN_EMERGENCY__NUMBERS", '{"police": "110"}')
    config = load_config(path)
    assert config.telegram.token.get_secret_value() == "42:abcDEF_ghi-jkl"
    assert config.telegram.api_url == "http://127.0.0.1:9"  # trailing slash ignored
    assert config.telegram.bot_base_url == "http://127.0.0.1:9/bot"
    assert config.telegram.file_base_url == "http://127.0.0.1:9/file/bot"
    assert config.admins == [1001, 1002]
    assert config.emergency.numbers == {"police": "110"}


def test_config_path_from_environment(tmp_path, monkeypatch):
    path = write(tmp_path, "default_language: en\n")
    monkeypatch.setenv("PINGAN_CONFIG", str(path))
    assert load_config().default_language == "en"


def test_every_error_is_listed_with_its_key(tmp_path):
    path = write(tmp_path, """
timezone: Mars/Base
default_language: fr
telegram: {token: "not a token", api_url: "ftp://x"}
admins: [1, two]
staf_chat_id: 5
emergency: {numbers: {police: "call me"}}
briefing: {cron: "every monday"}
""")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = "\n".join(caught.value.problems)
    assert "timezone: unknown time zone 'Mars/Base'" in problems
    assert "default_language:" in problems
    assert "telegram.token: does not look like a bot token" in problems
    assert "telegram.api_url: must be an http(s) URL" in problems
    assert "admins.1:" in problems
    assert "staf_chat_id: unknown key" in problems
    assert "emergency.numbers: police" in problems
    assert "briefing.cron: 'every monday' is not a 5-field cron expression" in problems
    assert "not a token" not in problems  # secrets are never echoed


@pytest.mark.parametrize("text,expected", [
    ("timezone: [unclosed", "line 1"),
    ("- just\n- a list\n", "top level must be a mapping"),
])
def test_malformed_yaml(tmp_path, text, expected):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert expected in caught.value.problems[0]


def test_check_config_command(tmp_path, capsys):
    assert main(["check-config", str(ROOT / "config.yaml")]) == 0
    assert capsys.readouterr().out.startswith("OK:")
    bad = write(tmp_path, "timezone: Mars/Base\n")
    assert main(["check-config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "timezone: unknown time zone 'Mars/Base'" in err
    assert "Traceback" not in err
    assert main(["check-config", str(tmp_path / "missing.yaml")]) == 1
    assert "file not found" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_help_for_every_command():
    for args in ([], ["run"], ["sandbox"], ["check-config"], ["migrate"]):
        result = subprocess.run([sys.executable, "-m", "bot.cli", *args, "--help"], capture_output=True,
                                text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "usage: pingan" in result.stdout


def test_migrate_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PINGAN_STORAGE__PATH", str(tmp_path / "db.sqlite"))
    assert main(["migrate", "--config", str(ROOT / "config.yaml")]) == 0
    from storage.migrate import available_migrations

    shipped = available_migrations()  # every engineer's migrations, so a new one needs no edit here
    applied = ", ".join(f"{m.version:04d}_{m.name}" for m in shipped)
    assert applied.startswith("0001_initial, 0002_groups, 0003_notices, 0004_reports, 0005_case_workflow")
    expected = f"schema version {len(shipped)} (applied: {applied})"
    assert expected in capsys.readouterr().out
    assert main(["migrate", "--config", str(ROOT / "config.yaml")]) == 0
    assert "none pending" in capsys.readouterr().out


def test_check_config_names_a_bad_calendar_and_bad_working_hours(tmp_path, capsys):
    bad = write(tmp_path, """cases:
  limits:
    red: {accept_minutes: 15, resolve_minutes: 1440, calendar: workdays}
  working_hours: {start: "9:00", end: "17:00"}
""")
    assert main(["check-config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "cases.limits.red.calendar: Input should be 'wall' or 'working'" in err
    assert "cases.working_hours.start: must be a time of day as HH:MM" in err
    backwards = write(tmp_path, 'cases: {working_hours: {start: "18:00", end: "09:00"}}\n')
    assert main(["check-config", str(backwards)]) == 1
    assert "cases.working_hours: the working day must start before it ends" in capsys.readouterr().err
    good = write(tmp_path, """cases:
  limits:
    red: {accept_minutes: 15, resolve_minutes: 1440}
    yellow: {accept_minutes: 1440, resolve_minutes: 10080, calendar: working}
  working_hours: {start: "09:00", end: "17:00"}
""")
    assert main(["check-config", str(good)]) == 0
