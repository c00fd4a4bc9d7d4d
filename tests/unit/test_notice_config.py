"""`groups:` and `notices:` in the config: the shipped starter library, and check-config naming
the exact key of every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]

BAD = """
groups:
  - {chat_id: -100123, kind: homeowners, area: Riverside}
  - {chat_id: -100123, kind: shop}
notices:
  duty_phone: null
  themes:
    loans: {title: {zh: 网贷, en: Loans}, tips: [{zh: 提示, en: Tip}]}
  patrol_templates:
    night: {zh: "{area}今晚{patrol_time}，电话{duty_phone}", en: "{area} tonight {patrol_time}, call {duty_phone}"}
  theme_calendar: {1: loans, 2: fakes}
  schedules:
    - {id: nightly, cron: "0 21 * * *", targets: {kinds: [homeowners]}, content: {patrol_template: night}}
    - {id: tips, cron: "0 10 * * 1", content: {theme: fakes}}
    - {id: other, cron: "0 10 * * 1", content: {patrol_template: evening}}
"""


def test_shipped_starter_library_is_complete():
    config = load_config(ROOT / "config.yaml")
    notices = config.notices
    assert len(notices.themes) >= 6 and all(len(t.tips) >= 4 for t in notices.themes.values())
    assert len(notices.patrol_templates) >= 3
    assert sorted(notices.theme_calendar) == list(range(1, 13))
    for template in notices.patrol_templates.values():
        for text in (template.zh, template.en):
            assert "{area}" in text and "{patrol_time}" in text


def _problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    return error.value.problems


def test_cross_references_are_named_by_key(tmp_path):
    problems = _problems(tmp_path, BAD)
    assert "groups.1.chat_id: the same group is declared at groups.0" in problems
    assert "notices.theme_calendar.2: unknown theme 'fakes'" in problems
    assert "notices.schedules.1.content.theme: unknown theme 'fakes'" in problems
    assert "notices.schedules.2.content.patrol_template: unknown patrol template 'evening'" in problems
    no_value = [p for p in problems if p.startswith("notices.schedules.0.content.params:")]
    assert any("{patrol_time}" in p for p in no_value) and any("{duty_phone}" in p for p in no_value)


@pytest.mark.parametrize(("snippet", "expected"), [
    ('cron: "0 21 * *"', "notices.schedules.0.cron: '0 21 * *' is not a 5-field cron expression"),
    ('cron: "0 25 * * *"', "notices.schedules.0.cron: invalid cron expression '0 25 * * *'"),
    ('cron: "0 21 * * *", targets: {kinds: [shops]}', "notices.schedules.0.targets.kinds.0: Input should be"),
    ('cron: "0 21 * * *", target: {kinds: [shop]}', "notices.schedules.0.target: unknown key"),
    ('cron: "0 21 * * *", content: {theme: loans, theme_calendar: true}',
     "notices.schedules.0.content: give exactly one of"),
])
def test_schedule_field_errors(tmp_path, snippet, expected):
    content = "" if "content" in snippet else ", content: {theme: loans}"
    text = ("notices:\n  themes:\n    loans: {title: {zh: 网贷, en: Loans}, tips: [{zh: 提示, en: Tip}]}\n"
            f"  schedules:\n    - {{id: one, {snippet}{content}}}\n")
    problems = _problems(tmp_path, text)
    assert any(p.startswith(expected) for p in problems), problems


def test_unknown_keys_in_notices_are_errors(tmp_path):
    problems = _problems(tmp_path, "notices:\n  grace_minute: 30\n")
    assert problems == ["notices.grace_minute: unknown key (check the spelling)"]


def test_check_config_lists_the_keys(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text(BAD, encoding="utf-8")
    assert main(["check-config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "notices.schedules.1.content.theme: unknown theme 'fakes'" in err


def test_field_errors_and_cross_references_in_one_run(tmp_path):
    problems = _problems(tmp_path, """
groups:
  - {chat_id: -100123, kind: homeowners, timezone: Mars/Olympus}
notices:
  themes:
    loans: {title: {zh: 网贷, en: Loans}, tips: [{zh: 提示, en: Tip}]}
    broken: {title: {zh: 坏}, tips: []}
  patrol_templates:
    night: {zh: "{area}今晚{patrol_time}", en: "{area} tonight {patrol_time}"}
  theme_calendar: {1: fakes, 2: broken}
  schedules:
    - {id: bad-cron, cron: "every night", content: {theme: loans}}
    - {id: tips, cron: "0 10 * * 1", targets: {kinds: [castle]}, content: {theme: fakes}}
    - {id: nightly, cron: "0 21 * * *", content: {patrol_template: night}}
""")
    assert any(p.startswith("groups.0.timezone: unknown time zone 'Mars/Olympus'") for p in problems)
    assert any(p.startswith("notices.schedules.0.cron:") for p in problems)
    assert any(p.startswith("notices.schedules.1.targets.kinds.0:") for p in problems)
    assert any(p.startswith("notices.themes.broken.") for p in problems)
    # The same run names the cross-references too; a broken theme is known, not "unknown".
    assert "notices.schedules.1.content.theme: unknown theme 'fakes'" in problems
    assert "notices.theme_calendar.1: unknown theme 'fakes'" in problems
    assert not any("unknown theme 'broken'" in p for p in problems)
    assert any(p.startswith("notices.schedules.2.content.params:") and "{patrol_time}" in p for p in problems)
    assert len(problems) == len(set(problems))


def test_a_question_for_a_placeholder_the_template_lacks_is_named(tmp_path):
    problems = _problems(tmp_path, """
notices:
  patrol_templates:
    night:
      zh: "{area}今晚{patrol_time}"
      en: "{area} tonight {patrol_time}"
      questions: {shift: {zh: "哪一班？", en: "Which shift?"}}
""")
    assert "notices.patrol_templates.night.questions.shift: the template has no placeholder {shift}" in problems


def test_shipped_templates_have_names_and_plain_questions():
    for template in load_config(ROOT / "config.yaml").notices.patrol_templates.values():
        assert template.title is not None and "patrol_time" in template.questions
