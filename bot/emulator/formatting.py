"""Text formatting as Telegram does it: parse modes, auto-detected entities, UTF-16 offsets.

Telegram measures entity offsets and lengths in UTF-16 code units, so every offset produced
here is in those units. The parsers are deliberately strict in the same places Telegram is
(unknown HTML tags, unclosed entities, unescaped MarkdownV2 characters) so that a bot that
would be rejected by the real server is rejected by the emulator as well.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "EntityParseError",
    "detect_entities",
    "format_text",
    "merge_entities",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

UserResolver = Callable[[int], dict | None]


class EntityParseError(ValueError):
    """The text does not parse in its parse mode; the message follows Telegram's wording."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (what Telegram's offsets count)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(src: str, index: int) -> int:
    # Telegram reports parse errors at UTF-8 byte offsets of the source text.
    return len(src[:index].encode("utf-8"))


@dataclass
class _Builder:
    """Accumulates plain text while tracking the current UTF-16 offset."""

    parts: list[str] = field(default_factory=list)
    offset: int = 0
    entities: list[dict] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def entity(self, type_: str, start: int, **extra: object) -> None:
        # Zero-length entities are silently dropped by Telegram.
        if self.offset > start:
            self.entities.append({"type": type_, "offset": start, "length": self.offset - start, **extra})

    def result(self) -> tuple[str, list[dict]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


def _link_entity(url: str, start: int, out: _Builder, resolve_user: UserResolver | None) -> None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if match:
        user = resolve_user(int(match.group(1))) if resolve_user else None
        if user is None:
            user = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
        out.entity("text_mention", start, user=user)
    else:
        out.entity("text_link", start, url=url)


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "a": "text_link", "code": "code", "pre": "pre", "span": "spoiler", "tg-spoiler": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_TAG_START = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
_TAG_ATTR = re.compile(r"""\s+([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
_TAG_END = re.compile(r"\s*/?>")
_HTML_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


def parse_html(src: str, resolve_user: UserResolver | None = None) -> tuple[str, list[dict]]:
    """Parse Telegram's HTML subset into (plain text, entities)."""
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []  # (tag, start offset, attributes)
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "&":
            match = _HTML_ENTITY.match(src, i)
            if match:
                out.add(html.unescape(match.group(0)))
                i = match.end()
                continue
            out.add("&")  # Telegram tolerates a bare ampersand
            i += 1
            continue
        if char != "<":
            j = i
            while j < n and src[j] not in "<&":
                j += 1
            out.add(src[i:j])
            i = j
            continue
        at = _byte_offset(src, i)
        if src.startswith("</", i):
            close = src.find(">", i)
            if close < 0:
                raise EntityParseError(f"Can't parse end tag at byte offset {at}")
            name = src[i + 2:close].strip().lower()
            if not stack:
                raise EntityParseError(f'Unexpected end tag "</{name}>" at byte offset {at}')
            tag, start, attrs = stack.pop()
            if name != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {at}, expected "</{tag}>", found "</{name}>"')
            _close_html_tag(tag, start, attrs, stack, out, resolve_user)
            i = close + 1
            continue
        match = _TAG_START.match(src, i)
        if not match:
            raise EntityParseError(f'Unsupported start tag "" at byte offset {at}')
        tag = match.group(1).lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {at}')
        attrs: dict[str, str] = {}
        pos = match.end()
        while attr := _TAG_ATTR.match(src, pos):
            value = attr.group(2) or ""
            if value[:1] in "\"'":
                value = value[1:-1]
            attrs[attr.group(1).lower()] = html.unescape(value)
            pos = attr.end()
        end = _TAG_END.match(src, pos)
        if not end:
            raise EntityParseError(f'Can\'t find end of tag "{tag}" at byte offset {at}')
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        stack.append((tag, out.offset, attrs))
        i = end.end()
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html_tag(tag: str, start: int, attrs: dict[str, str], stack: list, out: _Builder,
                    resolve_user: UserResolver | None) -> None:
    kind = _HTML_TAGS[tag]
    if tag == "a":
        if attrs.get("href"):
            _link_entity(attrs["href"], start, out, resolve_user)
    elif tag == "code" and stack and stack[-1][0] == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1][2]["_language"] = language[len("language-"):]
    elif tag == "pre":
        extra = {"language": attrs["_language"]} if attrs.get("_language") else {}
        out.entity("pre", start, **extra)
    elif tag == "blockquote":
        out.entity("expandable_blockquote" if "expandable" in attrs else "blockquote", start)
    elif tag == "tg-emoji":
        out.entity("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id", ""))
    else:
        out.entity(kind, start)


