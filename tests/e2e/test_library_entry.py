"""Adding a tip or a theme with buttons, as an administrator of a Chinese-only station does: the
Chinese text, English optional, a preview, Save; wrong input, Back, /cancel and a restart."""

from __future__ import annotations

from datetime import timedelta

from bot.services.dialogues import DialogueName
from handlers.library_entry import LibraryEntryButton
from tests.conftest import ADMIN_ID
from tests.e2e.test_notices import config  # noqa: F401 - shared fixtures
from tests.harness import button_texts


def _tips(pingan, theme="loans"):
    return [(t.zh, t.en) for t in pingan.services.notices.texts.settings.themes[theme].tips]


async def test_a_chinese_only_tip_with_buttons(pingan, make_user):
    admin = make_user("陈管理员", language_code="zh", user_id=ADMIN_ID)
    library = await admin.ask("/library")
    await admin.click(library, text="➕ 添加提示")
    which = await admin.reply()
    await admin.click(which, text="网贷诈骗")
    chinese = await admin.reply()
    assert chinese["text"].startswith("请发送提示的中文内容")
    sticker = await admin.send(sticker="CAAD-sticker")
    again = await admin.reply()
    assert "请用文字发送" in again["text"] and sticker is not None  # asked again, nothing lost
    english = await admin.ask("不要把验证码告诉任何人 <b>&")
    await admin.click(english, text="跳过：英文群也发中文")
    preview = await admin.reply()
    assert "不要把验证码告诉任何人 <b>&" in preview["text"]  # shown exactly, not as markup
    assert "（无：英文群收到中文）" in preview["text"]
    await admin.click(preview, text="保存")
    done = await admin.reply()
    assert done["text"].startswith("提示已添加")
    assert _tips(pingan)[-1] == ("不要把验证码告诉任何人 <b>&", "不要把验证码告诉任何人 <b>&")
    audit = await pingan.services.db.fetch_all("SELECT action FROM audit_log WHERE action = 'notice.tip_added'")
    assert len(audit) == 1
    assert await pingan.services.dialogues.get(ADMIN_ID, DialogueName.LIBRARY_ENTRY) is None


async def test_a_theme_then_its_first_tip_in_both_languages_with_back_and_a_restart(pingan, admin):
    library = await admin.ask("/library")
    await admin.click(library, text="➕ Add a theme")
    title = await admin.reply()
    assert "title in Chinese" in title["text"]
    english = await admin.ask("冒充医保诈骗")
    await pingan.restart()  # the draft is in SQLite: the next answer carries on
    preview = await admin.ask("Fake medical-insurance calls")
    assert "Chinese: 冒充医保诈骗" in preview["text"] and "English: Fake medical-insurance calls" in preview["text"]
    await admin.click(preview, text="Back")
    english = await admin.reply()
    assert english["text"].startswith("And in English?")
    preview = await admin.ask("Fake health-insurance calls")
    await admin.click(preview, text="Save")
    done = await admin.reply()
    assert done["text"].startswith("Theme added.")
    themes = pingan.services.notices.texts.settings.themes
    [theme_id] = [key for key, theme in themes.items() if theme.title.zh == "冒充医保诈骗"]
    assert themes[theme_id].title.en == "Fake health-insurance calls"
    await admin.click(done, text="➕ Add a tip")
    chinese = await admin.reply()  # the theme is known: straight to the text
    english = await admin.ask("医保局不会打电话让您转账。")
    preview = await admin.ask("The insurance office never asks you to transfer money.")
    assert "New tip for “Fake health-insurance calls”" in preview["text"]
    assert "Anti-fraud reminder: Fake health-insurance calls\n\nThe insurance office never asks" in preview["text"]
    await admin.click(preview, text="Save")
    assert _tips(pingan, theme_id) == [("医保局不会打电话让您转账。",
                                        "The insurance office never asks you to transfer money.")]
    assert chinese is not None


async def test_cancel_refusals_and_a_stale_press(pingan, admin, make_user, clock):
    library = await admin.ask("/library")
    await admin.click(library, text="➕ Add a tip")
    which = await admin.reply()
    typed = await admin.ask("loans")
    assert "Please choose with the buttons above" in typed["text"]
    await admin.click(which, text="Loan scams")
    await admin.reply()
    too_long = await admin.ask("长" * 1001)
    assert "at most 1000 characters" in too_long["text"]
    stale = await admin.forge_press(which, LibraryEntryButton("theme", theme="loans").pack())
    assert "already answered" in stale["text"]
    cancelled = await admin.ask("/cancel")
    assert cancelled["text"] == "Cancelled: nothing was saved."
    assert len(_tips(pingan)) == 3
    resident = make_user("Resident", language_code="en")
    refusal = await resident.ask("/library")
    forged = await resident.forge_press(refusal, LibraryEntryButton("start", "tip", "loans").pack())
    assert "not allowed" in forged["text"]
    assert await pingan.services.dialogues.get(resident.user_id, DialogueName.LIBRARY_ENTRY) is None
    await admin.click(library, text="➕ Add a theme")
    await admin.reply()
    clock.advance(timedelta(minutes=31))
    late = await admin.ask("太晚了")
    assert "no answer for a while" in late["text"]
    assert not any(t.title.zh == "太晚了" for t in pingan.services.notices.texts.settings.themes.values())
    assert button_texts(library)  # the library message keeps its buttons
