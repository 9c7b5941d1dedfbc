"""Out-of-fold NER predictions → one training sample per filterable predicted span.

Input records (JSONL, as ``models.train --folds K`` writes them to ``models/.work/oof/``):
``{"id", "language", "text", "gold_spans", "token_offsets", "probs"}``; the tag order is in
``tags.json`` next to them (read by ``train``). Spans are decoded exactly as production decodes them
(``udfs.ner.decode.decode_spans``) and pattern spans come from the production recognizers, so
the classifier sees at training time what it sees at run time.

Target: 1 when the span overlaps *any* gold PHI span (label-agnostic), 0 when it overlaps none.
Label-agnostic because a span with the wrong label still redacts PHI: dropping it would cost
recall, which is what the filter must protect. Spans that only touch "don't care" gold
(OTHER, PROFESSION; see ``models.metrics.DONT_CARE``) get -1 and are left out of fitting.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from models.data import split_of
from models.metrics import DONT_CARE
from udfs.ner.decode import decode_spans
from udfs.noise_filter.features import N_FEATURES, TokenStats, span_features
from udfs.noise_filter.filter import protected_mask
from udfs.recognizers.registry import default_recognizers, run_recognizers
from udfs.spans import Span


@dataclass
class NoteSamples:
    """One note: its spans and the features/targets of its filterable NER spans."""

    id: str
    language: str
    source: str
    text: str
    gold: list[dict]
    pattern_spans: list[Span]
    ner_spans: list[Span]
    candidates: np.ndarray  # indices into ner_spans the filter may drop
    X: np.ndarray  # (len(candidates), N_FEATURES) float32
    y: np.ndarray  # (len(candidates),) int8: 1 PHI, 0 false positive, -1 don't care


def read_records(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def span_target(span: Span, gold: Sequence[dict]) -> int:
    """1 if the span overlaps a gold PHI span, -1 if it overlaps only don't-care gold, else 0."""
    hits = [g["label"] for g in gold if g["start"] < span.end and span.start < g["end"]]
    if any(lab not in DONT_CARE for lab in hits):
        return 1
    return -1 if hits else 0


def source_of(note_id: str) -> str:
    return "meddocan" if note_id.startswith(("train/", "dev/")) else "synthetic"


def build_note(rec: dict, tags: Sequence[str], recognizers) -> NoteSamples:
    text = rec["text"]
    offsets = np.asarray(rec["token_offsets"], dtype=np.int32).reshape(-1, 2)
    probs = np.asarray(rec["probs"], dtype=np.float32).reshape(len(offsets), len(tags))
    ner_spans = decode_spans(text, offsets, probs, tags)
    patterns = run_recognizers(recognizers, text, rec.get("language"))
    cand = np.flatnonzero(~protected_mask(ner_spans, patterns)) if ner_spans else np.zeros(0, dtype=np.int64)
    chosen = [ner_spans[i] for i in cand]
    X = span_features(text, TokenStats(offsets, probs, tags), chosen, patterns) if chosen \
        else np.zeros((0, N_FEATURES), dtype=np.float32)
    y = np.array([span_target(s, rec["gold_spans"]) for s in chosen], dtype=np.int8)
    return NoteSamples(rec["id"], rec.get("language", ""), source_of(rec["id"]), text, rec["gold_spans"],
                       patterns, ner_spans, cand, X, y)


def check_allowed(note_id: str) -> None:
    """Refuse evaluation-only notes (MEDDOCAN dev, synthetic test): they must never fit or
    tune the filter, or the lead's final figures would be optimistic."""
    base = note_id.split("#aug", 1)[0]
    if base.startswith("dev/") or (source_of(base) == "synthetic" and split_of(base) == "test"):
        raise ValueError(f"evaluation-only note in the filter's training data: {note_id}")


def load_notes(paths: Sequence[Path], tags: Sequence[str]) -> list[NoteSamples]:
    """Every note of the prediction files (one per id; the first occurrence wins)."""
    recognizers = default_recognizers()
    seen: set[str] = set()
    notes: list[NoteSamples] = []
    for path in paths:
        for rec in read_records(path):
            check_allowed(rec["id"])
            if rec["id"] in seen:
                continue
            seen.add(rec["id"])
            notes.append(build_note(rec, tags, recognizers))
    return notes
