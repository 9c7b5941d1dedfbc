"""NER metrics as pure functions: token level, span level (exact / overlap), binary PHI recall.

Spans are anything with ``start``, ``end``, ``label`` (dicts, ``udfs.spans.Span``, or
(start, end, label) tuples).
Gold spans labelled OTHER or PROFESSION are "don't care" by default (MEDDOCAN convention):
their tokens/spans count neither as a hit nor as a miss, and predictions on them are not
false positives. Predicted spans with a don't-care label are dropped too.

Token level is character-aligned on whitespace tokens (``\\S+`` runs), so it does not depend
on any model's tokenizer: a token carries the label of the span that covers most of it.
"""
from __future__ import annotations

import bisect
import re
from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

DONT_CARE: frozenset[str] = frozenset({"OTHER", "PROFESSION"})
_WS_TOKEN = re.compile(r"\S+")


def _get(s: Any, key: str) -> Any:
    return s[key] if isinstance(s, Mapping) else getattr(s, key)


def _norm(spans: Iterable[Any]) -> list[tuple[int, int, str]]:
    out = []
    for s in spans:
        if isinstance(s, tuple):
            out.append((int(s[0]), int(s[1]), str(s[2])))
        else:
            out.append((int(_get(s, "start")), int(_get(s, "end")), str(_get(s, "label"))))
    return out


def prf(tp: int, fp: int, fn: int, tp_gold: int | None = None) -> dict[str, float]:
    """Precision, recall, F1 with the counts; 0.0 where undefined. ``tp_gold`` (gold items
    found) differs from ``tp`` (correct predictions) only for overlap matching."""
    tg = tp if tp_gold is None else tp_gold
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tg / (tg + fn) if tg + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f}


def _table(counts: Mapping[str, list[int]]) -> dict[str, dict[str, float]]:
    """counts[label] = [tp, fp, fn] or [tp, fp, fn, tp_gold]."""
    out = {lab: prf(*c) for lab, c in sorted(counts.items())}
    width = max((len(c) for c in counts.values()), default=3)
    tot = [sum(c[i] if i < len(c) else c[0] for c in counts.values()) for i in range(width)]
    out["micro"] = prf(*tot)
    return out


def whitespace_tokens(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WS_TOKEN.finditer(text)]


def token_labels(text: str, spans: Iterable[Any]) -> list[str | None]:
    """Label per whitespace token: the span label covering most of its characters, else None."""
    toks = whitespace_tokens(text)
    best: list[tuple[int, str | None]] = [(0, None)] * len(toks)
    norm = sorted(_norm(spans))
    starts = [t[0] for t in toks]
    for s, e, lab in norm:
        i = max(0, bisect.bisect_right(starts, s) - 1)
        while i < len(toks) and toks[i][0] < e:
            ov = min(e, toks[i][1]) - max(s, toks[i][0])
            if ov > best[i][0]:
                best[i] = (ov, lab)
            i += 1
    return [lab for _, lab in best]


def token_scores(
    docs: Iterable[tuple[str, Sequence[Any], Sequence[Any]]], dont_care: frozenset[str] = DONT_CARE
) -> dict[str, dict[str, float]]:
    """Per-label and micro P/R/F1 over whitespace tokens of ``(text, gold, pred)`` docs."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for text, gold, pred in docs:
        g_lab = token_labels(text, gold)
        p_lab = token_labels(text, [s for s in _norm(pred) if s[2] not in dont_care])
        for g, p in zip(g_lab, p_lab):
            if g in dont_care:
                continue
            if g is not None and g == p:
                counts[g][0] += 1
                continue
            if p is not None:
                counts[p][1] += 1
            if g is not None:
                counts[g][2] += 1
    return _table(counts)


def token_confusion(
    docs: Iterable[tuple[str, Sequence[Any], Sequence[Any]]], dont_care: frozenset[str] = DONT_CARE
) -> dict[str, dict[str, int]]:
    """Token confusion counts ``counts[gold_label][pred_label]`` over ``(text, gold, pred)`` docs,
    with ``"O"`` for "no span". Same token rules as ``token_scores`` (don't-care gold tokens are
    skipped, don't-care predictions dropped). The O/O cell is left out: it is most of the text and
    says nothing about errors; every other pair that occurs is present."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for text, gold, pred in docs:
        g_lab = token_labels(text, gold)
        p_lab = token_labels(text, [s for s in _norm(pred) if s[2] not in dont_care])
        for g, p in zip(g_lab, p_lab):
            if g in dont_care or (g is None and p is None):
                continue
            counts[g or "O"][p or "O"] += 1
    return {g: dict(sorted(row.items())) for g, row in sorted(counts.items())}


def phi_token_recall(
    docs: Iterable[tuple[str, Sequence[Any], Sequence[Any]]], dont_care: frozenset[str] = DONT_CARE
) -> dict[str, float]:
    """Label-agnostic recall: share of gold PHI whitespace tokens covered by any predicted span
    (also precision/F1 of the binary PHI-vs-not decision)."""
    tp = fp = fn = 0
    for text, gold, pred in docs:
        g_lab = token_labels(text, gold)
        p_lab = token_labels(text, pred)
        for g, p in zip(g_lab, p_lab):
            if g in dont_care:
                continue
            if g is not None:
                tp += p is not None
                fn += p is None
            elif p is not None:
                fp += 1
    return prf(tp, fp, fn)


def span_scores(
    docs: Iterable[tuple[str, Sequence[Any], Sequence[Any]]],
    mode: str = "exact",
    dont_care: frozenset[str] = DONT_CARE,
) -> dict[str, dict[str, float]]:
    """Per-label and micro span P/R/F1. ``exact``: same start, end and label. ``overlap``:
    same label and any character overlap (a gold span is found if some prediction overlaps
    it; a prediction is correct if it overlaps some gold span). Predictions overlapping a
    don't-care gold span are ignored."""
    if mode not in ("exact", "overlap"):
        raise ValueError("mode must be 'exact' or 'overlap'")
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for _text, gold, pred in docs:
        g_all = _norm(gold)
        ignored = [g for g in g_all if g[2] in dont_care]
        g_spans = [g for g in g_all if g[2] not in dont_care]
        p_spans = [
            p for p in _norm(pred)
            if p[2] not in dont_care and not any(p[0] < i[1] and i[0] < p[1] for i in ignored)
        ]
        if mode == "exact":
            g_set, p_set = set(g_spans), set(p_spans)
            for s in p_set:
                counts[s[2]][0 if s in g_set else 1] += 1
                counts[s[2]][3] += s in g_set
            for s in g_set - p_set:
                counts[s[2]][2] += 1
        else:
            def hit(a, pool):
                return any(a[2] == b[2] and a[0] < b[1] and b[0] < a[1] for b in pool)

            for p in p_spans:
                counts[p[2]][0 if hit(p, g_spans) else 1] += 1
            for g in g_spans:
                counts[g[2]][3 if hit(g, p_spans) else 2] += 1
    return _table(counts)


def all_scores(
    docs: Sequence[tuple[str, Sequence[Any], Sequence[Any]]], dont_care: frozenset[str] = DONT_CARE
) -> dict[str, Any]:
    """Every metric above in one dict (what training reports on synthetic dev)."""
    return {
        "token": token_scores(docs, dont_care),
        "span_exact": span_scores(docs, "exact", dont_care),
        "span_overlap": span_scores(docs, "overlap", dont_care),
        "phi_token": phi_token_recall(docs, dont_care),
    }
