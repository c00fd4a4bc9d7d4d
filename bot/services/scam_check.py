"""'Is this a scam?' (反诈查询): a message checked against the fraud-type rule library in
bot/scam_rules.yaml, with the signals found quoted from it and its links and numbers defanged.

Matching is on folded text: full-width forms made half-width, no case, and every space or symbol
dropped, so "刷 单", "刷*单" and "ＳＨＵＡ单" read as "刷单" (Chinese needs no word boundaries, and
inserted spaces or symbols are the commonest evasion); then the library's evasions are read as
what they stand for (traditional forms, "薇信" for 微信, "刷dan" for 刷单). Each position of the
folded text maps back to the original, so a finding is quoted exactly as the resident received it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

#: How many characters a quote may show (a long match is cut with an ellipsis).
QUOTE_CHARS = 30

_LINK = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'，。！？、]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|top|"
                   r"xyz|vip|cc|club|app|shop|icu|live|info|me|io)(?:/[^\s<>\"'，。！？、]*)?\b")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8}|9\d{4,5})(?!\d)")


class Texts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    zh: str
    en: str

    def in_locale(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh


class SignalRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    say: Texts
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_to_match(self) -> SignalRule:
        if not self.phrases and not self.patterns:
            raise ValueError("a signal needs phrases or patterns")
        for pattern in self.patterns:
            re.compile(pattern)
        return self


class FirmRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    signals: list[str]
    say: Texts


class FraudType(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    zh: str
    en: str
    signals: dict[str, int]
    firm: list[FirmRule] = Field(default_factory=list)
    #: When given, the type is named only if one of these is found too (what the scammer asks for).
    needs_one_of: list[str] = Field(default_factory=list)
    advice: Texts

    def name(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh


class RuleLibrary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    threshold: int = 3
    warning_phrases: list[str] = Field(default_factory=list)
    #: A character → the characters read as it (traditional forms); a word → the words read as it.
    same_characters: dict[str, str] = Field(default_factory=dict)
    same_words: dict[str, list[str]] = Field(default_factory=dict)
    signals: dict[str, SignalRule]
    types: dict[str, FraudType]
    general_advice: dict[str, list[str]]

    @model_validator(mode="after")
    def _references_exist(self) -> RuleLibrary:
        for type_id, fraud in self.types.items():
            named = set(fraud.signals) | {s for rule in fraud.firm for s in rule.signals} | set(fraud.needs_one_of)
            unknown = sorted(named - set(self.signals))
            if unknown:
                raise ValueError(f"type {type_id} names unknown signals {unknown}")
            if any(weight <= 0 for weight in fraud.signals.values()):
                raise ValueError(f"type {type_id}: weights are positive")
        return self

    @classmethod
    def shipped(cls) -> RuleLibrary:
        text = resources.files("bot").joinpath("scam_rules.yaml").read_text(encoding="utf-8")
        # libyaml's parser where PyYAML has it: the shipped rules took 70 ms of every start with the
        # pure-Python one, 15 ms with it (the operator's config keeps the Python one's error lines).
        return cls.model_validate(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # noqa: S506


@dataclass(frozen=True)
class Finding:
    """One signal found: what it means, and the words of the message that show it."""

    signal: str
    quote: str


@dataclass(frozen=True)
class Verdict:
    type_id: str | None  # None: no known fraud pattern
    score: int
    findings: tuple[Finding, ...]
    firm_rule: FirmRule | None
    links: tuple[str, ...]
    phones: tuple[str, ...]
    reads_as_warning: bool = False  # an anti-fraud reminder, not a scam

    @property
    def is_fraud(self) -> bool:
        return self.type_id is not None


def fold(text: str, characters: dict[str, str] | None = None) -> tuple[str, list[int]]:
    """The text as matched (see the module docstring), and each folded character's index in it;
    `characters` maps a character to the one it is read as."""
    folded, where = [], []
    characters = characters or {}
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKC", char).casefold():
            if part.isalnum() or part == "%":
                folded.append(characters.get(part, part))
                where.append(index)
    return "".join(folded), where


class Folder:
    """Folds texts with one library's evasions: its characters, then its words."""

    def __init__(self, library: RuleLibrary) -> None:
        self._characters = {variant: canonical for canonical, variants in library.same_characters.items()
                            for variant in variants}
        words = {fold(variant, self._characters)[0]: fold(canonical, self._characters)[0]
                 for canonical, variants in library.same_words.items() for variant in variants}
        self._words = {variant: canonical for variant, canonical in words.items() if variant and canonical}
        self._word_pattern = re.compile("|".join(re.escape(w) for w in sorted(self._words, key=len, reverse=True))) \
            if self._words else None

    def __call__(self, text: str) -> tuple[str, list[int]]:
        folded, where = fold(text, self._characters)
        if self._word_pattern is None:
            return folded, where
        out, out_where, last = [], [], 0
        for match in self._word_pattern.finditer(folded):
            out.append(folded[last:match.start()])
            out_where += where[last:match.start()]
            canonical = self._words[match.group(0)]
            out.append(canonical)
            # The canonical word's characters map onto the variant's span, its last onto the span's
            # last, so that a quote shows the whole variant as written.
            span, last = where[match.start():match.end()], len(canonical) - 1
            out_where += [span[-1] if i == last else span[min(i, len(span) - 1)] for i in range(len(canonical))]
            last = match.end()
        out.append(folded[last:])
        out_where += where[last:]
        return "".join(out), out_where


