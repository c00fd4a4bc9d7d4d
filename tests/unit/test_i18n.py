"""Every user-facing text is in the catalogues, and the zh catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "lazy_gettext": None, "gettext_in": (2,), "ngettext_in": (2, 3)}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def source_msgids() -> set[str]:
    found = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    found.discard("")
    return found


def catalogue(locale: str):
    with open(ROOT / "bot" / "locales" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def test_zh_catalogue_translates_every_text():
    zh = catalogue("zh")
    missing = sorted(m for m in source_msgids() if not (zh.get(m) and zh.get(m).string) or zh.get(m).fuzzy)
    assert missing == [], "untranslated (run the pybabel commands in README):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    for locale in ("zh", "en"):
        for message in catalogue(locale):
            if message.id and message.string:
                assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), message.id


def test_en_catalogue_lists_every_text():
    en = catalogue("en")
    assert sorted(m for m in source_msgids() if en.get(m) is None) == []
