"""Translations: gettext catalogues (Babel .po files) chosen per user.

Msgids are whole English sentences with named placeholders, formatted after translation:
    _("Case {ref} accepted").format(ref=ref)
The locale of the current update lives in a ContextVar set by a guard handler; jobs and
broadcasts pass a locale explicitly with `gettext_in(locale, ...)`.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SUPPORTED_LOCALES = ("zh", "en")
DOMAIN = "messages"

current_locale: ContextVar[str] = ContextVar("pingan_locale", default="zh")


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The compiled catalogue for a locale (compiled from the .po in memory, once)."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    po_file = resources.files("bot") / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.is_file():
        return _gettext.NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


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
