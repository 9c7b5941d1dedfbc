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
    """Extend a span to whole words (alphanumeric runs), then trim whitespace/punctuation
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
    return start, end


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

    The score is the mean, over the span's tokens, of P(B-label) + P(I-label). Spans that overlap
    after snapping to words are merged when they share a label; otherwise the
    higher-scoring one wins.
    """
    if probs.shape[0] == 0:
        return []
    tag_ids = probs.argmax(axis=1)
    index = {t: i for i, t in enumerate(tags)}
    raw: list[tuple[int, int, str, float]] = []
    for t0, t1, label in bio_token_spans(tag_ids, tags):
        if label not in LABELS:
            continue
        p = probs[t0:t1, index[f"B-{label}"]] + probs[t0:t1, index[f"I-{label}"]]
        start, end = snap_and_trim(text, int(offsets[t0, 0]), int(offsets[t1 - 1, 1]))
        if end > start:
            raw.append((start, end, label, float(p.mean())))
    raw.sort(key=lambda s: (s[0], -s[1]))
    merged: list[tuple[int, int, str, float]] = []
    for s in raw:
        if merged and s[0] < merged[-1][1]:
            prev = merged[-1]
            if prev[2] == s[2]:
                merged[-1] = (prev[0], max(prev[1], s[1]), prev[2], max(prev[3], s[3]))
            elif s[3] > prev[3]:
                merged[-1] = s
            continue
        merged.append(s)
    return [
        Span(start=s, end=e, label=lab, score=min(sc, 1.0), source=source)
        for s, e, lab, sc in merged
        if sc >= min_score
    ]
