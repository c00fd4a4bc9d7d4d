"""/start, /help, /language and /privacy as a person meets them, in zh and en."""

from __future__ import annotations

from bot.i18n import gettext_in
from tests.flows import join_group
from tests.harness import button_texts, button_urls


async def test_start_welcomes_a_resident_in_chinese(pingan, make_user):
    resident = make_user("李华", language_code="zh-hans")
    reply = await resident.ask("/start")
    assert "李华" in reply["text"]
    assert "平安" in reply["text"]
    assert "110" in reply["text"] and "119" in reply["text"] and "120" in reply["text"]
    assert resident.pending_replies() == []


async def test_start_welcomes_in_english_by_telegram_language(pingan, make_user):
    resident = make_user("Alice", language_code="en-GB")
    reply = await resident.ask("/start")
    assert reply["text"].startswith("Hello, Alice!")
    assert "not an emergency line" in reply["text"]


async def test_unknown_telegram_language_falls_back_to_default(pingan, make_user):
    resident = make_user("Jean", language_code="fr")
    reply = await resident.ask("/help")
    assert "/language" in reply["text"]
    assert "选择" in reply["text"]  # zh is the configured default


async def test_help_lists_only_the_callers_commands(pingan, make_user, admin):
    resident = make_user("李华")
    resident_help = (await resident.ask("/help"))["text"]
    assert "/privacy" in resident_help and "/invite" not in resident_help and "/staff" not in resident_help
    admin_help = (await admin.ask("/help"))["text"]
    for command in ("/invite", "/staff", "/revoke", "/language"):
        assert command in admin_help
    assert "Commands you can use" in admin_help


async def test_language_buttons_switch_and_persist_across_restart(pingan, make_user):
    resident = make_user("李华", language_code="zh")
    prompt = await resident.ask("/language")
    assert button_texts(prompt) == ["中文", "English"]
    answer = await resident.click(prompt, text="English")
    assert "English" in answer["text"]
    assert resident.current(prompt)["text"] == "Done: I will speak English with you from now on."
    await pingan.restart()
    reply = await resident.ask("/help")
    assert reply["text"].startswith("What you can do with Pingan")


async def test_language_argument_and_unknown_code(pingan, make_user):
    resident = make_user("Bob", language_code="en")
    reply = await resident.ask("/language zh")
    assert "中文" in reply["text"]
    reply = await resident.ask("/language klingon")
    assert "klingon" in reply["text"] and "抱歉" in reply["text"]
    assert button_texts(reply) == ["中文", "English"]


async def test_privacy_says_what_is_stored_and_points_to_mydata_and_erase(pingan, make_user, emulator):
    from tests.conftest import STAFF_CHAT_ID

    emulator.add_group("Staff", chat_id=STAFF_CHAT_ID, members=[], admins=[])
    emulator.add_bot_to_group(STAFF_CHAT_ID, by_user_id=1, status="administrator")
    resident = make_user("Alice", language_code="en")
    reply = await resident.ask("/privacy")
    assert "What we store" in reply["text"] and "/erase" in reply["text"] and "/mydata" in reply["text"]
    assert "365 days" in reply["text"] and "Drugs or gambling tip" in reply["text"]
    # No request with the person's name goes to the staff chat: the person erases their data themselves.
    assert not [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "Alice" in (m.get("text") or "")]


async def test_privacy_in_chinese(pingan, make_user):
    reply = await make_user("王芳", language_code="zh").ask("/privacy")
    assert "隐私" in reply["text"]


async def test_start_in_a_group_points_to_private_chat(pingan, make_user, emulator):
    in_group = await join_group(make_user("李华"))
    reply = await in_group.ask("/start@pingan_test_bot")
    assert button_urls(reply) == ["https://t.me/pingan_test_bot"]


async def test_unknown_command_and_unexpected_input_get_polite_answers(pingan, make_user):
    resident = make_user("Alice", language_code="en")
    reply = await resident.ask("/frobnicate now")
    assert "/frobnicate" in reply["text"] and "/help" in reply["text"]
    reply = await resident.ask(sticker=True)
    assert "not sure what to do" in reply["text"]
    reply = await resident.ask(None, photo=b"\x89PNG fake photo bytes")
    assert "not sure what to do" in reply["text"]


async def test_forged_or_stale_button_is_refused_politely(pingan, make_user):
    resident = make_user("Alice", language_code="en")
    prompt = await resident.ask("/language")
    for forged in ("lang:set:xx", "nonsense-data", "lang:set:zh:extra:" + "x" * 80):
        answer = await resident.forge_press(prompt, forged)
        assert "expired" in answer["text"], forged
    assert resident.current(prompt)["text"] == prompt["text"]


async def test_menus_are_published_per_scope_and_language(pingan, emulator):
    # The staff chat scope comes last in each language; it needs the bot to be in the staff chat.
    await emulator.wait_for(lambda: emulator.commands({"type": "all_group_chats"}, "en"))
    english = [c["command"] for c in emulator.commands({"type": "all_private_chats"}, "en")]
    chinese = {c["command"]: c["description"] for c in emulator.commands({"type": "all_private_chats"}, "zh")}
    assert english == ["report", "myreports", "check", "cancel", "start", "help", "language", "privacy", "mydata",
                       "erase"]
    assert list(chinese) == english and chinese["privacy"] != "What we store and why"
    groups = [c["command"] for c in emulator.commands({"type": "all_group_chats"}, "en")]
    assert groups == ["report", "help", "privacy", "setup"]


async def test_an_internal_error_gets_a_polite_answer_and_no_traceback(pingan, admin, monkeypatch, caplog):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(pingan.services.people, "staff_and_stewards", broken)
    reply = await admin.ask("/staff")
    assert reply["text"].startswith("Sorry, something went wrong on our side")
    assert "database on fire" not in reply["text"] and "Traceback" not in reply["text"]
    assert any("raised RuntimeError" in r.getMessage() for r in caplog.records)
    # The bot keeps working afterwards.
    assert (await admin.ask("/help"))["text"].startswith("What you can do")


async def test_a_flooded_group_does_not_hold_up_anyone_else(pingan, make_user, emulator):
    emulator.set_flood_limits(True)
    neighbour = make_user("Bob", language_code="en")
    in_group = await join_group(make_user("李华"))  # the greeting: 1 of the group's 20 this minute
    for _ in range(21):  # more than Telegram lets the bot answer in one group in a minute
        await in_group.send("/report")
    await emulator.wait_for(lambda: len(emulator.bot_messages(in_group.chat_id)) == 20)
    welcome = await neighbour.ask("/start")  # answered at once, not after the group's minute
    assert welcome["text"].startswith("Hello")
    assert not [c for c in emulator.calls if c.error_code == 429]  # the bot never overstepped the limit


async def test_private_commands_sent_in_a_group_point_to_the_private_chat(pingan, make_user, emulator):
    in_group = await join_group(make_user("Alice", language_code="en"), "Sunny Garden")
    pointer = gettext_in("zh", "That works in a private chat with me, so nobody's details appear here.")
    for command in ("/myreports", "/cancel"):
        reply = await in_group.ask(command)
        assert reply["text"] == pointer  # in the group's language (zh by default), not the sender's
