"""deploy/: the systemd unit (checked by systemd-analyze where it exists), the Dockerfile and the
compose file (parsed and checked for what the README promises), and the example env file."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def unit_sections() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / "pingan.service", encoding="utf-8")
    return parser


def test_the_unit_runs_as_a_dedicated_user_in_a_read_only_system():
    service = unit_sections()["Service"]
    assert service["User"] == "pingan" and service["Group"] == "pingan"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "true"
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/pingan/pingan.env"
    assert service["StateDirectory"] == "pingan" and service["ReadWritePaths"] == "/var/lib/pingan"
    assert service["ExecStart"].endswith("/pingan run")
    assert service["KillSignal"] == "SIGTERM"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_unit(tmp_path):
    # The unit names the venv's `pingan` under /opt; verify checks that the command exists, so the
    # copy checked here runs this interpreter instead.
    text = (DEPLOY / "pingan.service").read_text(encoding="utf-8")
    text = re.sub(r"^ExecStart=.*$", f"ExecStart={sys.executable} -m bot.cli run", text, flags=re.M)
    unit = tmp_path / "pingan.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "pingan.service" not in result.stderr, result.stderr


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            pending = ""
    assert not pending, "a continuation line runs off the end of the Dockerfile"
    return instructions


def test_the_dockerfile_is_slim_non_root_with_the_font_a_volume_and_a_health_check():
    instructions = dockerfile_instructions()
    known = {"FROM", "RUN", "ENV", "WORKDIR", "COPY", "VOLUME", "USER", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "CMD"}
    assert {keyword for keyword, _ in instructions} <= known
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0][0] == "FROM" and re.fullmatch(r"python:3\.1[1-9]-slim", instructions[0][1])
    assert any("fonts-noto-cjk" in args for keyword, args in instructions if keyword == "RUN")
    user = dict(instructions)["USER"]
    assert user == "pingan" and keywords.index("USER") < keywords.index("CMD")
    assert ("VOLUME", '["/data"]') in instructions
    assert any("PINGAN_STORAGE__PATH=/data/pingan.db" in args for keyword, args in instructions if keyword == "ENV")
    healthcheck = dict(instructions)["HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["pingan", "health"]')
    assert dict(instructions)["CMD"] == '["pingan", "run"]'
    for keyword, args in instructions:
        if keyword == "COPY":
            *sources, _target = args.split()
            assert all((ROOT / source).exists() for source in sources), args


def test_compose_builds_the_image_with_its_volume_and_env_file():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["pingan"]
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert bot["env_file"] == ["pingan.env"] and (DEPLOY / "pingan.env.example").is_file()
    assert "pingan-data:/data" in bot["volumes"] and "pingan-data" in compose["volumes"]
    assert bot["ports"] == ["127.0.0.1:8443:8443"]
    assert bot["stop_signal"] == "SIGTERM"


def test_every_variable_in_the_example_env_file_is_a_valid_setting(monkeypatch):
    for name in [n for n in __import__("os").environ if n.startswith("PINGAN_")]:
        monkeypatch.delenv(name)
    lines = (DEPLOY / "pingan.env.example").read_text(encoding="utf-8").splitlines()
    assignments = [line.lstrip("# ").strip() for line in lines if re.match(r"^#? ?PINGAN_[A-Z_]+=", line)]
    assert len(assignments) >= 6
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.staff_chat_id == -1001234567890
    assert settings.telegram.webhook.url == "https://pingan.example.org"
    assert settings.logging.format == "json" and settings.health.port == 9464
