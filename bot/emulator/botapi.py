"""The Bot API side of the emulator: ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``.

Requests are accepted the ways Telegram accepts them: a JSON body, form-urlencoded or multipart
form data (PTB 22's HTTPXRequest sends every parameter as a form field, non-strings JSON-encoded,
and switches to multipart when files are attached), or the query string. Answers and errors
have Telegram's exact shape, so PTB raises the same exceptions it would against the real
server (BadRequest, Forbidden, RetryAfter, ChatMigrated, InvalidToken...).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import mimetypes
import re
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from bot.emulator.faults import FaultKind
from bot.emulator.formatting import EntityParseError, format_text, utf16_len
from bot.emulator.world import (
    CONTENT_KEYS,
    MEDIA_KEYS,
    ApiError,
    Chat,
    MessageRecord,
    Upload,
    World,
    bad_request,
    canonical_scope,
)

logger = logging.getLogger("pingan.emulator")

#: Parameters whose form-field value is JSON (objects and arrays).
JSON_PARAMS = frozenset({
    "reply_markup", "entities", "caption_entities", "scope", "commands", "media", "reply_parameters",
    "link_preview_options", "allowed_updates", "menu_button", "message_ids", "results", "permissions",
})
INT_PARAMS = frozenset({
    "chat_id", "from_chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id",
    "message_thread_id", "user_id", "cache_time", "duration", "live_period", "heading", "width", "height",
    "proximity_alert_radius", "until_date",
})
BOOL_PARAMS = frozenset({
    "disable_notification", "protect_content", "show_alert", "disable_web_page_preview", "drop_pending_updates",
    "allow_sending_without_reply", "only_if_banned", "revoke_messages", "disable_content_type_detection",
    "has_spoiler", "show_caption_above_media", "allow_paid_broadcast",
})
FLOAT_PARAMS = frozenset({"latitude", "longitude", "horizontal_accuracy"})

#: Methods that post a message and so count against the flood limits.
SEND_METHODS = frozenset(m.lower() for m in (
    "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendAudio", "sendAnimation",
    "sendSticker", "sendLocation", "sendContact", "sendMediaGroup", "copyMessage", "forwardMessage",
))
INLINE_BUTTON_ACTIONS = frozenset({
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
})
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
    "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
COMMAND_SCOPES = frozenset({
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
})
_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly "
                 "the same as a current content and reply markup of the message")
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"

_METHODS: dict[str, Callable[..., Any]] = {}


class ConnectionDropped(Exception):
    """An injected fault: the call's connection is closed without an answer."""


def api_method(*names: str) -> Callable:
    """Register a BotApi method under its Bot API name(s) (matched case-insensitively)."""
    def register(fn: Callable) -> Callable:
        for name in names:
            _METHODS[name.lower()] = fn
        return fn
    return register


def coerce_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn form/query strings into the types the Bot API means; JSON bodies pass through."""
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if not isinstance(value, str):
            params[name] = value
        elif name in JSON_PARAMS:
            try:
                params[name] = json.loads(value)
            except ValueError:
                what = "reply keyboard markup" if name == "reply_markup" else name.replace("_", " ")
                raise bad_request(f"can't parse {what} JSON object") from None
        elif name in INT_PARAMS:
            params[name] = _to_int(name, value)
        elif name in BOOL_PARAMS:
            params[name] = value.strip().lower() in ("true", "1", "yes")
        elif name in FLOAT_PARAMS:
            try:
                params[name] = float(value)
            except ValueError:
                raise bad_request(f"invalid {name} specified") from None
        else:
            params[name] = value
    return params


def _to_int(name: str, value: str) -> int | str:
    if name == "chat_id" and value.startswith("@"):
        return value
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except ValueError:
            raise bad_request("chat not found" if name.endswith("chat_id") else f"invalid {name} specified") from None


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a Bot API request, whatever way they were sent."""
    raw: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    raw[name] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    raw[name] = value
    return coerce_params(raw)


def _loggable(params: dict) -> dict:
    # The call log stays JSON-serialisable: uploads are summarised, not kept twice; a webhook's
    # secret token is a secret.
    return {k: (v.to_json() if isinstance(v, Upload) else "<secret>" if k == "secret_token" else v)
            for k, v in params.items()}


def _json_response(status: int, body: Any) -> web.Response:
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json")


