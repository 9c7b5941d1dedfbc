"""The documented rule that turns spans from several detectors into one non-overlapping set.

Rule (in order):
1. Spans whose subtype is certain (SSN, e-mail, phone, fax, URL, IP from a pattern) outrank all others.
2. Otherwise a higher score outranks a lower one, then a longer span a shorter one, then the
   earlier start (a total order, so the result never depends on input order).
3. The winner of an overlapping group is *widened to the union* of the group's extent: recall comes
   first, and a character claimed by any detector stays redacted. Its label is the winner's.
4. Overlapping spans of the same label merge into one; sources are joined with "+".
"""
from __future__ import annotations

from typing import Iterable

from udfs.spans import CERTAIN_SUBTYPES, Span


def _rank(span: Span) -> tuple:
    certain = span.subtype in CERTAIN_SUBTYPES and span.source != "ner"
    return (0 if certain else 1, -span.score, -(span.end - span.start), span.start, span.label, span.source)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Resolve overlaps by the module rule; returns spans sorted by start, non-overlapping."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    groups: list[list[Span]] = []
    group_end = -1
    for span in ordered:
        if groups and span.start < group_end:
            groups[-1].append(span)
            group_end = max(group_end, span.end)
        else:
            groups.append([span])
            group_end = span.end
    merged: list[Span] = []
    for group in groups:
        if len(group) == 1:
            merged.append(group[0])
            continue
        winner = min(group, key=_rank)
        sources = sorted({s.source for s in group})
        merged.append(Span(
            start=min(s.start for s in group),
            end=max(s.end for s in group),
            label=winner.label,
            score=max(s.score for s in group if s.label == winner.label),
            source="+".join(sources),
            subtype=winner.subtype,
        ))
    return merged