def defang(text: str) -> str:
    """A link made unclickable but readable: hxxp://example[.]com."""
    return re.sub(r"(?i)^http", "hxxp", text).replace(".", "[.]")


def defang_links(text: str) -> str:
    """A whole text with every link in it made unclickable (a sample shown to officers)."""
    return _LINK.sub(lambda match: defang(match.group(0)), text)


def normalised_phone(number: str) -> str:
    """A number as compared: digits only, without China's +86."""
    digits = re.sub(r"\D", "", number)
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def normalised_link(link: str) -> str:
    """A link as compared: its host, lower-case, without www. (the path changes from victim to victim)."""
    host = re.sub(r"(?i)^(?:https?://)?", "", link).split("/", 1)[0].split("?", 1)[0].lower()
    return host.removeprefix("www.")


class ScamChecker:
    """Checks messages against one rule library (the shipped one unless given)."""

    def __init__(self, library: RuleLibrary | None = None) -> None:
        self.library = library or RuleLibrary.shipped()
        self.fold = Folder(self.library)

    @cached_property
    def _phrases(self) -> dict[str, list[str]]:
        return {sid: [f for f in (self.fold(p)[0] for p in rule.phrases) if f]
                for sid, rule in self.library.signals.items()}

    @cached_property
    def _patterns(self) -> dict[str, list[re.Pattern]]:
        return {sid: [re.compile(p) for p in rule.patterns] for sid, rule in self.library.signals.items()}

    @cached_property
    def _warnings(self) -> list[str]:
        return [f for f in (self.fold(p)[0] for p in self.library.warning_phrases) if f]

    def check(self, text: str) -> Verdict:
        folded, where = self.fold(text)
        found = self._signals_in(text, folded, where)
        links = tuple(dict.fromkeys(m.group(0) for m in _LINK.finditer(text)))
        phones = tuple(dict.fromkeys(m.group(0) for m in _PHONE.finditer(text)))
        if any(w in folded for w in self._warnings):
            return Verdict(None, 0, tuple(found.values()), None, links, phones, reads_as_warning=True)
        best: tuple[bool, int, int] | None = None
        verdict = Verdict(None, 0, (), None, links, phones)
        for order, (type_id, fraud) in enumerate(self.library.types.items()):
            score = sum(weight for sid, weight in fraud.signals.items() if sid in found)
            firm = next((rule for rule in fraud.firm if all(s in found for s in rule.signals)), None)
            if firm is None and score < self.library.threshold:
                continue
            if fraud.needs_one_of and not any(s in found for s in fraud.needs_one_of):
                continue
            rank = (firm is not None, score, -order)
            if best is None or rank > best:
                best = rank
                shown = {sid for sid in fraud.signals if sid in found} | set(firm.signals if firm else ())
                findings = tuple(f for sid, f in found.items() if sid in shown)
                verdict = Verdict(type_id, score, findings, firm, links, phones)
        return verdict

    def _signals_in(self, text: str, folded: str, where: list[int]) -> dict[str, Finding]:
        found: dict[str, Finding] = {}
        for sid in self.library.signals:
            for phrase in self._phrases[sid]:
                at = folded.find(phrase)
                if at >= 0:
                    found[sid] = Finding(sid, _quote(text[where[at]:where[at + len(phrase) - 1] + 1]))
                    break
            else:
                for pattern in self._patterns[sid]:
                    match = pattern.search(text)
                    if match:
                        found[sid] = Finding(sid, _quote(match.group(0)))
                        break
        return found

    def signal_text(self, signal: str, locale: str) -> str:
        return self.library.signals[signal].say.in_locale(locale)

    def fraud_type(self, type_id: str) -> FraudType:
        return self.library.types[type_id]

    def general_advice(self, locale: str) -> list[str]:
        advice: Any = self.library.general_advice
        return list(advice.get(locale) or advice["zh"])


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + "…"