class BotApi:
    """Implements the Bot API methods on a :class:`World`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._poll_generation = 0

    @property
    def poll_requests(self) -> int:
        """How many getUpdates requests have arrived (answered or still waiting): a bot that just
        started is polling once this grows."""
        return self._poll_generation

    # ------------------------------------------------------------------ HTTP entry points

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("GET", "/bot{token}/{method}", self.handle_method)
        app.router.add_route("POST", "/bot{token}/{method}", self.handle_method)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self.handle_file)

    async def handle_method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.world.token:
            self.world.record_call(method, {}, False, 401, "Unauthorized")
            return _json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            params = await read_params(request)
        except ApiError as error:
            self.world.record_call(method, {}, False, error.error_code, error.description)
            return _json_response(error.error_code, error.to_json())
        try:
            status, body = await self.dispatch(method, params)
        except ConnectionDropped:
            # As a connection cut mid-request: the client gets no answer at all.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never written: the connection is gone
        return _json_response(status, body)

    async def handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.world.token:
            return _json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        stored = self.world.file_by_path(request.match_info["path"])
        if stored is None:
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        """Run one Bot API call and log it; returns (HTTP status, response body)."""
        logged = _loggable(params)
        handler = _METHODS.get(method.lower())
        try:
            if handler is None:
                logger.warning("unsupported Bot API method %s", method)
                raise ApiError(404, "Not Found")
            await self._meet_fault(method, params)
            held = self.world.delays.take(method, params)
            if held:
                await asyncio.sleep(held)
            failure = self.world.take_failure(method, params)
            if failure is not None:
                raise failure
            self._check_flood(method, params)
            result = handler(self, params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            self.world.record_call(method, logged, False, error.error_code, error.description)
            return error.error_code, error.to_json()
        except ConnectionDropped:
            self.world.record_call(method, logged, False, None, "connection dropped")
            raise
        except Exception:  # an emulator bug must not look like a hang to the bot
            logger.exception("emulator failed in %s", method)
            self.world.record_call(method, logged, False, 500, "Internal Server Error")
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        self.world.record_call(method, logged, True, result=result)
        return 200, {"ok": True, "result": result}

    async def _meet_fault(self, method: str, params: dict) -> None:
        """Acts out the outage or the random fault this call meets (bot/emulator/faults.py), if any."""
        fault = self.world.outage.take()
        if fault is None and self.world.random_faults is not None:
            chat = self.world.find_chat(params.get("chat_id")) if params.get("chat_id") is not None else None
            live = chat is not None and chat.migrated_to is None  # a migrated id already fails on its own
            fault = self.world.random_faults.pick(method, chat.type if live else None)
            if fault is not None and fault.kind is FaultKind.MIGRATE:
                self.world.migrate_group(chat.id)  # the call itself then gets Telegram's migrate answer
                return
        if fault is None:
            return
        if fault.kind is FaultKind.DROP:
            raise ConnectionDropped(method)
        if fault.hold_seconds:
            await asyncio.sleep(fault.hold_seconds)
            return
        raise ApiError(fault.error_code, fault.description, fault.parameters)

    def _check_flood(self, method: str, params: dict) -> None:
        if method.lower() not in SEND_METHODS:
            return
        chat = self.world.find_chat(params.get("chat_id"))
        if chat is None:
            return
        media = params.get("media")
        weight = len(media) if method.lower() == "sendmediagroup" and isinstance(media, list) and media else 1
        retry_after = self.world.flood.acquire(chat.id, chat.is_private, weight)
        if retry_after is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    # ------------------------------------------------------------------ shared checks

    def _chat(self, params: dict, key: str = "chat_id", *, read: bool = False) -> Chat:
        """The chat a call targets, with Telegram's errors for unknown, migrated and closed chats.

        ``read`` calls (getChat, deleteMessage...) still work in a private chat whose user
        blocked the bot; writing there is 403, as is writing to a user who never started it.
        """
        raw = params.get(key)
        if raw is None or raw == "":
            raise bad_request(f"{key} is empty")
        chat = self.world.find_chat(raw)
        if chat is None:
            if not read and isinstance(raw, int) and raw in self.world.users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise bad_request("group chat was upgraded to a supergroup chat", migrate_to_chat_id=chat.migrated_to)
        if chat.is_private:
            if chat.bot_status == "kicked" and not read:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        else:
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
            if chat.bot_status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
        return chat

    def _message(self, chat: Chat, params: dict, missing: str) -> MessageRecord:
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        record = chat.messages.get(message_id)
        if record is None or record.deleted:
            raise bad_request(missing)
        return record

    def _resolve_user(self, user_id: int) -> dict | None:
        return self.world.users.get(user_id)

    def _text(self, params: dict, field: str, entities_field: str, *, limit: int,
              required: bool) -> tuple[str | None, list[dict]]:
        """Format a text or caption; (None, []) for an absent optional caption."""
        raw = params.get(field)
        if raw is None or raw == "":
            if required:
                raise bad_request("message text is empty")
            return None, []
        entities = params.get(entities_field)
        if entities is not None and not (isinstance(entities, list) and all(isinstance(e, dict) for e in entities)):
            raise bad_request("can't parse entities JSON object")
        try:
            text, found = format_text(str(raw), params.get("parse_mode") or None, entities, self._resolve_user)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None
        if not text.strip():
            if required:
                raise bad_request("message text is empty")
            return None, []
        if utf16_len(text) > limit:
            raise bad_request("message is too long" if field == "text" else "message caption is too long")
        return text, found

    def _markup(self, params: dict, *, inline_only: bool = False) -> dict | None:
        """The validated reply_markup (any kind), normalised as Telegram echoes it."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            return {"inline_keyboard": self._inline_rows(markup["inline_keyboard"])}
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request("can't parse reply keyboard markup JSON object")
            normalised = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows]
            if any(not isinstance(b.get("text"), str) or not b["text"] for row in normalised for b in row):
                raise bad_request("can't parse keyboard button: Field \"text\" must be of type String")
            return {**markup, "keyboard": normalised}
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return dict(markup)
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _inline_rows(rows: Any) -> list[list[dict]]:
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("can't parse inline keyboard markup JSON object")
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
            actions = [k for k in button if k in INLINE_BUTTON_ACTIONS]
            if not actions:
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the "
                                  "inline keyboard")
            if len(actions) > 1:
                raise bad_request("can't parse inline keyboard button: Can't find field \"text\"")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not _valid_button_url(button["url"]):
                raise bad_request("BUTTON_URL_INVALID")
        return [[dict(b) for b in row] for row in rows]

    def _reply_to(self, chat: Chat, params: dict) -> MessageRecord | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            if reply.get("chat_id") not in (None, chat.id):
                return None  # replies to other chats are not modelled
            message_id, allow = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
        else:
            message_id, allow = params.get("reply_to_message_id"), bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        record = chat.messages.get(int(message_id))
        if record is None or record.deleted:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return record

    def _post(self, chat: Chat, params: dict, content: dict) -> dict:
        markup = self._markup(params)
        reply_to = self._reply_to(chat, params)
        return self.world.post_bot_message(chat, content, reply_to=reply_to, reply_markup=markup).message

    def _media(self, params: dict, value: Any, kind: str, options: dict | None = None) -> Any:
        """The Telegram object (PhotoSize array for photos) of an uploaded or re-sent file."""
        options = params if options is None else options
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://"):])
            if not isinstance(value, Upload):
                raise bad_request("wrong file identifier/HTTP URL specified")
        if isinstance(value, Upload):
            return self._store_upload(kind, value, options)
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        if not isinstance(value, str):
            raise bad_request("wrong file identifier/HTTP URL specified")
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")  # the emulator is offline
        stored = self.world.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}")
        return stored.photo if kind == "photo" else dict(stored.obj)

    def _store_upload(self, kind: str, upload: Upload, options: dict) -> Any:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            return self.world.store_photo(upload.data)
        mime = upload.content_type
        if not mime or mime == "application/octet-stream":
            mime = (mimetypes.guess_type(upload.filename or "")[0] or
                    {"voice": "audio/ogg", "video": "video/mp4", "audio": "audio/mpeg",
                     "animation": "video/mp4", "sticker": "image/webp"}.get(kind, mime))
        extra: dict[str, Any] = {}
        if kind in ("voice", "audio", "video", "animation"):
            extra["duration"] = int(options.get("duration") or 1)
        if kind in ("video", "animation"):
            extra.update(width=int(options.get("width") or 640), height=int(options.get("height") or 360))
        if kind == "sticker":
            extra.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
        return self.world.store_file(kind, upload.data, file_name=upload.filename, mime_type=mime, extra=extra).obj

    # ------------------------------------------------------------------ bot and updates

    @api_method("getMe")
    def get_me(self, params: dict) -> dict:
        return {**self.world.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    @api_method("logOut", "close")
    def log_out(self, params: dict) -> bool:
        return True

    @api_method("deleteWebhook")
    def delete_webhook(self, params: dict) -> bool:
        self.world.delete_webhook()
        if params.get("drop_pending_updates"):
            self.world.drop_pending_updates()
        return True

    @api_method("setWebhook")
    def set_webhook(self, params: dict) -> bool:
        url = str(params.get("url") or "")
        if not url:  # Telegram: an empty url removes the webhook
            return self.delete_webhook(params)
        if not re.match(r"^https?://[^/\s]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise bad_request("can't parse allowed updates JSON object")
            self.world.set_allowed_updates([str(a) for a in allowed])
        if params.get("drop_pending_updates"):
            self.world.drop_pending_updates()
        self.world.set_webhook(url, None if secret is None else str(secret))
        return True

    @api_method("getWebhookInfo")
    def get_webhook_info(self, params: dict) -> dict:
        hook = self.world.webhook or {}
        info = {"url": hook.get("url", ""), "has_custom_certificate": False, "max_connections": 40,
                "pending_update_count": self.world.pending_update_count}
        if hook.get("last_error_date"):
            info.update(last_error_date=hook["last_error_date"], last_error_message=hook["last_error_message"])
        if self.world.allowed_updates is not None:
            info["allowed_updates"] = sorted(self.world.allowed_updates)
        return info

    @api_method("getUpdates")
    async def get_updates(self, params: dict) -> list[dict]:
        if self.world.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                                "to delete the webhook first")
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(int(params.get("timeout") or 0), 0), 50)
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise bad_request("can't parse allowed updates JSON object")
            self.world.set_allowed_updates([str(a) for a in allowed])
        # Telegram answers an older, still waiting getUpdates with 409 when a new one arrives.
        self._poll_generation += 1
        generation = self._poll_generation
        self.world.confirm_updates(offset)
        if timeout and not self.world.pending_updates(offset, limit):
            self.world.long_poll_waiting("getUpdates", True)
            try:
                await self.world.wait_until(
                    lambda: (self.world.pending_updates(offset, limit) or self._poll_generation != generation
                             or self.world.closing), timeout)
            finally:
                self.world.long_poll_waiting("getUpdates", False)
            if self._poll_generation != generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one "
                                    "bot instance is running")
        return self.world.pending_updates(offset, limit)

    # ------------------------------------------------------------------ sending

    @api_method("sendMessage")
    def send_message(self, params: dict) -> dict:
        chat = self._chat(params)
        text, entities = self._text(params, "text", "entities", limit=4096, required=True)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._post(chat, params, content)

    def _send_media(self, params: dict, kind: str) -> dict:
        chat = self._chat(params)
        content: dict[str, Any] = {kind: self._media(params, params.get(kind), kind)}
        if kind != "sticker":
            caption, entities = self._text(params, "caption", "caption_entities", limit=1024, required=False)
            if caption:
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
        return self._post(chat, params, content)

    @api_method("sendPhoto")
    def send_photo(self, params: dict) -> dict:
        return self._send_media(params, "photo")

    @api_method("sendDocument")
    def send_document(self, params: dict) -> dict:
        return self._send_media(params, "document")

    @api_method("sendVoice")
    def send_voice(self, params: dict) -> dict:
        return self._send_media(params, "voice")

    @api_method("sendVideo")
    def send_video(self, params: dict) -> dict:
        return self._send_media(params, "video")

    @api_method("sendAudio")
    def send_audio(self, params: dict) -> dict:
        return self._send_media(params, "audio")

    @api_method("sendAnimation")
    def send_animation(self, params: dict) -> dict:
        return self._send_media(params, "animation")

    @api_method("sendSticker")
    def send_sticker(self, params: dict) -> dict:
        return self._send_media(params, "sticker")

    @api_method("sendMediaGroup")
    def send_media_group(self, params: dict) -> list[dict]:
        chat = self._chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("media group must contain 2 to 10 items")
        kinds = {item.get("type") if isinstance(item, dict) else None for item in media}
        if not kinds <= {"photo", "video", "document", "audio"}:
            raise bad_request("unsupported media type in the media group")
        for lone in ("document", "audio"):
            if lone in kinds and len(kinds) > 1:
                raise bad_request(f"{lone} can't be mixed with other media types")
        reply_to = self._reply_to(chat, params)
        group_id = self.world.new_media_group_id()
        contents = []
        for item in media:  # validate every item before posting any
            kind = item["type"]
            content: dict[str, Any] = {kind: self._media(params, item.get("media"), kind, options=item),
                                       "media_group_id": group_id}
            caption, entities = self._text(item, "caption", "caption_entities", limit=1024, required=False)
            if caption:
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
            contents.append(content)
        return [self.world.post_bot_message(chat, content, reply_to=reply_to if i == 0 else None).message
                for i, content in enumerate(contents)]

    @api_method("sendLocation")
    def send_location(self, params: dict) -> dict:
        chat = self._chat(params)
        latitude, longitude = params.get("latitude"), params.get("longitude")
        if not isinstance(latitude, int | float) or not isinstance(longitude, int | float) or \
                not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude specified")
        location: dict[str, Any] = {"latitude": float(latitude), "longitude": float(longitude)}
        for key in ("horizontal_accuracy", "live_period", "heading"):
            if params.get(key) is not None:
                location[key] = params[key]
        return self._post(chat, params, {"location": location})

    @api_method("sendContact")
    def send_contact(self, params: dict) -> dict:
        chat = self._chat(params)
        if not params.get("phone_number"):
            raise bad_request("phone number is empty")
        if not params.get("first_name"):
            raise bad_request("contact first name is empty")
        contact = {k: str(params[k]) for k in ("phone_number", "first_name", "last_name", "vcard") if params.get(k)}
        return self._post(chat, params, {"contact": contact})

    def _source(self, params: dict, missing: str) -> MessageRecord:
        source_chat = self._chat(params, "from_chat_id", read=True)
        record = self._message(source_chat, params, missing)
        if record.service:
            raise bad_request("message can't be copied")
        return record

    @api_method("copyMessage")
    def copy_message(self, params: dict) -> dict:
        chat = self._chat(params)
        record = self._source(params, "message to copy not found")
        content = {k: record.message[k] for k in CONTENT_KEYS if k in record.message}
        if "caption" in params:
            caption, entities = self._text(params, "caption", "caption_entities", limit=1024, required=False)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if caption:
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
        return {"message_id": self._post(chat, params, content)["message_id"]}

    @api_method("forwardMessage")
    def forward_message(self, params: dict) -> dict:
        chat = self._chat(params)
        record = self._source(params, "message to forward not found")
        content = {k: record.message[k] for k in CONTENT_KEYS if k in record.message}
        content["forward_origin"] = record.message.get("forward_origin") or {
            "type": "user", "sender_user": record.message["from"], "date": record.message["date"]}
        return self.world.post_bot_message(chat, content).message

    @api_method("getFile")
    def get_file(self, params: dict) -> dict:
        stored = self.world.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "file_path": stored.file_path}

    # ------------------------------------------------------------------ editing and deleting

    def _editable(self, params: dict) -> tuple[Chat, MessageRecord]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not modelled
        chat = self._chat(params)
        record = self._message(chat, params, "message to edit not found")
        if not record.from_bot or record.service:
            raise bad_request("message can't be edited")
        return chat, record

    def _edit(self, chat: Chat, record: MessageRecord, changes: dict, markup: dict | None) -> dict:
        current = record.message
        if all(current.get(k) == v for k, v in changes.items()) and current.get("reply_markup") == markup:
            raise bad_request(_NOT_MODIFIED)
        return self.world.edit_message(chat, record, changes, markup)

    @api_method("editMessageText")
    def edit_message_text(self, params: dict) -> dict:
        chat, record = self._editable(params)
        if "text" not in record.message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(params, "text", "entities", limit=4096, required=True)
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        return self._edit(chat, record, {"text": text, "entities": entities or None},
                          self._markup(params, inline_only=True))

    @api_method("editMessageCaption")
    def edit_message_caption(self, params: dict) -> dict:
        chat, record = self._editable(params)
        if not any(k in record.message for k in MEDIA_KEYS):
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._text(params, "caption", "caption_entities", limit=1024, required=False)
        return self._edit(chat, record, {"caption": caption, "caption_entities": entities or None},
                          self._markup(params, inline_only=True))

    @api_method("editMessageReplyMarkup")
    def edit_message_reply_markup(self, params: dict) -> dict:
        chat, record = self._editable(params)
        return self._edit(chat, record, {}, self._markup(params, inline_only=True))

    def _deletable(self, chat: Chat, record: MessageRecord) -> bool:
        return chat.is_private or record.from_bot or chat.bot_can_delete

    @api_method("deleteMessage")
    def delete_message(self, params: dict) -> bool:
        chat = self._chat(params, read=True)
        record = self._message(chat, params, "message to delete not found")
        if not self._deletable(chat, record):
            raise bad_request("message can't be deleted")
        self.world.delete_message(chat, record)
        return True

    @api_method("deleteMessages")
    def delete_messages(self, params: dict) -> bool:
        chat = self._chat(params, read=True)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1 to 100 message identifiers")
        for message_id in ids:  # unknown ones are skipped, as Telegram does
            record = chat.messages.get(int(message_id))
            if record is not None and not record.deleted and self._deletable(chat, record):
                self.world.delete_message(chat, record)
        return True

    # ------------------------------------------------------------------ callbacks and commands

    @api_method("answerCallbackQuery")
    def answer_callback_query(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        record = self.world.callbacks.get(query_id)
        if record is None or record.answered:
            raise bad_request(_QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        answer: dict[str, Any] = {"text": text, "show_alert": bool(params.get("show_alert", False))}
        if params.get("url"):
            answer["url"] = params["url"]
        self.world.answer_callback(query_id, answer)
        return True

    def _scope_key(self, params: dict) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None:
            if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
                raise bad_request("can't parse BotCommandScope JSON object")
            if scope["type"] in ("chat", "chat_administrators", "chat_member"):
                self._chat(scope, read=True)
        language = params.get("language_code") or ""
        return canonical_scope(scope), str(language)

    @api_method("setMyCommands")
    def set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        stored = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command, description = str(item.get("command", "")), str(item.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be 1-256 characters long")
            stored.append({"command": command, "description": description})
        key = self._scope_key(params)
        if stored:
            self.world.command_lists[key] = stored
        else:
            self.world.command_lists.pop(key, None)
        self.world.emit("commands", None)
        return True

    @api_method("getMyCommands")
    def get_my_commands(self, params: dict) -> list[dict]:
        return [dict(c) for c in self.world.command_lists.get(self._scope_key(params), [])]

    @api_method("deleteMyCommands")
    def delete_my_commands(self, params: dict) -> bool:
        self.world.command_lists.pop(self._scope_key(params), None)
        self.world.emit("commands", None)
        return True

    @api_method("setChatMenuButton")
    def set_chat_menu_button(self, params: dict) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
            raise bad_request("can't parse menu button JSON object")
        if params.get("chat_id") is not None:
            chat = self._chat(params, read=True)
            chat.menu_button = button
            self.world.emit("chat", chat.id, chat=self.world.chat_view(chat))
        else:
            self.world.default_menu_button = button
        return True

    @api_method("getChatMenuButton")
    def get_chat_menu_button(self, params: dict) -> dict:
        if params.get("chat_id") is not None:
            chat = self._chat(params, read=True)
            if chat.menu_button and chat.menu_button.get("type") != "default":
                return dict(chat.menu_button)
        return dict(self.world.default_menu_button)

    def _set_bot_text(self, kind: str, params: dict) -> bool:
        self.world.bot_texts[(kind, str(params.get("language_code") or ""))] = str(params.get(kind) or "")
        return True

    def _get_bot_text(self, kind: str, params: dict) -> dict:
        language = str(params.get("language_code") or "")
        default = self.world.bot_user["first_name"] if kind == "name" else ""
        value = self.world.bot_texts.get((kind, language)) or self.world.bot_texts.get((kind, "")) or default
        return {kind: value}

    @api_method("setMyName")
    def set_my_name(self, params: dict) -> bool:
        return self._set_bot_text("name", params)

    @api_method("getMyName")
    def get_my_name(self, params: dict) -> dict:
        return self._get_bot_text("name", params)

    @api_method("setMyDescription")
    def set_my_description(self, params: dict) -> bool:
        return self._set_bot_text("description", params)

    @api_method("getMyDescription")
    def get_my_description(self, params: dict) -> dict:
        return self._get_bot_text("description", params)

    @api_method("setMyShortDescription")
    def set_my_short_description(self, params: dict) -> bool:
        return self._set_bot_text("short_description", params)

    @api_method("getMyShortDescription")
    def get_my_short_description(self, params: dict) -> dict:
        return self._get_bot_text("short_description", params)

    # ------------------------------------------------------------------ chats and members

    def _check_pin_rights(self, chat: Chat) -> None:
        if not chat.is_private and not (chat.bot_status == "administrator" and chat.bot_can_pin):
            raise bad_request("not enough rights to manage pinned messages in the chat")

    @api_method("pinChatMessage")
    def pin_chat_message(self, params: dict) -> bool:
        chat = self._chat(params)
        self._check_pin_rights(chat)
        record = self._message(chat, params, "message to pin not found")
        self.world.set_pinned(chat, record, True)
        return True

    @api_method("unpinChatMessage")
    def unpin_chat_message(self, params: dict) -> bool:
        chat = self._chat(params)
        self._check_pin_rights(chat)
        if params.get("message_id") is not None:
            record = self._message(chat, params, "message to unpin not found")
        elif chat.pinned:
            record = chat.messages[chat.pinned[-1]]
        else:
            return True
        self.world.set_pinned(chat, record, False)
        return True

    @api_method("unpinAllChatMessages")
    def unpin_all_chat_messages(self, params: dict) -> bool:
        chat = self._chat(params)
        self._check_pin_rights(chat)
        for message_id in list(chat.pinned):
            self.world.set_pinned(chat, chat.messages[message_id], False)
        return True

    @api_method("getChat")
    def get_chat(self, params: dict) -> dict:
        chat = self._chat(params, read=True)
        info = {**self.world.chat_json(chat), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}
        if chat.pinned:
            info["pinned_message"] = chat.messages[chat.pinned[-1]].message
        return info

    def _user_id(self, params: dict) -> int:
        user_id = params.get("user_id")
        if user_id != self.world.bot_id and user_id not in self.world.users:
            raise bad_request("user not found")
        return user_id

    @api_method("getChatMember")
    def get_chat_member(self, params: dict) -> dict:
        chat = self._chat(params, read=True)
        return self.world.member_json(chat, self._user_id(params))

    @api_method("getChatAdministrators")
    def get_chat_administrators(self, params: dict) -> list[dict]:
        chat = self._chat(params, read=True)
        if chat.is_private:
            raise bad_request("there are no administrators in the private chat")
        ids = ([chat.creator] if chat.creator else []) + [a for a in chat.admins if a != chat.creator]
        if chat.bot_status == "administrator":
            ids.append(self.world.bot_id)
        return [self.world.member_json(chat, uid) for uid in ids]

    @api_method("getChatMemberCount")
    def get_chat_member_count(self, params: dict) -> int:
        chat = self._chat(params, read=True)
        if chat.is_private:
            return 2
        return len(chat.members) + (1 if chat.bot_status in ("member", "administrator") else 0)

    def _check_ban_rights(self, chat: Chat) -> None:
        if chat.is_private:
            raise bad_request("chat member status can't be changed in private chats")
        if chat.bot_status != "administrator":
            raise bad_request("not enough rights to restrict/unrestrict chat member")

    @api_method("banChatMember")
    def ban_chat_member(self, params: dict) -> bool:
        chat = self._chat(params)
        self._check_ban_rights(chat)
        user_id = self._user_id(params)
        if user_id == chat.creator:
            raise bad_request("can't remove chat owner")
        if user_id in chat.admins:
            raise bad_request("user is an administrator of the chat")
        self.world.ban_member(chat, user_id)
        return True

    @api_method("unbanChatMember")
    def unban_chat_member(self, params: dict) -> bool:
        chat = self._chat(params)
        self._check_ban_rights(chat)
        self.world.unban_member(chat, self._user_id(params))
        return True

    @api_method("sendChatAction")
    def send_chat_action(self, params: dict) -> bool:
        chat = self._chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.world.chat_action(chat, action)
        return True

    @api_method("leaveChat")
    def leave_chat(self, params: dict) -> bool:
        chat = self._chat(params)
        if chat.is_private:
            raise bad_request("chat member status can't be changed in private chats")
        self.world.bot_leaves(chat)
        return True


def _valid_button_url(url: Any) -> bool:
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        return False
    if url.startswith("tg://"):
        return True
    host = re.sub(r"^https?://", "", url, flags=re.IGNORECASE).split("/", 1)[0]
    return "." in host or host.split(":")[0] == "localhost"
