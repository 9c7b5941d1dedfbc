"""Features of one predicted NER span, read off the model's per-piece probabilities.

Why these: softmax scores of a fine-tuned transformer are over-confident, so the *mean* score
separates true from spurious spans poorly. The *shape* of the probability sequence does better
(Jiwani et al., "Noise reduction in BERT NER models for clinical entity extraction", 2026: the
"Probability Density Map"): how the predicted label's probability is distributed over the span's
pieces, how much mass leaks to O or to other labels, how uncertain the pieces and their
neighbours are, whether the BIO structure is coherent. Text-side features (casing, length,
pattern agreement, clinical allow-list) add what the probabilities cannot show.

Pure numpy; per-text arrays are computed once and sliced per span.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

import numpy as np

from udfs.noise_filter.allowlist import allowlist_hit
from udfs.spans import LABELS, Span

#: Context pieces looked at on each side of a span.
CONTEXT = 2
#: Bin edges of the predicted-label probability histogram (the density map); the top bins are
#: narrow because over-confident errors live at 0.95-0.999.
HIST_EDGES: tuple[float, ...] = (0.0, 0.5, 0.8, 0.95, 0.99, 0.999, 1.0 + 1e-6)
_QUANTILES: tuple[float, ...] = (0.1, 0.5)

_PROB_NAMES = (
    "lab_mean", "lab_min", "lab_max", "lab_std", "lab_q10", "lab_q50",
    *(f"lab_hist_{i}" for i in range(len(HIST_EDGES) - 1)),
    "o_mean", "o_max", "other_mean", "other_max",
    "ent_mean", "ent_max", "margin_mean", "margin_min",
    "b_first", "first_is_b", "starts_with_i", "b_inside_share", "off_label_share",
)
_CONTEXT_NAMES = (
    "ctx_left_lab_max", "ctx_right_lab_max", "ctx_o_mean", "ctx_ent_mean", "ctx_n",
)
_TEXT_NAMES = (
    "n_pieces", "n_chars", "n_words", "title_share", "upper_share", "lower_share",
    "digit_share", "alpha_share", "punct_share",
    "pattern_overlap", "pattern_same_label", "pattern_cover", "allowlist",
    "score",
)
_LABEL_NAMES = tuple(f"label_{lab}" for lab in LABELS)

#: Column names of the feature matrix, in order (stored in meta.json and checked at load).
FEATURE_NAMES: tuple[str, ...] = (*_PROB_NAMES, *_CONTEXT_NAMES, *_TEXT_NAMES, *_LABEL_NAMES)
N_FEATURES = len(FEATURE_NAMES)

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=8)
def _tag_index(tags: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """(B column per label, I column per label, O column, label id per tag) for a tag list;
    -1 marks a label the model lacks. The label id of O is -1."""
    pos = {t: i for i, t in enumerate(tags)}
    b = np.array([pos.get(f"B-{lab}", -1) for lab in LABELS], dtype=np.int64)
    i = np.array([pos.get(f"I-{lab}", -1) for lab in LABELS], dtype=np.int64)
    lab_id = {lab: k for k, lab in enumerate(LABELS)}
    tag_label = np.array([lab_id.get(t.split("-", 1)[1], -2) if "-" in t else -1 for t in tags], dtype=np.int64)
    return b, i, pos.get("O", 0), tag_label


class TokenStats:
    """Per-piece arrays of one text, computed once and shared by all of its spans."""

    def __init__(self, offsets: np.ndarray, probs: np.ndarray, tags: Sequence[str]) -> None:
        probs = np.asarray(probs, dtype=np.float64)
        self.offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        n, n_tags = probs.shape if probs.ndim == 2 else (0, max(len(tags), 1))
        b_col, i_col, o_col, tag_label = _tag_index(tuple(tags))
        self.n = n
        pad = np.zeros((n, 1))
        ext = np.concatenate([probs.reshape(n, n_tags), pad], axis=1)  # column -1 = zeros
        self.p_b = ext[:, b_col]  # (n, n_labels)
        self.p_lab = self.p_b + ext[:, i_col]
        self.p_o = ext[:, o_col]
        clipped = np.clip(probs.reshape(n, n_tags), 1e-12, 1.0)
        self.entropy = -(clipped * np.log(clipped)).sum(axis=1) / np.log(max(n_tags, 2))
        top2 = np.sort(probs.reshape(n, n_tags), axis=1)[:, -2:] if n_tags > 1 else np.ones((n, 2))
        self.margin = top2[:, -1] - top2[:, 0]
        self.argmax = probs.reshape(n, n_tags).argmax(axis=1) if n else np.zeros(0, dtype=np.int64)
        self.arg_label = tag_label[self.argmax] if n else np.zeros(0, dtype=np.int64)
        self.arg_is_b = np.isin(self.argmax, b_col[b_col >= 0])
        self.arg_is_i = np.isin(self.argmax, i_col[i_col >= 0])

    def piece_range(self, start: int, end: int) -> tuple[int, int]:
        """Pieces [t0, t1) overlapping chars [start, end) (offsets are sorted by position)."""
        if self.n == 0:
            return 0, 0
        t0 = int(np.searchsorted(self.offsets[:, 1], start, side="right"))
        t1 = int(np.searchsorted(self.offsets[:, 0], end, side="left"))
        return t0, max(t0, t1)


def _prob_features(ts: TokenStats, t0: int, t1: int, k: int) -> list[float]:
    if t1 <= t0:
        return [0.0] * len(_PROB_NAMES)
    lab = ts.p_lab[t0:t1, k]
    p_o = ts.p_o[t0:t1]
    other = np.clip(1.0 - lab - p_o, 0.0, 1.0)
    hist = np.histogram(np.clip(lab, 0.0, 1.0), bins=HIST_EDGES)[0] / lab.size
    q = np.quantile(lab, _QUANTILES)
    arg_label = ts.arg_label[t0:t1]
    first_b = bool(ts.arg_is_b[t0] and arg_label[0] == k)
    first_i = bool(ts.arg_is_i[t0] and arg_label[0] == k)
    inner_b = (ts.arg_is_b[t0 + 1:t1] & (arg_label[1:] == k)).mean() if t1 - t0 > 1 else 0.0
    return [
        lab.mean(), lab.min(), lab.max(), lab.std(), *q, *hist,
        p_o.mean(), p_o.max(), other.mean(), other.max(),
        ts.entropy[t0:t1].mean(), ts.entropy[t0:t1].max(),
        ts.margin[t0:t1].mean(), ts.margin[t0:t1].min(),
        ts.p_b[t0, k], float(first_b), float(first_i), float(inner_b), float((arg_label != k).mean()),
    ]


def _context_features(ts: TokenStats, t0: int, t1: int, k: int) -> list[float]:
    left = slice(max(0, t0 - CONTEXT), t0)
    right = slice(t1, min(ts.n, t1 + CONTEXT))
    idx = np.r_[left, right]
    if idx.size == 0:
        return [0.0, 0.0, 1.0, 0.0, 0.0]
    l_lab = ts.p_lab[left, k]
    r_lab = ts.p_lab[right, k]
    return [
        float(l_lab.max()) if l_lab.size else 0.0,
        float(r_lab.max()) if r_lab.size else 0.0,
        float(ts.p_o[idx].mean()), float(ts.entropy[idx].mean()), idx.size / (2 * CONTEXT),
    ]


def _text_features(text: str, span: Span, n_pieces: int, patterns: Sequence[Span]) -> list[float]:
    value = text[span.start:span.end]
    words = _WORD.findall(value)
    n_words = max(len(words), 1)
    chars = [c for c in value if not c.isspace()]
    n_chars = max(len(chars), 1)
    overlapping = [p for p in patterns if p.start < span.end and span.start < p.end]
    covered = np.zeros(span.length, dtype=bool)
    for p in overlapping:
        covered[max(p.start, span.start) - span.start:min(p.end, span.end) - span.start] = True
    return [
        np.log1p(n_pieces), np.log1p(span.length), np.log1p(len(words)),
        sum(w[:1].isupper() and (len(w) == 1 or not w[1:].isupper()) for w in words) / n_words,
        sum(w.isupper() and len(w) > 1 for w in words) / n_words,
        sum(w.islower() for w in words) / n_words,
        sum(c.isdigit() for c in chars) / n_chars,
        sum(c.isalpha() for c in chars) / n_chars,
        sum(not c.isalnum() for c in chars) / n_chars,
        float(bool(overlapping)),
        float(any(p.label == span.label for p in overlapping)),
        float(covered.mean()),
        allowlist_hit(value),
        float(span.score),
    ]


def span_features(
    text: str, stats: TokenStats, spans: Sequence[Span], pattern_spans: Sequence[Span] = ()
) -> np.ndarray:
    """Feature matrix (len(spans), N_FEATURES) float32, columns as in FEATURE_NAMES."""
    out = np.zeros((len(spans), N_FEATURES), dtype=np.float32)
    label_index = {lab: k for k, lab in enumerate(LABELS)}
    for row, span in enumerate(spans):
        k = label_index[span.label]
        t0, t1 = stats.piece_range(span.start, span.end)
        one_hot = [0.0] * len(LABELS)
        one_hot[k] = 1.0
        out[row] = [
            *_prob_features(stats, t0, t1, k),
            *_context_features(stats, t0, t1, k),
            *_text_features(text, span, t1 - t0, pattern_spans),
            *one_hot,
        ]
    return out
