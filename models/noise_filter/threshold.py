"""The recall guard: pick the highest keep-threshold whose PHI-token recall loss stays in budget.

Recall is measured on what production emits — pattern spans + (filtered) NER spans, merged and
propagated exactly like ``udfs.detection.DetectionStack`` — with ``models.metrics.phi_token_recall``.
Per-note counts are cached by the set of kept spans: a note's counts only change when one of its
few candidate spans crosses the threshold, so sweeping every distinct score stays cheap.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from models.metrics import phi_token_recall, prf
from models.noise_filter.dataset import NoteSamples
from udfs.detection import propagate_spans
from udfs.merge import merge_spans
from udfs.spans import Span


def pipeline_spans(text: str, pattern_spans: Sequence[Span], ner_spans: Sequence[Span]) -> list[Span]:
    """Merged output of the detection stack for these inputs (min_score 0, propagation on)."""
    return merge_spans(propagate_spans(text, merge_spans([*pattern_spans, *ner_spans])))


class RecallCounter:
    """Binary PHI-token counts (tp, fp, fn) of the whole set for a keep-decision per candidate."""

    def __init__(self, notes: Sequence[NoteSamples]) -> None:
        self.notes = list(notes)
        self._cache: list[dict[tuple[int, ...], tuple[int, int, int]]] = [{} for _ in self.notes]

    def note_counts(self, i: int, dropped: tuple[int, ...]) -> tuple[int, int, int]:
        """Counts of note i with the candidate positions in ``dropped`` removed."""
        got = self._cache[i].get(dropped)
        if got is None:
            n = self.notes[i]
            gone = {int(n.candidates[j]) for j in dropped}
            kept = [s for k, s in enumerate(n.ner_spans) if k not in gone]
            r = phi_token_recall([(n.text, n.gold, pipeline_spans(n.text, n.pattern_spans, kept))])
            got = self._cache[i][dropped] = (r["tp"], r["fp"], r["fn"])
        return got

    def counts(self, probs: Sequence[np.ndarray], threshold: float, subset: Sequence[int] | None = None) -> dict:
        """prf over the notes in ``subset`` (all by default) when spans with p < threshold drop."""
        tp = fp = fn = 0
        for i in range(len(self.notes)) if subset is None else subset:
            dropped = tuple(int(j) for j in np.flatnonzero(probs[i] < threshold))
            a, b, c = self.note_counts(i, dropped)
            tp, fp, fn = tp + a, fp + b, fn + c
        return prf(tp, fp, fn)


def choose_threshold(counter: RecallCounter, probs: Sequence[np.ndarray], max_drop: float,
                     subset: Sequence[int] | None = None,
                     group_of: Sequence[str] | None = None) -> tuple[float, list[dict]]:
    """Largest threshold t such that every threshold up to t loses at most ``max_drop`` PHI-token
    recall against no filter — overall and in every group of ``group_of`` (e.g. corpus source, so
    a large Spanish corpus cannot buy its precision with English recall). Monotone guard: the
    first breach stops the sweep. Candidates are the distinct scores; the returned t keeps the
    span that scored exactly t."""
    idx = list(range(len(counter.notes)) if subset is None else subset)
    groups = {"all": idx}
    if group_of is not None:
        for i in idx:
            groups.setdefault(f"group:{group_of[i]}", []).append(i)
    scores = np.unique(np.concatenate([probs[i] for i in idx] + [np.zeros(0)]))
    base = {g: counter.counts(probs, -np.inf, members)["recall"] for g, members in groups.items()}
    best, curve = 0.0, []
    for t in scores:
        rec = {g: counter.counts(probs, float(t), members)["recall"] for g, members in groups.items()}
        curve.append({"threshold": float(t), **{f"recall_{g}": r for g, r in rec.items()}})
        if any(base[g] - rec[g] > max_drop + 1e-12 for g in groups):
            break
        best = float(t)
    return best, curve
