"""How well and how fast the "Is this a scam?" rules answer: a confusion table over the corpus of
realistic messages (tests/data/scam_corpus.yaml), per type precision and recall, the share of
harmless messages flagged (target ≤ 5 %), recall on scams (target ≥ 90 %), and the latency of one
check (p99 target ≤ 50 ms). Run:
    .venv/bin/python bench/scamcheck.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.services.scam_check import ScamChecker  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "scam_corpus.yaml"


def confusion(checker: ScamChecker, corpus: dict, title: str) -> list[tuple[str, str | None]]:
    """Prints the table for one corpus (its `scams` by type and its `harmless`, a list or, like the
    scams, a mapping by the type whose words they share); returns its cases."""
    cases = [(text, fraud) for fraud, texts in corpus["scams"].items() for text in texts]
    harmless = corpus["harmless"]
    if isinstance(harmless, dict):
        harmless = [text for texts in harmless.values() for text in texts]
    cases += [(text, None) for text in harmless]
    said = Counter()  # (expected, answered)
    for text, expected in cases:
        said[(expected, checker.check(text).type_id)] += 1
    print(f"\n{title}\n{'type':<24}{'n':>4}{'precision':>11}{'recall':>8}")
    for fraud in corpus["scams"]:
        truly = sum(n for (e, _a), n in said.items() if e == fraud)
        named = sum(n for (_e, a), n in said.items() if a == fraud)
        right = said[(fraud, fraud)]
        precision = f"{right / named:.0%}" if named else "-"
        print(f"{fraud:<24}{truly:>4}{precision:>11}{right / truly:>8.0%}")
    harmless = sum(n for (e, _a), n in said.items() if e is None)
    flagged = sum(n for (e, a), n in said.items() if e is None and a is not None)
    scams = len(cases) - harmless
    caught = sum(n for (e, a), n in said.items() if e is not None and a is not None)
    named_right = sum(n for (e, a), n in said.items() if e is not None and e == a)
    print(f"harmless flagged: {flagged} / {harmless} = {flagged / harmless:.1%} (target ≤ 5 %)")
    print(f"scams caught: {caught} / {scams} = {caught / scams:.1%} (target ≥ 90 %); "
          f"named as their own type: {named_right / scams:.1%}")
    for expected, answered, n in sorted(((e or "", a or "", n) for (e, a), n in said.items() if e != a)):
        print(f"  {expected or 'harmless'} → {answered or 'none'}: {n}")
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="times each message is checked for the timing")
    rounds = parser.parse_args().rounds
    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    checker = ScamChecker()
    cases = confusion(checker, corpus, "The corpus the rules were written against (tests assert on it):")
    cases += confusion(checker, corpus["held_out"],
                       "Held out: written after, never tuned against (the honest estimate):")

    timings = []
    for _ in range(rounds):
        for text, _expected in cases:
            start = time.perf_counter()
            checker.check(text)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"\ncheck latency over {len(timings)} checks: median {statistics.median(timings):.2f} ms, "
          f"p99 {p99:.2f} ms (target ≤ 50 ms), max {timings[-1]:.2f} ms")


if __name__ == "__main__":
    main()
