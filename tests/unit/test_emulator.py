"""The Telegram emulator, driven by a real python-telegram-bot client and by its control API."""

from __future__ import annotations

import asyncio
import base64
import datetime as dtm
import struct
import zlib

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.emulator import Emulator

TOKEN = "123456:TEST"
# PTB 22 warns whenever retry_after/duration are read as ints; the values are what we check.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def png(width: int = 400, height: int = 300) -> bytes:
    """A valid PNG header (enough for the emulator to read its size) plus some payload."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"payload-bytes")


def seconds(value: int | dtm.timedelta) -> int:
    return int(value.total_seconds()) if isinstance(value, dtm.timedelta) else value


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


@pytest.fixture
async def emu():
    emulator = Emulator(token=TOKEN, bot_username="pingan_bot", bot_name="Pingan")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu):
    client = Bot(TOKEN, base_url=emu.base_url + "/bot", base_file_url=emu.base_url + "/file/bot")
    async with client:
        yield client


@pytest.fixture
def user(emu):
    return emu.add_user(first_name="李华", username="lihua", language_code="zh")


# ---------------------------------------------------------------------------- basics and errors


async def test_get_me_and_http_errors(emu, bot):
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (123456, "pingan_bot", "Pingan", True)

    stranger = Bot("999:WRONG", base_url=emu.base_url + "/bot")
    with pytest.raises(InvalidToken):
        await stranger.get_me()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}/bot999:WRONG/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.get(f"{emu.base_url}/bot{TOKEN}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(f"{emu.base_url}/bot{TOKEN}/sendMessage", json={"chat_id": 1, "text": "x"}) as resp:
            assert resp.status == 400
            assert await resp.json() == {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        # Query-string parameters work too.
        async with http.get(f"{emu.base_url}/bot{TOKEN}/getChatMemberCount?chat_id=-5") as resp:
            assert (await resp.json())["description"] == "Bad Request: chat not found"
    assert [c.method for c in emu.calls][-2:] == ["sendMessage", "getChatMemberCount"]
    assert emu.calls[-1].ok is False and emu.calls[-1].error_code == 400


async def test_send_edit_delete_and_validation(emu, bot, user):
    uid = user["id"]
    emu.add_private_chat(uid)
    sent = await bot.send_message(uid, "<b>你好</b> 😀 <i>world</i>", parse_mode="HTML",
                                  reply_markup=keyboard([("Yes", "yes"), ("No", "no")]))
    assert sent.text == "你好 😀 world"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2), ("italic", 6, 5)]
    stored = emu.last_bot_message(uid)
    assert stored["message_id"] == sent.message_id and stored["_from_bot"] and not stored["_deleted"]

    edited = await bot.edit_message_text("changed", chat_id=uid, message_id=sent.message_id,
                                         reply_markup=keyboard([("Yes", "yes")]))
    assert edited.text == "changed" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("changed", chat_id=uid, message_id=sent.message_id,
                                    reply_markup=keyboard([("Yes", "yes")]))
    # An edit without reply_markup drops the inline keyboard, as on Telegram.
    await bot.edit_message_text("final", chat_id=uid, message_id=sent.message_id)
    assert "reply_markup" not in emu.last_bot_message(uid)

    reply = await bot.send_message(uid, "a reply", reply_to_message_id=sent.message_id)
    assert reply.reply_to_message.message_id == sent.message_id
    assert reply.message_id == sent.message_id + 1  # per-chat increasing ids

    assert await bot.delete_message(uid, sent.message_id)
    assert [m["message_id"] for m in emu.chat_messages(uid)] == [reply.message_id]
    deleted = emu.chat_messages(uid, include_deleted=True)[0]
    assert deleted["_deleted"] is True
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(uid, sent.message_id)

    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(uid, "   ")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(uid, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)can't parse entities: Unsupported start tag \"br\""):
        await bot.send_message(uid, "a<br>b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)can't parse entities: Can't find end tag"):
        await bot.send_message(uid, "<b>open", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)Character '.' is reserved"):
        await bot.send_message(uid, "v1.0", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(uid, "x", reply_markup=keyboard([("long", "d" * 65)]))
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}/bot{TOKEN}/sendMessage", json={
                "chat_id": uid, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "plain"}]]}}) as resp:
            assert "Text buttons are unallowed" in (await resp.json())["description"]
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await bot.send_photo(uid, png(), caption="c" * 1025)


async def test_reply_keyboard_is_kept_for_the_page(emu, bot, user):
    uid = user["id"]
    emu.add_private_chat(uid)
    markup = ReplyKeyboardMarkup([[KeyboardButton("Share phone", request_contact=True)]], resize_keyboard=True)
    sent = await bot.send_message(uid, "Your phone?", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    assert emu.last_bot_message(uid)["_reply_markup"]["keyboard"][0][0]["request_contact"] is True
    assert emu.chat_view(emu.chat(uid))["_reply_keyboard"]["keyboard"][0][0]["text"] == "Share phone"
    shared = emu.user_sends(uid, uid, contact={"phone_number": "+8613800138000", "first_name": "李华"})
    assert shared["contact"]["user_id"] == uid  # one's own contact carries one's user id


async def test_inline_buttons_callbacks_and_answers(emu, bot, user):
    uid = user["id"]
    emu.add_private_chat(uid)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", url="https://example.org/x")],
                                   [InlineKeyboardButton("接受", callback_data="accept:1")]])
    sent = await bot.send_message(uid, "Choose", reply_markup=markup)

    assert emu.find_button(uid, sent.message_id, text="Open")["url"] == "https://example.org/x"
    with pytest.raises(ValueError, match="(?i)https://example.org/x"):
        emu.press_button(uid, uid, sent.message_id, text="Open")
    with pytest.raises(LookupError):
        emu.press_button(uid, uid, sent.message_id, text="Nope")

    query_id = emu.press_button(uid, uid, sent.message_id, data="accept:1")
    updates = await bot.get_updates(timeout=1)
    query = updates[-1].callback_query
    assert (query.id, query.data, query.from_user.id) == (query_id, "accept:1", uid)
    assert query.message.message_id == sent.message_id and query.message.text == "Choose"

    assert await query.answer("Done", show_alert=True)
    assert emu.callback_answer(query_id) == {"text": "Done", "show_alert": True}
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query("12345")
    assert emu.press_button(uid, uid, sent.message_id, row=1, col=0) != query_id


async def test_photo_round_trip_and_other_media(emu, bot, user):
    uid = user["id"]
    emu.add_private_chat(uid)
    data = png(400, 300)
    sent = await bot.send_photo(uid, data, caption="<b>证据</b>", parse_mode="HTML")
    assert sent.caption == "证据" and sent.caption_entities[0].type == "bold"
    assert [(p.width, p.height) for p in sent.photo] == [(90, 68), (320, 240), (400, 300)]
    assert len({p.file_id for p in sent.photo}) == 3
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == data
    assert emu.file_bytes(sent.photo[-1].file_id) == data

    again = await bot.send_photo(uid, sent.photo[-1].file_id)  # re-send by file_id
    assert [p.file_id for p in again.photo] == [p.file_id for p in sent.photo]
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(uid, "no-such-file-id")

    doc = await bot.send_document(uid, b"%PDF-1.4 report", filename="report.pdf")
    assert doc.document.file_name == "report.pdf" and doc.document.mime_type == "application/pdf"
    voice = await bot.send_voice(uid, b"OggS-voice", duration=3)
    assert voice.voice.to_dict()["duration"] == 3
    location = await bot.send_location(uid, latitude=31.23, longitude=121.47)
    assert location.location.latitude == pytest.approx(31.23)
    contact = await bot.send_contact(uid, phone_number="110", first_name="派出所")
    assert contact.contact.phone_number == "110"
    album = await bot.send_media_group(uid, [InputMediaPhoto(png(50, 50), caption="one"),
                                             InputMediaPhoto(sent.photo[-1].file_id)])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert album[0].caption == "one" and album[0].photo[-1].width == 50

    # A photo a user sends can be downloaded by the bot.
    user_photo = emu.user_sends(uid, uid, photo=png(64, 64), caption="look")
    updates = await bot.get_updates()
    got = updates[-1].message
    assert got.caption == "look" and got.photo[-1].file_id == user_photo["photo"][-1]["file_id"]
    downloaded = await (await got.photo[-1].get_file()).download_as_bytearray()
    assert bytes(downloaded) == png(64, 64)

    copied = await bot.copy_message(uid, from_chat_id=uid, message_id=sent.message_id, caption="copy")
    assert emu.chat_messages(uid)[-1]["caption"] == "copy" and copied.message_id > sent.message_id
    forwarded = await bot.forward_message(uid, from_chat_id=uid, message_id=got.message_id)
    assert forwarded.forward_origin.sender_user.id == uid


# ---------------------------------------------------------------------------- updates


async def test_long_poll_wakes_on_user_message_and_command_entities(emu, bot, user):
    uid = user["id"]
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emu.wait_for(lambda: emu.polling)
    loop = asyncio.get_running_loop()
    started = loop.time()
    emu.user_sends(uid, uid, "/report@pingan_bot 楼道漏水")
    updates = await asyncio.wait_for(poll, 5)
    assert loop.time() - started < 1.0
    message = updates[0].message
    assert message.text == "/report@pingan_bot 楼道漏水"
    entity = message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, len("/report@pingan_bot"))
    assert message.chat.type == "private" and message.chat.id == uid

    # UTF-16 offsets: the emoji counts twice.
    emu.user_sends(uid, uid, "😀 /help")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [(e.type, e.offset) for e in updates[0].message.entities] == [("bot_command", 3)]


async def test_update_offset_semantics_and_allowed_updates(emu, bot, user):
    uid = user["id"]
    ids = [emu.inject_update({"message": emu.user_sends(uid, uid, f"m{i}")}) for i in range(3)]
    # user_sends already queued each message once: six updates in all.
    first = await bot.get_updates()
    assert len(first) == 6
    assert len(await bot.get_updates()) == 6  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == [ids[1], ids[1] + 1, ids[2]]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [ids[2]]
    assert await bot.get_updates(offset=ids[2] + 1) == ()

    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    emu.user_sends(uid, uid, "filtered out")
    assert await bot.get_updates() == ()
    await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    emu.user_sends(uid, uid, "delivered")
    assert (await bot.get_updates())[0].message.text == "delivered"

    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_failure_injection_and_error_mapping(emu, bot, user):
    uid = user["id"]
    emu.add_private_chat(uid)
    emu.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(uid, "x")
    assert seconds(retry.value.retry_after) == 7
    emu.fail_next("sendMessage", chat_id=uid, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="(?i)Internal Server Error"):
            await bot.send_message(uid, "x")
    assert (await bot.send_message(uid, "now it works")).text == "now it works"
    assert [c.error_code for c in emu.calls_to("sendMessage")] == [429, 500, 500, None]

    emu.block_bot(uid)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(uid, "x")
    emu.user_sends(uid, uid, "/start")  # writing again unblocks, like "Restart bot"
    await bot.send_message(uid, "welcome back")

    stranger = emu.add_user("Stranger")
    with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
        await bot.send_message(stranger["id"], "x")

    group = emu.add_group("楼栋群", type="group", members=[uid], admins=[uid])
    emu.add_bot_to_group(group["id"], by_user_id=uid)
    await bot.send_message(group["id"], "hello group")
    new_id = emu.migrate_group(group["id"])
    assert str(new_id).startswith("-100")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(group["id"], "x")
    assert migrated.value.new_chat_id == new_id
    await bot.send_message(new_id, "hello supergroup")
    updates = await bot.get_updates()
    assert any(u.message and u.message.migrate_to_chat_id == new_id for u in updates)
    assert any(u.message and u.message.migrate_from_chat_id == group["id"] for u in updates)

    emu.remove_bot_from_group(new_id, by_user_id=uid)
    with pytest.raises(Forbidden, match="(?i)bot was kicked from the supergroup chat"):
        await bot.send_message(new_id, "x")


async def test_flood_limits(emu, bot, user):
    uid = user["id"]
    emu.add_private_chat(uid)
    group = emu.add_group("Busy", members=[uid])
    emu.add_bot_to_group(group["id"], by_user_id=uid)
    emu.set_flood_limits(True, per_chat_per_minute=3)
    for i in range(3):
        await bot.send_message(group["id"], f"n{i}")
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(group["id"], "one too many")
    assert 1 <= seconds(retry.value.retry_after) <= 60
    await bot.send_message(uid, "private one")
    with pytest.raises(RetryAfter):
        await bot.send_message(uid, "private two, too fast")
    emu.set_flood_limits(False)
    await bot.send_message(uid, "limits off")


# ---------------------------------------------------------------------------- chats, members, commands


async def test_groups_members_pins_and_commands(emu, bot, user):
    uid = user["id"]
    officer = emu.add_user("王警官", username="officer_wang")["id"]
    group = emu.add_group("阳光花园", members=[uid, officer], admins=[officer])
    update = emu.add_bot_to_group(group["id"], by_user_id=officer)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "member"
    got = (await bot.get_updates())[-1].my_chat_member
    assert got.new_chat_member.status == "member" and got.from_user.id == officer

    sent = await bot.send_message(group["id"], "通知")
    with pytest.raises(BadRequest, match="(?i)not enough rights to manage pinned messages"):
        await bot.pin_chat_message(group["id"], sent.message_id)
    emu.set_bot_rights(group["id"], status="administrator", can_pin_messages=True)
    assert await bot.pin_chat_message(group["id"], sent.message_id)
    assert emu.last_bot_message(group["id"])["_pinned"] is True
    assert (await bot.get_chat(group["id"])).pinned_message.message_id == sent.message_id
    assert await bot.unpin_chat_message(group["id"])
    assert emu.last_bot_message(group["id"])["_pinned"] is False

    assert (await bot.get_chat_member(group["id"], officer)).status == "creator"
    assert (await bot.get_chat_member(group["id"], uid)).status == "member"
    me = await bot.get_chat_member(group["id"], emu.bot_id)
    assert me.status == "administrator" and me.can_pin_messages
    admins = await bot.get_chat_administrators(group["id"])
    assert {a.user.id for a in admins} == {officer, emu.bot_id}
    assert await bot.get_chat_member_count(group["id"]) == 3
    assert await bot.send_chat_action(group["id"], "typing")

    scope = BotCommandScopeChat(group["id"])
    await bot.set_my_commands([BotCommand("report", "报告问题")], scope=scope, language_code="zh")
    await bot.set_my_commands([BotCommand("start", "Start")])
    assert emu.commands(scope.to_dict(), "zh") == [{"command": "report", "description": "报告问题"}]
    assert emu.commands() == [{"command": "start", "description": "Start"}]
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="zh")] == ["report"]
    assert await bot.delete_my_commands()
    assert emu.commands() == []
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad Command", "x")])

    assert await bot.leave_chat(group["id"])
    with pytest.raises(Forbidden, match="(?i)not a member"):
        await bot.send_message(group["id"], "x")


# ---------------------------------------------------------------------------- a polling Application


async def test_application_polling_end_to_end(emu, user):
    uid = user["id"]

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"欢迎 {' '.join(context.args)}".strip(),
                                        reply_markup=keyboard([("确认", "confirm")]))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("已确认")
        await update.callback_query.edit_message_text("已确认 ✅")

    app = (Application.builder().token(TOKEN).base_url(emu.base_url + "/bot")
           .base_file_url(emu.base_url + "/file/bot").build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        emu.user_sends(uid, uid, "/start@pingan_bot 李华")
        reply = await emu.wait_for(lambda: emu.last_bot_message(uid))
        assert reply["text"] == "欢迎 李华"
        query_id = emu.press_button(uid, uid, reply["message_id"], text="确认")
        answer = await emu.wait_for(lambda: emu.callback_answer(query_id))
        assert answer == {"text": "已确认", "show_alert": False}
        edited = await emu.wait_for(lambda: (m := emu.last_bot_message(uid)) and "edit_date" in m and m)
        assert edited["text"] == "已确认 ✅" and "reply_markup" not in edited
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_wait_for_times_out_with_a_useful_message(emu):
    with pytest.raises(asyncio.TimeoutError, match="(?i)never_true"):
        await emu.wait_for(lambda: "never_true" == "x", timeout=0.05)


# ---------------------------------------------------------------------------- the HTTP control API


async def test_control_http_api(emu, bot):
    base = emu.base_url + "/control"
    emu.set_personas([{"key": "resident", "label": "Resident", "user_id": 1}])
    async with aiohttp.ClientSession() as http:
        async def call(method: str, path: str, **kwargs):
            async with http.request(method, base + path, **kwargs) as resp:
                return resp.status, await resp.json()

        status, body = await call("POST", "/users", json={"first_name": "Chen", "language_code": "en"})
        assert status == 200 and body["ok"]
        uid = body["result"]["id"]
        status, body = await call("POST", "/groups", json={"title": "Staff", "members": [uid], "admins": [uid]})
        gid = body["result"]["id"]
        status, body = await call("POST", f"/groups/{gid}/add_bot",
                                  json={"by_user_id": uid, "status": "administrator", "can_pin_messages": True})
        assert body["result"]["my_chat_member"]["new_chat_member"]["can_pin_messages"] is True

        status, world = await call("GET", "/world")
        assert world["result"]["bot"]["username"] == "pingan_bot"
        assert world["result"]["personas"][0]["key"] == "resident"
        assert {c["id"] for c in world["result"]["chats"]} == {gid}

        status, body = await call("POST", "/send", json={"user_id": uid, "chat_id": uid, "text": "/start"})
        assert body["result"]["entities"][0]["type"] == "bot_command"
        photo = base64.b64encode(png(32, 32)).decode()
        status, body = await call("POST", "/send", json={"user_id": uid, "chat_id": gid, "photo_base64": photo,
                                                         "caption": "现场"})
        photo_id = body["result"]["photo"][-1]["file_id"]
        async with http.get(f"{base}/files/{photo_id}") as resp:
            assert resp.status == 200 and await resp.read() == png(32, 32)
        form = aiohttp.FormData()
        form.add_field("user_id", str(uid))
        form.add_field("chat_id", str(uid))
        form.add_field("caption", "uploaded")
        form.add_field("photo", png(20, 10), filename="p.png", content_type="image/png")
        status, body = await call("POST", "/upload", data=form)
        assert body["result"]["caption"] == "uploaded" and body["result"]["photo"][-1]["width"] == 20
        status, body = await call("POST", "/send", json={"user_id": uid, "chat_id": uid,
                                                         "location": {"latitude": 31.2, "longitude": 121.5}})
        assert body["result"]["location"]["latitude"] == 31.2
        assert len(await bot.get_updates()) == 5  # my_chat_member + 4 messages

        sent = await bot.send_message(uid, "Pick", reply_markup=keyboard([("A", "a")]))
        status, body = await call("POST", "/press", json={"user_id": uid, "chat_id": uid,
                                                          "message_id": sent.message_id, "data": "a"})
        query_id = body["result"]["callback_query_id"]
        status, body = await call("GET", f"/answers/{query_id}")
        assert body == {"ok": True, "result": None}
        await bot.answer_callback_query(query_id, text="ok")
        status, body = await call("GET", f"/answers/{query_id}")
        assert body["result"]["text"] == "ok"

        status, body = await call("GET", f"/chats/{uid}/messages")
        assert [m["_from_bot"] for m in body["result"]] == [False, False, False, True]

        # Events: at once when newer ones exist; otherwise wait until something happens.
        status, body = await call("GET", "/events?after=0&timeout=5")
        last_seq = body["result"]["last_seq"]
        assert {"message", "chat", "callback_answer"} <= {e["type"] for e in body["result"]["events"]}
        waiting = asyncio.create_task(call("GET", f"/events?after={last_seq}&timeout=10"))
        await emu.wait_for(lambda: emu.long_polls("events"))
        emu.user_sends(uid, uid, "wake up")
        status, body = await asyncio.wait_for(waiting, 5)
        assert body["result"]["events"][-1]["message"]["text"] == "wake up"

        status, body = await call("POST", "/fail", json={"method": "sendMessage", "error_code": 403,
                                                         "description": "Forbidden: bot was blocked by the user"})
        with pytest.raises(Forbidden):
            await bot.send_message(uid, "x")
        status, body = await call("GET", "/calls?method=sendMessage")
        assert [c["ok"] for c in body["result"]] == [True, False]
        status, body = await call("POST", "/updates", json={"update": {"message": body["result"][0]["result"]}})
        assert body["result"]["update_id"] > 0
        status, body = await call("POST", "/flood", json={"enabled": False})
        assert body == {"ok": True, "result": True}

        # Bad input is a clean 400 with a description, never a traceback.
        for method, path, payload in [("POST", "/send", {"user_id": uid, "chat_id": 999}),
                                      ("POST", "/send", {"chat_id": uid, "text": "x"}),
                                      ("POST", "/press", {"user_id": uid, "chat_id": uid, "message_id": 999,
                                                          "data": "a"}),
                                      ("POST", "/users", {})]:
            status, body = await call(method, path, json=payload)
            assert status == 400 and body["ok"] is False and "Traceback" not in body["description"]
        async with http.post(base + "/send", data=b"not json") as resp:
            assert resp.status == 400
        async with http.get(f"{base}/files/missing") as resp:
            assert resp.status == 404

        async with http.get(emu.base_url + "/") as resp:
            expected = 200 if (emu.static_dir / "index.html").is_file() else 404
            assert resp.status == expected
        async with http.get(emu.base_url + "/static/../world.py") as resp:
            assert resp.status == 404


async def test_reset_keeps_update_ids_and_event_sequence_growing(emu, bot, user):
    emu.user_sends(user["id"], user["id"], "before")
    before = await bot.get_updates()
    seq = emu.last_seq
    emu.reset()
    assert emu.chats == {} and emu.calls == []
    again = emu.add_user("After")
    emu.user_sends(again["id"], again["id"], "after reset")
    updates = await bot.get_updates(offset=before[-1].update_id + 1)
    assert [u.message.text for u in updates] == ["after reset"]
    last_seq, events = emu.events_since(seq)
    assert last_seq > seq and events[0]["type"] == "reset"
