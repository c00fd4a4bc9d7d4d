"""Logging set-up: one line per event (text or JSON), and secrets (the bot token) never written out.

Each record carries, where known, the update it belongs to (id, kind, chat kind), the handler
running and a case reference mentioned in it. Nothing else about people goes into the log: the
code logs ids and references, never names, phones, addresses or what people typed; and the
libraries' DEBUG output, which dumps whole requests and updates, is kept out (see below).
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: The fields added to every record (None where unknown).
CONTEXT_FIELDS = ("update_id", "update_kind", "chat_kind", "handler", "case_ref")
_update_context: ContextVar[dict[str, Any] | None] = ContextVar("pingan_log_update", default=None)
_handler_name: ContextVar[str | None] = ContextVar("pingan_log_handler", default=None)
_CASE_REF = re.compile(r"\bPA-\d{4}-\d{6}\b")
#: Loggers whose DEBUG lines hold request bodies or raw updates: people's words and names.
_PAYLOAD_LOGGERS = ("telegram", "httpx", "httpcore", "aiohttp", "aiosqlite")


class RedactSecrets(logging.Filter):
    """Replaces each secret in a record's final text (httpx logs request URLs, which hold the token)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        text = message
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "<token>")
        if text != message:
            record.msg, record.args = text, None
        return True


class AddContext(logging.Filter):
    """Adds the update's ids, the handler and a case reference (from `extra` or the text) to a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        update = _update_context.get() or {}
        for name in ("update_id", "update_kind", "chat_kind"):
            if not hasattr(record, name):
                setattr(record, name, update.get(name))
        if not hasattr(record, "handler"):
            record.handler = _handler_name.get() or update.get("handler")
        if not hasattr(record, "case_ref"):
            found = _CASE_REF.search(record.getMessage())
            record.case_ref = found.group(0) if found else None
        return True


@contextmanager
def update_log_context(**fields: Any) -> Iterator[None]:
    """Records logged inside carry these fields (the update being handled)."""
    token = _update_context.set(fields)
    try:
        yield
    finally:
        _update_context.reset(token)


def named_callback(name: str, callback: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`callback`, with records logged while it runs naming it as their handler."""

    @functools.wraps(callback)
    async def run(*args: Any, **kwargs: Any) -> Any:
        update = _update_context.get()
        if update is not None:
            update["handler"] = name  # the update's own line, logged after it was handled, names it too
        token = _handler_name.set(name)
        try:
            return await callback(*args, **kwargs)
        finally:
            _handler_name.reset(token)

    return run


def name_handlers(application: Any) -> None:
    """Wraps every registered handler's callback so that its log lines name it (`module.function`)."""
    for group in application.handlers.values():
        for handler in group:
            callback = handler.callback
            module = getattr(callback, "__module__", None) or "?"
            name = f"{module.removeprefix('handlers.')}.{getattr(callback, '__qualname__', type(callback).__name__)}"
            handler.callback = named_callback(name, callback)


def build_handler(log_format: str, secrets: Iterable[str]) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter  # text logs (the default) never need it

        handler.setFormatter(JsonFormatter(
            ["asctime", "levelname", "name", "message", *CONTEXT_FIELDS],
            rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
        ))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # Redact first: the context filter reads the final text for a case reference.
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(AddContext())
    return handler


def configure_logging(level: str = "INFO", secrets: Iterable[str] = (), log_format: str = "text") -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(build_handler(log_format, secrets))
    root.setLevel(level)
    # Each long poll would be an INFO line with the URL; keep them out of the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # python-telegram-bot's DEBUG lines are whole updates and request parameters (people's words):
    # at DEBUG, Pingan's own lines are shown, never those.
    for name in _PAYLOAD_LOGGERS:
        library = logging.getLogger(name)
        library.setLevel(max(library.level or logging.INFO, logging.INFO))
