"""The HTTP control API under ``/control/``: act as users and inspect the world.

Used by the browser chat page and by scripted tests. JSON in and out, shaped like the Bot API:
``{"ok": true, "result": ...}`` or ``{"ok": false, "description": ...}`` with status 400 for bad
input (404 for unknown files). Tracebacks never reach the body; they go to the log.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.emulator.world import Upload, World

logger = logging.getLogger("pingan.emulator")

Handler = Callable[[web.Request], Awaitable[Any]]
MAX_EVENT_WAIT = 30.0


class ControlError(Exception):
    """Bad control input: answered with ``{"ok": false, "description": ...}``."""

    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.status = status


def _reply(status: int, body: dict) -> web.Response:
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json")


def _endpoint(handler: Handler) -> Handler:
    """Wrap a handler returning a result into the {"ok": ...} envelope with clean errors."""
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            result = await handler(request)
        except ControlError as error:
            return _reply(error.status, {"ok": False, "description": str(error)})
        except (LookupError, ValueError, TypeError) as error:
            description = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            return _reply(400, {"ok": False, "description": str(description)})
        except Exception:
            logger.exception("control request %s %s failed", request.method, request.path)
            return _reply(500, {"ok": False, "description": "internal emulator error (see the log)"})
        if isinstance(result, web.StreamResponse):
            return result
        return _reply(200, {"ok": True, "result": result})
    return wrapped


async def _body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise ControlError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def _int(body: dict | Any, key: str, default: Any = ...) -> int:
    value = body.get(key, default)
    if value is ...:
        raise ControlError(f"{key} is required")
    if value is None:
        return None  # type: ignore[return-value]
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(f"{key} must be an integer") from None


def _b64(value: str, key: str) -> bytes:
    try:
        return base64.b64decode(value.split(",", 1)[-1] if value.startswith("data:") else value, validate=True)
    except (binascii.Error, ValueError, AttributeError):
        raise ControlError(f"{key} must be base64") from None


class ControlApi:
    """The ``/control/`` routes acting on a :class:`World`."""

    def __init__(self, world: World) -> None:
        self.world = world

    def add_routes(self, app: web.Application) -> None:
        routes = [
            ("GET", "/control/world", self.get_world),
            ("POST", "/control/users", self.add_user),
            ("POST", "/control/groups", self.add_group),
            ("POST", "/control/groups/{chat_id}/add_bot", self.add_bot),
            ("POST", "/control/groups/{chat_id}/remove_bot", self.remove_bot),
            ("POST", "/control/groups/{chat_id}/migrate", self.migrate),
            ("POST", "/control/block", self.block),
            ("POST", "/control/send", self.send),
            ("POST", "/control/upload", self.upload),
            ("POST", "/control/press", self.press),
            ("GET", "/control/chats/{chat_id}/messages", self.messages),
            ("GET", "/control/events", self.events),
            ("GET", "/control/files/{file_id}", self.file),
            ("GET", "/control/calls", self.calls),
            ("POST", "/control/fail", self.fail),
            ("POST", "/control/flood", self.flood),
            ("POST", "/control/faults", self.faults),
            ("POST", "/control/outage", self.outage),
            ("POST", "/control/updates", self.inject),
            ("GET", "/control/answers/{callback_query_id}", self.answer),
            ("GET", "/control/commands", self.commands),
            ("POST", "/control/reset", self.reset),
            ("POST", "/control/demo_clock/{key}", self.move_demo_clock),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, _endpoint(handler))

    async def get_world(self, request: web.Request) -> dict:
        return self.world.world_json()

    async def move_demo_clock(self, request: web.Request) -> dict:
        try:
            return await self.world.move_demo_clock(request.match_info["key"])
        except KeyError:
            raise ControlError("no such demo clock action") from None

    async def add_user(self, request: web.Request) -> dict:
        body = await _body(request)
        if not isinstance(body.get("first_name"), str):
            raise ControlError("first_name is required")
        return self.world.add_user(body["first_name"], username=body.get("username"),
                                   language_code=body.get("language_code"), user_id=_int(body, "user_id", None),
                                   last_name=body.get("last_name"))

    async def add_group(self, request: web.Request) -> dict:
        body = await _body(request)
        if not isinstance(body.get("title"), str) or not body["title"]:
            raise ControlError("title is required")
        return self.world.add_group(body["title"], type=body.get("type", "supergroup"),
                                    members=[int(m) for m in body.get("members", [])],
                                    admins=[int(a) for a in body.get("admins", [])],
                                    chat_id=_int(body, "chat_id", None), username=body.get("username"))

    async def add_bot(self, request: web.Request) -> dict:
        body = await _body(request)
        return self.world.add_bot_to_group(_int(request.match_info, "chat_id"), _int(body, "by_user_id"),
                                           status=body.get("status", "member"),
                                           can_pin_messages=bool(body.get("can_pin_messages", False)))

    async def remove_bot(self, request: web.Request) -> dict:
        body = await _body(request)
        return self.world.remove_bot_from_group(_int(request.match_info, "chat_id"), _int(body, "by_user_id"),
                                                status=body.get("status", "kicked"))

    async def migrate(self, request: web.Request) -> dict:
        return {"new_chat_id": self.world.migrate_group(_int(request.match_info, "chat_id"))}

    async def block(self, request: web.Request) -> dict:
        body = await _body(request)
        user_id = _int(body, "user_id")
        if body.get("blocked", True):
            return self.world.block_bot(user_id)
        return self.world.unblock_bot(user_id)

    async def send(self, request: web.Request) -> dict:
        body = await _body(request)
        location = body.get("location")
        if location is not None:
            if not isinstance(location, dict):
                raise ControlError("location must be {latitude, longitude}")
            location = (float(location["latitude"]), float(location["longitude"]))
        contact = body.get("contact")
        if contact is not None and not isinstance(contact, dict):
            raise ControlError("contact must be {phone_number, first_name}")
        document = body.get("document")
        if document is not None:
            if not isinstance(document, dict) or "base64" not in document:
                raise ControlError("document must be {name, base64, mime_type}")
            document = (str(document.get("name") or "file"), _b64(document["base64"], "document.base64"),
                        str(document.get("mime_type") or "application/octet-stream"))
        photo = _b64(body["photo_base64"], "photo_base64") if body.get("photo_base64") else None
        voice = _b64(body["voice_base64"], "voice_base64") if body.get("voice_base64") else None
        return self.world.user_sends(
            _int(body, "user_id"), _int(body, "chat_id"), body.get("text"), photo=photo, caption=body.get("caption"),
            document=document, voice=voice, contact=contact, location=location,
            reply_to_message_id=_int(body, "reply_to_message_id", None), sticker=bool(body.get("sticker", False)),
            forwarded_from=body.get("forwarded_from") or None)

    async def upload(self, request: web.Request) -> dict:
        """Multipart: user_id, chat_id, caption? and one file field: photo, document or voice."""
        if request.content_type != "multipart/form-data":
            raise ControlError("send multipart/form-data")
        form = await request.post()
        files = {k: Upload(v.filename, v.content_type, v.file.read())
                 for k, v in form.items() if isinstance(v, web.FileField)}
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        kwargs: dict[str, Any] = {"caption": fields.get("caption") or None,
                                  "reply_to_message_id": _int(fields, "reply_to_message_id", None)}
        if "photo" in files:
            kwargs["photo"] = files["photo"].data
        elif "document" in files:
            upload = files["document"]
            kwargs["document"] = (upload.filename or "file", upload.data,
                                  upload.content_type or "application/octet-stream")
        elif "voice" in files:
            kwargs["voice"] = files["voice"].data
        else:
            raise ControlError("attach a file field named photo, document or voice")
        return self.world.user_sends(_int(fields, "user_id"), _int(fields, "chat_id"), **kwargs)

    async def press(self, request: web.Request) -> dict:
        body = await _body(request)
        query_id = self.world.press_button(
            _int(body, "user_id"), _int(body, "chat_id"), _int(body, "message_id"), text=body.get("text"),
            data=body.get("data"), row=_int(body, "row", None), col=_int(body, "col", None))
        return {"callback_query_id": query_id}

    async def messages(self, request: web.Request) -> list[dict]:
        include_deleted = request.query.get("include_deleted", "").lower() in ("1", "true", "yes")
        return self.world.chat_messages(_int(request.match_info, "chat_id"), include_deleted=include_deleted)

    async def events(self, request: web.Request) -> dict:
        after = _int(request.query, "after", 0)
        try:
            timeout = min(max(float(request.query.get("timeout", 0)), 0.0), MAX_EVENT_WAIT)
        except ValueError:
            raise ControlError("timeout must be a number") from None
        if timeout and self.world.last_seq <= after:
            self.world.long_poll_waiting("events", True)
            try:
                await self.world.wait_until(lambda: self.world.last_seq > after or self.world.closing, timeout)
            finally:
                self.world.long_poll_waiting("events", False)
        last_seq, events = self.world.events_since(after)
        return {"last_seq": last_seq, "events": events}

    async def file(self, request: web.Request) -> web.StreamResponse:
        stored = self.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError("no such file", status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream",
                            headers={"Cache-Control": "max-age=3600"})

    async def calls(self, request: web.Request) -> list[dict]:
        method = request.query.get("method")
        calls = self.world.calls_to(method) if method else self.world.calls
        return [c.to_json() for c in calls]

    async def fail(self, request: web.Request) -> bool:
        body = await _body(request)
        if not isinstance(body.get("method"), str):
            raise ControlError("method is required")
        self.world.fail_next(body["method"], error_code=_int(body, "error_code", 500),
                             description=body.get("description"), retry_after=_int(body, "retry_after", None),
                             chat_id=body.get("chat_id"), times=_int(body, "times", 1),
                             migrate_to_chat_id=_int(body, "migrate_to_chat_id", None))
        return True

    async def flood(self, request: web.Request) -> bool:
        body = await _body(request)
        limits = {k: _int(body, k) for k in ("per_chat_per_minute", "global_per_second", "private_per_second")
                  if k in body}
        self.world.set_flood_limits(bool(body.get("enabled", True)), **limits)
        return True

    async def faults(self, request: web.Request) -> dict:
        body = await _body(request)
        try:
            share = float(body.get("share", 0))
            if share == 0:
                self.world.stop_faults()
                return {"share": 0}
            plan = self.world.inject_faults(
                share, seed=_int(body, "seed", 0), kinds=body.get("kinds"), methods=body.get("methods"),
                spared=body.get("spared", ("getMe",)), hang_seconds=float(body.get("hang_seconds", 6.0)),
                retry_after=_int(body, "retry_after", 1), weights=body.get("weights"))
        except (TypeError, ValueError) as error:
            raise ControlError(f"bad fault plan: {error}") from None
        return {"share": plan.share, "kinds": sorted(plan.kinds)}

    async def outage(self, request: web.Request) -> bool:
        body = await _body(request)
        try:
            self.world.start_outage(float(body.get("seconds", 30)))
        except (TypeError, ValueError) as error:
            raise ControlError(f"bad outage: {error}") from None
        return True

    async def inject(self, request: web.Request) -> dict:
        body = await _body(request)
        if not isinstance(body.get("update"), dict):
            raise ControlError("update must be an object")
        return {"update_id": self.world.inject_update(body["update"])}

    async def answer(self, request: web.Request) -> dict | None:
        return self.world.callback_answer(request.match_info["callback_query_id"])

    async def commands(self, request: web.Request) -> list[dict]:
        scope = request.query.get("scope")
        try:
            scope_obj = json.loads(scope) if scope else None
        except ValueError:
            raise ControlError("scope must be JSON") from None
        return self.world.commands(scope_obj, request.query.get("language_code", ""))

    async def reset(self, request: web.Request) -> bool:
        self.world.reset()
        return True
