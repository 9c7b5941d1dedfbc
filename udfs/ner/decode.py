"""Window merging and BIO → character-span decoding for the NER model.

Pure numpy, so it is unit-tested without a model and shared by the runtime host and training
(out-of-fold predictions are decoded exactly as production decodes).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from udfs.spans import LABELS, Span

OUTSIDE = "O"


def bio_tags(labels: Sequence[str] = LABELS) -> tuple[str, ...]:
    """The tag list: O, then B-/I- per label (17 tags for the 8 product labels)."""
    tags = [OUTSIDE]
    for lab in labels:
        tags += [f"B-{lab}", f"I-{lab}"]
    return tuple(tags)


def merge_windows(
    n_tokens: int, windows: Sequence[tuple[int, int]], window_probs: Sequence[np.ndarray]
) -> np.ndarray:
    """Per-token probabilities for the whole text from overlapping windows.

    Each token takes its row from the window where it is most central (farthest from a window
    edge that cuts the text; the text's own start/end is not a cut), since that window saw the
    most context on both sides. ``window_probs[k]`` has one row per piece of window k.
    """
    if not windows:
        n_tags = window_probs[0].shape[1] if window_probs else 0
        return np.zeros((0, n_tags), dtype=np.float32)
    n_tags = window_probs[0].shape[1]
    out = np.zeros((n_tokens, n_tags), dtype=np.float32)
    best = np.full(n_tokens, -1.0)
    for (start, end), probs in zip(windows, window_probs):
        if probs.shape[0] != end - start:
            raise ValueError("window probabilities do not match the window length")
        pos = np.arange(start, end)
        left = np.full(end - start, np.inf) if start == 0 else (pos - start).astype(float)
        right = np.full(end - start, np.inf) if end == n_tokens else (end - 1 - pos).astype(float)
        score = np.minimum(left, right)
        take = score > best[start:end]
        out[start:end][take] = probs[take]
        best[start:end] = np.where(take, score, best[start:end])
    if (best < 0).any():
        raise ValueError("windows do not cover every token")
    return out


def bio_token_spans(tag_ids: np.ndarray, tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token ranges [start, end) with a label from a BIO tag sequence.

    B-X opens a span; I-X continues an open X span, or opens one when none is open (a model
    that misses the B- still found the entity); O or a different label closes it.
    """
    spans: list[tuple[int, int, str]] = []
    cur: list = []  # [start, end, label]
    for i, t in enumerate(tag_ids):
        tag = tags[int(t)]
        if tag == OUTSIDE:
            if cur:
                spans.append(tuple(cur)); cur = []
            continue
        prefix, label = tag.split("-", 1)
        if prefix == "I" and cur and cur[2] == label and cur[1] == i:
            cur[1] = i + 1
            continue
        if cur:
            spans.append(tuple(cur))
        cur = [i, i + 1, label]
    if cur:
        spans.append(tuple(cur))
    return spans  # type: ignore[return-value]


_LEAD_TRIM = set(" \t\r\n\u00a0.,;:!?\"'`)]}>|*-_/\\")
_TRAIL_TRIM = set(" \t\r\n\u00a0.,;:!?\"'`([{<|*-_/\\")


def snap_and_trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a span to whole words (alphanumeric runs: for de-identification, covering all of
    "A12345" or "58M" beats leaving part of it), then trim whitespace/punctuation
    at both ends. A closing bracket stays when the span also holds its opening one, so
    "(555) 123-4567" keeps its parenthesis. Returns (start, end); empty when start >= end."""
    while start > 0 and start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end:
        c = text[start]
        if c == "(" and ")" in text[start:end]:
            break
        if c in _LEAD_TRIM or c == "(" or c.isspace():
            start += 1
        else:
            break
    while end > start:
        c = text[end - 1]
        if c == ")" and "(" in text[start:end]:
            break
        if c in _TRAIL_TRIM or c == ")" or c.isspace():
            end -= 1
        else:
            break
    if start < end:  # take in the partner of an unbalanced bracket: "(555) 123-4567"
        inner = text[start:end]
        if ")" in inner and "(" not in inner and start > 0 and text[start - 1] == "(":
            start -= 1
        elif "(" in inner and ")" not in inner and end < len(text) and text[end] == ")":
            end += 1
    return start, end


def _has_space(gap: str) -> bool:
    return any(c.isspace() for c in gap)


def decode_spans(
    text: str,
    offsets: np.ndarray,
    probs: np.ndarray,
    tags: Sequence[str],
    *,
    source: str = "ner",
    min_score: float = 0.0,
) -> list[Span]:
    """Character-level spans from per-token probabilities (argmax BIO).

    The score is the mean, over the span's tokens, of P(B-label) + P(I-label). Same-label spans
    that overlap after snapping, or that are separated by no whitespace ("jane.doe" + "@" +
    "example.org"), are merged: one whitespace-delimited token is one entity of a label.
    Overlapping spans of different labels: the higher-scoring one wins.
    """
    if probs.shape[0] == 0:
        return []
    tag_ids = probs.argmax(axis=1)
    index = {t: i for i, t in enumerate(tags)}
    raw: list[list] = []  # [start, end, label, prob sum, n tokens]
    for t0, t1, label in bio_token_spans(tag_ids, tags):
        if label not in LABELS:
            continue
        p = probs[t0:t1, index[f"B-{label}"]] + probs[t0:t1, index[f"I-{label}"]]
        start, end = snap_and_trim(text, int(offsets[t0, 0]), int(offsets[t1 - 1, 1]))
        if end > start:
            raw.append([start, end, label, float(p.sum()), t1 - t0])
    raw.sort(key=lambda s: (s[0], -s[1]))
    merged: list[list] = []
    for s in raw:
        prev = merged[-1] if merged else None
        same = prev is not None and prev[2] == s[2]
        if same and (s[0] < prev[1] or not _has_space(text[prev[1]:s[0]])):
            prev[1] = max(prev[1], s[1])
            prev[3] += s[3]
            prev[4] += s[4]
        elif prev is not None and s[0] < prev[1]:
            if s[3] / s[4] > prev[3] / prev[4]:
                merged[-1] = s
        else:
            merged.append(s)
    return [
        Span(start=s, end=e, label=lab, score=min(psum / n, 1.0), source=source)
        for s, e, lab, psum, n in merged
        if psum / n >= min_score
    ]
