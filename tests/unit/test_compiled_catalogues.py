"""The translation catalogues are compiled when the package is built (setup.py) and read as built;
a source checkout compiles them in memory (bot/i18n.py)."""

from __future__ import annotations

import gettext
import subprocess
import sys
from pathlib import Path

from bot.i18n import compiled_name, translations

ROOT = Path(__file__).resolve().parents[2]
MSGID = "There is nothing to cancel."


def test_the_build_puts_each_catalogue_compiled_beside_its_source(tmp_path):
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)], cwd=ROOT,
                   check=True, capture_output=True)
    for locale in ("zh", "en"):
        folder = tmp_path / "bot" / "locales" / locale / "LC_MESSAGES"
        compiled = folder / compiled_name((folder / "messages.po").read_bytes())
        with compiled.open("rb") as handle:
            built = gettext.GNUTranslations(handle)
        assert built.gettext(MSGID) == translations(locale).gettext(MSGID)
    assert translations("zh").gettext(MSGID) != MSGID


def test_a_catalogue_compiled_from_an_older_source_is_never_read():
    source = (ROOT / "bot" / "locales" / "zh" / "LC_MESSAGES" / "messages.po").read_bytes()
    assert compiled_name(source) != compiled_name(source + b'\nmsgid "new"\nmsgstr "\xe6\x96\xb0"\n')
    assert compiled_name(source) == compiled_name(bytes(source))
