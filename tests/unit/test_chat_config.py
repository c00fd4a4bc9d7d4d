"""`staff_chats` and `cases.levels.<level>.chat_id` in the config: routing by area, and
check-config naming every problem by key."""

from __future__ import annotations

from bot.cli import main
from bot.config import Settings
from bot.config_chats import next_level


def write(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_area_goes_to_its_chat_and_the_rest_to_the_default():
    config = Settings(staff_chat_id=-100, staff_chats=[{"chat_id": -200, "areas": ["Riverside", "幸福小区"]}],
                      cases={"levels": {"township": {"chat_id": -300}}})
    assert config.staff_chat_for("Riverside") == -200
    assert config.staff_chat_for(" 幸福小区 ") == -200
    assert config.staff_chat_for("Hillside") == -100
    assert config.staff_chat_for(None) == -100
    assert config.staff_chat_ids == {-100, -200, -300}
    assert config.cases.level_chat("township") == -300 and config.cases.level_chat("county") is None
    assert Settings(staff_chat_id=-100).staff_chat_for("Riverside") == -100  # alone, as before


def test_levels_are_raised_one_step_up_to_the_county():
    assert [next_level(level) for level in ("grid", "community", "township", "county", None)] == [
        "community", "township", "county", None, None]


def test_check_config_names_bad_staff_chats_and_level_chats(tmp_path, capsys):
    bad = write(tmp_path, """staff_chat_id: -100
staff_chats:
  - {chat_id: -200, areas: [Riverside, Hillside]}
  - {chat_id: 300, areas: [Hillside]}
  - {chat_id: -200, areas: [Lakeside]}
  - {chat_id: -400, areas: []}
cases:
  levels:
    township: {chat_id: 12}
    province: {chat_id: -500}
""")
    assert main(["check-config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "staff_chats.1.chat_id: a group's chat id is negative" in err
    assert "staff_chats.3.areas: List should have at least 1 item" in err
    assert "cases.levels.township.chat_id: a group's chat id is negative" in err
    assert "cases.levels.province" in err
    duplicated = write(tmp_path, """staff_chats:
  - {chat_id: -200, areas: [Riverside, Hillside]}
  - {chat_id: -300, areas: [Hillside]}
  - {chat_id: -200, areas: [Lakeside]}
""")
    assert main(["check-config", str(duplicated)]) == 1
    err = capsys.readouterr().err
    assert "staff_chats.1.areas: area 'Hillside' is already sent to staff_chats.0" in err
    assert "staff_chats.2.chat_id: the same chat is listed at staff_chats.0" in err
    good = write(tmp_path, """staff_chat_id: -100
staff_chats:
  - {chat_id: -200, areas: [Riverside]}
cases:
  levels:
    township: {chat_id: -300}
""")
    assert main(["check-config", str(good)]) == 0


def test_staff_chats_from_the_environment(monkeypatch):
    monkeypatch.setenv("PINGAN_STAFF_CHATS", '[{"chat_id": -200, "areas": ["Riverside"]}]')
    monkeypatch.setenv("PINGAN_STAFF_CHAT_ID", "-100")
    config = Settings()
    assert config.staff_chat_for("Riverside") == -200 and config.staff_chat_id == -100
