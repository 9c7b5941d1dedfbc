"""Recognizer interface, modelled on presidio-analyzer.

A recognizer looks at one text and returns spans. Pattern recognizers declare their regexes
(compiled once, at class construction), optional context words that raise the score when they
appear near a match, and a ``validate`` hook that can invalidate a match (e.g. SSN area 000).
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Iterable, Sequence

from udfs.spans import Span


class Recognizer(ABC):
    """Something that finds PHI spans in a text."""

    #: Stable name, written to the audit table as the span's ``source``.
    name: ClassVar[str] = "recognizer"
    #: Languages this recognizer applies to; ``None`` means all languages.
    languages: ClassVar[tuple[str, ...] | None] = None

    def supports(self, language: str | None) -> bool:
        return self.languages is None or language is None or language in self.languages

    @abstractmethod
    def analyze(self, text: str, language: str | None = None) -> list[Span]:
        """Return the spans found in ``text`` (offsets into ``text``)."""


@dataclass(frozen=True)
class Pattern:
    """One regex of a pattern recognizer.

    ``group`` selects the capture group that is the PHI (0 = whole match), so a pattern can
    require a context word ("MRN: 12345") while only the identifier becomes the span.
    """

    name: str
    regex: str
    score: float
    label: str
    subtype: str = ""
    group: int = 0
    flags: int = re.IGNORECASE
    compiled: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.regex, self.flags))


class PatternRecognizer(Recognizer):
    """A recognizer made of regex patterns, context words and a validation hook."""

    patterns: ClassVar[Sequence[Pattern]] = ()
    #: Words that, within ``context_window`` characters before a match, add ``context_boost``.
    context: ClassVar[Sequence[str]] = ()
    context_window: ClassVar[int] = 40
    context_boost: ClassVar[float] = 0.25
    #: Matches scoring below this after context are dropped.
    min_score: ClassVar[float] = 0.0
    #: Keep only the longest (then highest-scoring) of this recognizer's overlapping matches,
    #: so several patterns for one thing ("14 March 2021" / "March 2021") yield one span.
    resolve_overlaps: ClassVar[bool] = True

    def __init__(self) -> None:
        self._context_re = (
            re.compile(r"\b(?:" + "|".join(re.escape(w) for w in self.context) + r")\b", re.IGNORECASE)
            if self.context
            else None
        )

    def validate(self, match_text: str, pattern: Pattern) -> bool:
        """Return False to invalidate a match (checksum, impossible value, known non-PHI)."""
        return True

    def context_score(self, text: str, start: int, score: float) -> float:
        if self._context_re is None:
            return score
        window = text[max(0, start - self.context_window):start]
        if self._context_re.search(window):
            return round(min(1.0, score + self.context_boost), 4)
        return score

    def analyze(self, text: str, language: str | None = None) -> list[Span]:
        spans: list[Span] = []
        for pattern in self.patterns:
            for m in pattern.compiled.finditer(text):
                start, end = m.span(pattern.group)
                if start < 0 or end <= start:
                    continue
                value = text[start:end]
                if not self.validate(value, pattern):
                    continue
                score = self.context_score(text, start, pattern.score)
                if score < self.min_score:
                    continue
                spans.append(Span(start, end, pattern.label, score, self.name, pattern.subtype))
        return keep_longest(spans) if self.resolve_overlaps else spans


def keep_longest(spans: Iterable[Span]) -> list[Span]:
    """Drop spans overlapping a longer (or equally long, higher-scoring) one; sorted by start."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-s.length, -s.score, s.start)):
        if not any(span.overlaps(k) for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: (s.start, -s.end))
