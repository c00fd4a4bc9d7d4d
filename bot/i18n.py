"""Translations: gettext catalogues (Babel .po files) chosen per user.

Msgids are whole English sentences with named placeholders, formatted after translation:
    _("Case {ref} accepted").format(ref=ref)
The locale of the current update lives in a ContextVar set by a guard handler; jobs and
broadcasts pass a locale explicitly with `gettext_in(locale, ...)`.
"""

from __future__ import annotations

import gettext as _gettext
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources

SUPPORTED_LOCALES = ("zh", "en")
DOMAIN = "messages"

current_locale: ContextVar[str] = ContextVar("pingan_locale", default="zh")


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The compiled catalogue for a locale: the one the install compiled (`compiled_name`, by
    setup.py), else compiled from the .po in memory, once (a source checkout)."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    folder = resources.files("bot") / "locales" / locale / "LC_MESSAGES"
    po_file = folder / f"{DOMAIN}.po"
    if not po_file.is_file():
        return _gettext.NullTranslations()
    source = po_file.read_bytes()
    compiled = folder / compiled_name(source)
    if compiled.is_file():
        # Compiling at every start took 2 MiB of memory that stayed, and a fifth of a second.
        return _gettext.GNUTranslations(io.BytesIO(compiled.read_bytes()))
    return _gettext.GNUTranslations(io.BytesIO(compile_catalogue(source, locale)))


def compiled_name(po_source: bytes) -> str:
    """The file name of the .mo compiled from this .po: named by its content, so that a .mo left
    from an older .po is never read."""
    return f"{DOMAIN}-{hashlib.sha1(po_source, usedforsecurity=False).hexdigest()[:16]}.mo"


def compile_catalogue(po_source: bytes, locale: str) -> bytes:
    """The .mo of a .po (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo  # only where no install compiled the catalogue
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po_source), locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def gettext_in(locale: str, message: str) -> str:
    return translations(locale).gettext(message)


def ngettext_in(locale: str, singular: str, plural: str, n: int) -> str:
    return translations(locale).ngettext(singular, plural, n)


@contextmanager
def using_locale(locale: str) -> Iterator[None]:
    """Render in another person's (or a group's) language for a moment."""
    token = current_locale.set(locale)
    try:
        yield
    finally:
        current_locale.reset(token)


def _(message: str) -> str:  # noqa: N802 - the conventional gettext name
    """Translate into the current update's locale."""
    return gettext_in(current_locale.get(), message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return ngettext_in(current_locale.get(), singular, plural, n)


class LazyText(str):
    """A msgid marked at import time and translated when rendered (`str(t)` stays English)."""

    def in_locale(self, locale: str) -> str:
        return gettext_in(locale, str(self))

    def translated(self) -> str:
        return _(str(self))


def lazy_gettext(message: str) -> LazyText:
    return LazyText(message)


N_ = lazy_gettext


def normalise_language_code(code: str | None) -> str | None:
    """Map Telegram's IETF tag (zh-hans, zh-CN, en-US …) to a supported locale, else None."""
    if not code:
        return None
    primary = code.replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in SUPPORTED_LOCALES else None


def choose_locale(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The person's saved choice, else Telegram's language, else the deployment default."""
    for candidate in (stored, normalise_language_code(telegram_code)):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    return default
