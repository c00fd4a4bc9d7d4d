"""Schedules as a Chinese-speaking officer meets them: templates by name, placeholders asked in
plain words, times in words — never a cron expression or an internal id."""

from __future__ import annotations

import pytest

from bot.config_notices import NoticeSettings
from tests.conftest import ADMIN_ID
from tests.harness import button_texts


@pytest.fixture
def config(config):
    notices = NoticeSettings.model_validate({
        "duty_phone": "0851-110",
        "themes": {"loans": {"title": {"zh": "网贷诈骗", "en": "Loan scams"},
                             "tips": [{"zh": "提示", "en": "Tip"}]}},
        "patrol_templates": {
            "night": {"title": {"zh": "夜间巡逻", "en": "Night patrol"},
                      "questions": {"patrol_time": {"zh": "今晚几点到几点巡逻？", "en": "Tonight's patrol hours?"}},
                      "zh": "{area}今晚{patrol_time}巡逻，{shift}",
                      "en": "{area}: patrol tonight {patrol_time}, {shift}"},
        },
    })
    return config.model_copy(update={"notices": notices})


@pytest.fixture
def officer_zh(make_user, pingan):
    return make_user("陈警官", language_code="zh", user_id=ADMIN_ID)


async def test_a_chinese_officer_adds_a_patrol_schedule_without_seeing_syntax(pingan, officer_zh):
    await officer_zh.send("/schedules add")
    what = await officer_zh.reply()
    assert "巡逻通知：夜间巡逻" in button_texts(what)
    await officer_zh.click(what, text="巡逻通知：夜间巡逻")
    first = await officer_zh.reply()
    assert first["text"].startswith("今晚几点到几点巡逻？")  # the config's own question
    second = await officer_zh.ask("21:00-02:00")
    assert second["text"].startswith("通知里的“shift”应该填什么？")  # no question given: a plain fallback
    when = await officer_zh.ask("夜班")
    assert "每天 21:00" in button_texts(when)
    await officer_zh.click(when, text="自定义（cron）")
    await officer_zh.reply()
    kinds = await officer_zh.ask("30 20 * * 5")
    await officer_zh.click(kinds, text=button_texts(kinds)[-3])  # all kinds
    areas = await officer_zh.reply()
    await officer_zh.click(areas, text=button_texts(areas)[0])  # all areas
    preview = await officer_zh.reply()
    assert "每周五 20:30" in preview["text"] and "30 20 * * 5" not in preview["text"]
    await officer_zh.click(preview, text="保存")
    saved = await officer_zh.reply()
    assert saved["text"].startswith("定时通知已保存：每周五 20:30。")
    listing = await officer_zh.ask("/schedules")
    assert "1. 巡逻通知“夜间巡逻”（21:00-02:00、夜班）" in listing["text"]
    assert "时间：每周五 20:30" in listing["text"]
    assert "接下来的发送时间：3月7日 20:30、3月14日 20:30、3月21日 20:30" in listing["text"]
    schedule = (await pingan.services.notices.schedules())[0]
    assert schedule.id not in listing["text"]
    assert button_texts(listing)[:3] == ["⏸ 暂停第 1 项", "📨 试发第 1 项", "🗑 删除第 1 项"]
