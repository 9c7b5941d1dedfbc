"""Apply span replacements to a note: surrogates, typed masks or keyed hash tags.

Why a separate step: detection returns spans; this is the one place that rewrites text, so it
is also the one place that guarantees text integrity: every character outside the spans is
copied unchanged, spans must not overlap, and the offset map lets audits and evaluators relate
old and new positions. Error messages name offsets and labels, never the text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from udfs.spans import Span
from udfs.surrogates.engine import SurrogateEngine

#: Replacement modes: realistic surrogates, "[NAME]" masks, "[NAME-3f2a]" keyed tags.
MODES: tuple[str, ...] = ("surrogate", "mask", "hash")


@dataclass(frozen=True, slots=True)
class OffsetEntry:
    """Where one span was in the original text and where its replacement is in the new text."""

    orig_start: int
    orig_end: int
    new_start: int
    new_end: int
    label: str


@dataclass(frozen=True)
class ReplacementResult:
    """The rewritten text and one OffsetEntry per span, in text order."""

    text: str
    offsets: list[OffsetEntry] = field(default_factory=list)


def _checked(text: str, spans: Sequence[Span]) -> list[Span]:
    """Spans sorted by position; ValueError (offsets only) if out of range or overlapping."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    for span in ordered:
        if span.end > len(text):
            raise ValueError(f"span {span.start}..{span.end} ends past the text (length {len(text)})")
    for previous, current in zip(ordered, ordered[1:]):
        if current.start < previous.end:
            raise ValueError(
                f"overlapping spans {previous.start}..{previous.end} and {current.start}..{current.end}"
            )
    return ordered


def _replacement(value: str, span: Span, mode: str, engine: SurrogateEngine | None, scope: str, locale: str) -> str:
    if mode == "mask":
        return f"[{span.label}]"
    assert engine is not None
    if mode == "hash":
        return f"[{span.label}-{engine.hash_tag(value, span.label, scope)}]"
    return engine.surrogate(value, span.label, span.subtype, scope, locale)


def replace_spans(
    text: str,
    spans: Sequence[Span],
    *,
    mode: str = "surrogate",
    engine: SurrogateEngine | None = None,
    scope: str = "",
    locale: str = "en",
) -> ReplacementResult:
    """Rewrite ``text`` replacing each span according to ``mode`` (see MODES).

    ``surrogate`` and ``hash`` need an ``engine`` (they are keyed); ``mask`` does not.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    if mode != "mask" and engine is None:
        raise ValueError(f"mode {mode!r} needs a SurrogateEngine")
    pieces: list[str] = []
    offsets: list[OffsetEntry] = []
    cursor = 0
    length = 0
    for span in _checked(text, spans):
        gap = text[cursor:span.start]
        pieces.append(gap)
        length += len(gap)
        new = _replacement(text[span.start:span.end], span, mode, engine, scope, locale)
        pieces.append(new)
        offsets.append(OffsetEntry(span.start, span.end, length, length + len(new), span.label))
        length += len(new)
        cursor = span.end
    pieces.append(text[cursor:])
    return ReplacementResult("".join(pieces), offsets)
