"""Every user-facing text is in the catalogues, and the zh catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "lazy_gettext": None, "gettext_in": (2,), "ngettext": (1, 2),
            "ngettext_in": (2, 3)}
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

    def translated(msgid: str) -> bool:
        entry = zh.get(msgid)
        if entry is None or entry.fuzzy:
            return False
        return bool(entry.string if isinstance(entry.string, str) else all(entry.string))

    missing = sorted(m for m in source_msgids() if not translated(m))
    assert missing == [], "untranslated (run the pybabel commands in README):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    for locale in ("zh", "en"):
        for message in catalogue(locale):
            if not message.id:
                continue
            expected = set(PLACEHOLDER.findall(message.id if isinstance(message.id, str) else message.id[0]))
            forms = [message.string] if isinstance(message.string, str) else list(message.string)
            for form in filter(None, forms):
                assert set(PLACEHOLDER.findall(form)) == expected, message.id


def test_en_catalogue_lists_every_text():
    en = catalogue("en")
    assert sorted(m for m in source_msgids() if en.get(m) is None) == []


def test_en_catalogue_is_the_identity():
    # msgids are the English text; a stale fuzzy match must never replace one sentence with another.
    for message in catalogue("en"):
        if message.id:
            assert message.string == message.id, message.id


def test_no_text_is_marked_inside_an_f_string():
    # Babel does not look inside f-string expressions: such a text would never be translated.
    inside_fstring = re.compile(r"""\bf(["'])(?:(?!\1).)*\{[^}]*\b(?:_|N_|ngettext)\(""")
    offenders = []
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if inside_fstring.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
