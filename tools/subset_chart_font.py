"""Builds the CJK font the charts use (bot/fonts/): a subset of Noto Sans CJK SC (SIL OFL 1.1)
covering ASCII, CJK punctuation, the 3,755 level-1 hanzi of GB2312 and every character of the zh
catalogue and the configured labels, so Chinese chart labels render on a fresh machine without
tofu boxes. Run once after adding texts (needs the Debian package fonts-noto-cjk; fontTools comes
with matplotlib):
    .venv/bin/python tools/subset_chart_font.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
LICENCE_SOURCE = Path("/usr/share/doc/fonts-noto-cjk/copyright")
TARGET = ROOT / "bot" / "fonts" / "PinganSansSC-Subset.otf"
FAMILY = "Pingan Sans SC Subset"
#: Texts whose every character the font must have: the catalogue, the configured labels.
LABEL_SOURCES = [ROOT / "bot/locales/zh/LC_MESSAGES/messages.po", ROOT / "bot/config_reports.py",
                 ROOT / "config.yaml", ROOT / "bot/stats_charts.py"]


def gb2312_level1() -> str:
    """The level-1 hanzi: rows 16–55 of GB2312 (EUC-CN bytes 0xB0A1–0xD7F9)."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # row 55 ends at 0xD7F9
    return "".join(chars)


def wanted_text() -> str:
    ascii_ = "".join(chr(c) for c in range(0x20, 0x7F))
    punctuation = "".join(chr(c) for c in range(0x3000, 0x3040)) + "".join(chr(c) for c in range(0xFF01, 0xFF5F))
    extra = "–—‘’“”…·•℃№→←↑↓×÷％"
    labels = "".join(path.read_text(encoding="utf-8") for path in LABEL_SOURCES if path.exists())
    return ascii_ + punctuation + extra + gb2312_level1() + re.sub(r"\s", "", labels)


def sc_font():
    """The Simplified Chinese face of the Noto CJK collection."""
    for font in TTCollection(str(SOURCE)).fonts:
        if font["name"].getDebugName(1) == "Noto Sans CJK SC":
            return font
    sys.exit(f"Noto Sans CJK SC not found in {SOURCE}")


def main() -> None:
    font = sc_font()
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted_text())
    subsetter.subset(font)
    # OFL 1.1 §3: a modified version is named apart from the original.
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "") + "-Regular"
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    copyright_line = names.getDebugName(0)
    licence = LICENCE_SOURCE.read_text(encoding="utf-8").split("License: SIL-1.1\n", 2)[-1].split("\nLicense:")[0]
    body = "\n".join("" if line.strip() == "." else line[1:] for line in licence.splitlines())
    (TARGET.parent / "OFL.txt").write_text(
        f"{FAMILY}: a subset of Noto Sans CJK SC made by tools/subset_chart_font.py.\n{copyright_line}\n\n"
        f"This Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n{body.strip()}\n",
        encoding="utf-8")
    print(f"{TARGET}: {TARGET.stat().st_size // 1024} KiB, {len(font.getGlyphOrder())} glyphs")


if __name__ == "__main__":
    main()