# --------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {"bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
               "spoiler": "Spoiler", "link": "TextUrl", "emoji": "CustomEmoji"}


def parse_markdown_v2(src: str, resolve_user: UserResolver | None = None) -> tuple[str, list[dict]]:
    """Parse MarkdownV2 into (plain text, entities), rejecting unescaped reserved characters."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (kind, start offset, byte offset of the marker)
    quote: tuple[str, int] | None = None  # open blockquote: (kind, start offset)
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        at_line_start = i == 0 or src[i - 1] == "\n"
        if at_line_start and quote and not (char == ">" or src.startswith("**>", i)):
            out.entity(quote[0], quote[1])
            quote = None
        if at_line_start and (char == ">" or src.startswith("**>", i)):
            expandable = char == "*"
            if quote is None:
                kind = "expandable_blockquote" if expandable else "blockquote"
                quote = (kind, out.offset)
            i += 3 if expandable else 1
            continue
        if char == "\\":
            if i + 1 < n and 1 <= ord(src[i + 1]) <= 126:
                out.add(src[i + 1])
                i += 2
                continue
            raise EntityParseError("Character '\\' is reserved and must be escaped with the preceding '\\'")
        if char == "`":
            i = _mdv2_code(src, i, out)
            continue
        if quote and quote[0] == "expandable_blockquote" and src.startswith("||", i) and \
                (i + 2 == n or src[i + 2] == "\n") and not any(k == "spoiler" for k, _, _ in stack):
            i += 2  # "||" closes an expandable blockquote at the end of its last line
            continue
        marker = _mdv2_marker(src, i)
        if marker:
            kind, width = marker
            if stack and stack[-1][0] == kind:
                _, start, _ = stack.pop()
                out.entity(kind, start)
            elif any(k == kind for k, _, _ in stack):
                open_kind, _, open_at = stack[-1]
                raise EntityParseError(f"Can't find end of {_MDV2_NAMES[open_kind]} entity at byte offset {open_at}")
            else:
                stack.append((kind, out.offset, _byte_offset(src, i)))
            i += width
            continue
        if char == "!" and src.startswith("![", i):
            stack.append(("emoji", out.offset, _byte_offset(src, i)))
            i += 2
            continue
        if char == "[":
            stack.append(("link", out.offset, _byte_offset(src, i)))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] in ("link", "emoji"):
            kind, start, open_at = stack.pop()
            if not src.startswith("(", i + 1):
                raise EntityParseError(f"Can't find end of a URL at byte offset {open_at}")
            url, i = _mdv2_url(src, i + 2, open_at)
            if kind == "link":
                _link_entity(url, start, out, resolve_user)
            else:
                emoji_id = url.split("id=", 1)[-1]
                out.entity("custom_emoji", start, custom_emoji_id=emoji_id)
            continue
        if char in _MDV2_RESERVED:
            raise EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        out.add(char)
        i += 1
    if stack:
        kind, _, open_at = stack[-1]
        raise EntityParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {open_at}")
    if quote:
        out.entity(quote[0], quote[1])
    return out.result()


def _mdv2_marker(src: str, i: int) -> tuple[str, int] | None:
    # "__" is greedily underline and "||" spoiler, as Telegram documents.
    if src.startswith("__", i):
        return "underline", 2
    if src.startswith("||", i):
        return "spoiler", 2
    return {"*": ("bold", 1), "_": ("italic", 1), "~": ("strikethrough", 1)}.get(src[i])


def _mdv2_code(src: str, i: int, out: _Builder) -> int:
    """Parse `code` or ```pre``` starting at ``i``; returns the index after it."""
    at = _byte_offset(src, i)
    pre = src.startswith("```", i)
    j = i + (3 if pre else 1)
    language = ""
    if pre:
        newline = src.find("\n", j)
        header = src[j:newline] if newline >= 0 else ""
        if newline >= 0 and header and not any(c.isspace() or c == "`" for c in header):
            language, j = header, newline + 1
    start = out.offset
    n = len(src)
    while j < n:
        if src[j] == "\\" and j + 1 < n and 1 <= ord(src[j + 1]) <= 126:
            out.add(src[j + 1])
            j += 2
            continue
        if src.startswith("```" if pre else "`", j):
            if pre:
                out.entity("pre", start, **({"language": language} if language else {}))
                return j + 3
            out.entity("code", start)
            return j + 1
        out.add(src[j])
        j += 1
    raise EntityParseError(f"Can't find end of {'Pre' if pre else 'Code'} entity at byte offset {at}")


def _mdv2_url(src: str, j: int, open_at: int) -> tuple[str, int]:
    url: list[str] = []
    while j < len(src):
        if src[j] == "\\" and j + 1 < len(src):
            url.append(src[j + 1])
            j += 2
            continue
        if src[j] == ")":
            return "".join(url), j + 1
        url.append(src[j])
        j += 1
    raise EntityParseError(f"Can't find end of a URL at byte offset {open_at}")


# --------------------------------------------------------------------------- legacy Markdown

_MD_MARKERS = {"*": "bold", "_": "italic"}


def parse_markdown(src: str, resolve_user: UserResolver | None = None) -> tuple[str, list[dict]]:
    """Parse legacy Markdown (no nesting; ``\\`` escapes ``_ * ` [``)."""
    out = _Builder()
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        at = _byte_offset(src, i)
        if char in _MD_MARKERS or char == "`":
            pre = src.startswith("```", i)
            marker = "```" if pre else char
            close = src.find(marker, i + len(marker))
            if close < 0:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {at}")
            start = out.offset
            body = src[i + len(marker):close]
            if pre:
                first, sep, rest = body.partition("\n")
                language = first if sep and first and " " not in first else ""
                out.add(rest if language else body)
                out.entity("pre", start, **({"language": language} if language else {}))
            else:
                out.add(body)
                out.entity("code" if char == "`" else _MD_MARKERS[char], start)
            i = close + len(marker)
            continue
        if char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(src, i)
            if not match:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {at}")
            start = out.offset
            out.add(match.group(1))
            _link_entity(match.group(2), start, out, resolve_user)
            i = match.end()
            continue
        out.add(char)
        i += 1
    return out.result()


# --------------------------------------------------------------------------- auto-detection

_AUTO_PATTERNS = (
    ("bot_command", re.compile(r"(?<![\w/@#])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z][A-Za-z0-9_]{2,31})?(?![\w/@])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#&])#\w*[^\W\d]\w*")),
    ("url", re.compile(r"(?<![\w@/])https?://[^\s<>\"]+")),
)


def detect_entities(text: str) -> list[dict]:
    """The entities Telegram detects on its own: commands, @mentions, #hashtags and URLs."""
    found: list[dict] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "url":
                value = value.rstrip(".,;:!?)'\"")
            found.append({"type": kind, "offset": utf16_len(text[:match.start()]), "length": utf16_len(value)})
    return found


def merge_entities(explicit: list[dict], detected: list[dict]) -> list[dict]:
    """Explicit entities win; detected ones are kept only where they overlap none of them."""
    merged = list(explicit)
    for entity in detected:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        if all(end <= e["offset"] or start >= e["offset"] + e["length"] for e in merged):
            merged.append(entity)
    return sorted(merged, key=lambda e: (e["offset"], -e["length"]))


_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def format_text(text: str, parse_mode: str | None, entities: list[dict] | None,
                resolve_user: UserResolver | None = None) -> tuple[str, list[dict]]:
    """Turn a bot's ``text`` + ``parse_mode``/``entities`` into (plain text, entities).

    Raises EntityParseError (parse errors) or ValueError (unknown parse mode).
    """
    if entities is not None:
        explicit = [dict(e) for e in entities]
    elif parse_mode:
        parser = _PARSERS.get(parse_mode.lower())
        if parser is None:
            raise ValueError(f"unsupported parse_mode {parse_mode!r}")
        text, explicit = parser(text, resolve_user)
    else:
        explicit = []
    return text, merge_entities(explicit, detect_entities(text))
