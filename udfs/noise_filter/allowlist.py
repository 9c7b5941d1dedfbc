"""The clinical allow-list: eponyms, drugs, units and clinical words a NER model mistakes for PHI.

Loaded once per process (``lru_cache``). ``allowlist_hit`` is one feature of the noise filter —
the share of a span's words that are clinical vocabulary — so the classifier can learn that
"Parkinson" in "Parkinson's disease" is not a patient while "Mr Parkinson" still is.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

ALLOWLIST_PATH: Path = Path(__file__).resolve().parent / "allowlist.txt"

#: A word: letters/digits, possibly joined by hyphens or apostrophes ("Guillain-Barré", "Crohn's").
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s?$")
_PARTS = re.compile(r"[\s\-]+")
#: Parts of multi-word terms shorter than this are not listed on their own ("en", "y", "de").
_MIN_PART = 3


def normalise(word: str) -> str:
    """Case-fold, drop diacritics and a trailing possessive, so "Sjögren's" == "sjogren"."""
    word = _POSSESSIVE.sub("", word.strip())
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=4)
def load_allowlist(path: str | None = None) -> frozenset[str]:
    """Normalised terms of the list, plus the (3+ letter) words of multi-word/hyphenated terms."""
    terms: set[str] = set()
    text = Path(path or ALLOWLIST_PATH).read_text(encoding="utf-8")
    for line in text.splitlines():
        term = line.split("#", 1)[0].strip()
        if not term:
            continue
        terms.add(normalise(term))
        parts = _PARTS.split(term)
        if len(parts) > 1:  # "De Quervain" adds "quervain", not the function word "de"
            terms.update(normalise(p) for p in parts if len(p) >= _MIN_PART)
    terms.discard("")
    return frozenset(terms)


def _word_hit(word: str, terms: frozenset[str]) -> bool:
    norm = normalise(word)
    if norm in terms:
        return True
    parts = [p for p in norm.split("-") if p]
    return len(parts) > 1 and all(p in terms for p in parts)


def allowlist_hit(span_text: str, terms: frozenset[str] | None = None) -> float:
    """Share of the span's words that are on the allow-list (0.0 for a span without words)."""
    terms = load_allowlist() if terms is None else terms
    words = _WORD.findall(span_text)
    if not words:
        return 0.0
    return sum(_word_hit(w, terms) for w in words) / len(words)
