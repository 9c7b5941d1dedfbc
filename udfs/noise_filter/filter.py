"""Runtime noise filter: a small ONNX classifier that keeps or drops each NER span.

Loaded once per (folder, threshold) per process by ``get_noise_filter``; needs numpy and
onnxruntime only (no sklearn on executors). The packaged filter lives in
``udfs/noise_filter/model/`` (``model.onnx`` + ``meta.json``); ``model_dir=None`` means that
folder. The model file is checked against the sha256 in ``meta.json`` before loading, and the
feature names the model was trained on must equal ``features.FEATURE_NAMES``.

Only spans with source "ner" are ever dropped, and never one that overlaps a certain pattern
span (SSN, e-mail, phone, ...): the filter trades precision for at most a tiny recall loss, and
certain detections are not the model's to veto.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Sequence

import numpy as np
import onnxruntime as ort

from deid.errors import ModelError
from udfs.ner.decode import bio_tags
from udfs.noise_filter.features import FEATURE_NAMES, TokenStats, span_features
from udfs.spans import CERTAIN_SUBTYPES, Span
from udfs.checksums import sha256_file as _sha256

DEFAULT_FILTER_DIR: Path = Path(__file__).resolve().parent / "model"
META_FILE = "meta.json"
_DEFAULT_TAGS: tuple[str, ...] = bio_tags()


def _certain(span: Span) -> bool:
    return span.subtype in CERTAIN_SUBTYPES and span.source != "ner"


def protected_mask(spans: Sequence[Span], pattern_spans: Sequence[Span]) -> np.ndarray:
    """True where the filter must keep a span: not from the NER, certain itself, or
    overlapping a certain pattern span."""
    certain = [p for p in pattern_spans if _certain(p)]
    return np.array([
        s.source != "ner" or s.subtype in CERTAIN_SUBTYPES
        or any(p.start < s.end and s.start < p.end for p in certain)
        for s in spans
    ], dtype=bool)


def keep_mask(probs: np.ndarray, threshold: float) -> np.ndarray:
    """Keep where P(true PHI) >= threshold; 0 keeps everything, 1 drops every candidate."""
    if threshold <= 0.0:
        return np.ones(probs.shape, dtype=bool)
    if threshold >= 1.0:
        return np.zeros(probs.shape, dtype=bool)
    return probs >= threshold


class NoiseFilter:
    """Keep/drop classifier over NER spans. ``filter`` is thread-safe (ORT sessions are)."""

    def __init__(self, model_dir: str | Path | None = None, threshold: float | None = None) -> None:
        self.model_dir = Path(model_dir or DEFAULT_FILTER_DIR).resolve()
        meta_path = self.model_dir / META_FILE
        if not meta_path.is_file():
            raise ModelError(f"noise filter has no {META_FILE}: {self.model_dir}")
        self.meta: dict = json.loads(meta_path.read_text(encoding="utf-8"))
        model_path = self.model_dir / self.meta["model_file"]
        if not model_path.is_file():
            raise ModelError(f"noise filter model file missing: {self.meta['model_file']} in {self.model_dir}")
        if _sha256(model_path) != self.meta["sha256"]:
            raise ModelError(f"checksum mismatch for noise filter model {self.meta['model_file']}")
        if tuple(self.meta["feature_names"]) != FEATURE_NAMES:
            raise ModelError("noise filter was trained on other features than this code computes; retrain it")
        self.threshold = float(self.meta["threshold"] if threshold is None else threshold)
        if not 0.0 <= self.threshold <= 1.0:
            raise ModelError(f"noise filter threshold out of [0, 1]: {self.threshold}")
        self.version = f"noise-filter-{self.meta['version']}"
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(f"cannot load noise filter model: {type(exc).__name__}") from exc
        self._input = self.session.get_inputs()[0].name
        self._output = self.meta.get("probability_output", "probabilities")

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """P(span is true PHI) per feature row."""
        if features.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        (probs,) = self.session.run([self._output], {self._input: features.astype(np.float32, copy=False)})
        return np.asarray(probs)[:, 1]

    def _probs(self, text: str, ner_result, spans: Sequence[Span], pattern_spans: Sequence[Span]) -> np.ndarray:
        stats = TokenStats(ner_result.token_offsets, ner_result.probs, _tags(ner_result))
        return self.predict_proba(span_features(text, stats, spans, pattern_spans))

    def scores(self, text: str, ner_result, spans: Sequence[Span],
               pattern_spans: Sequence[Span] = ()) -> np.ndarray:
        """P(true PHI) for each span (1.0 for protected spans)."""
        out = np.ones(len(spans), dtype=np.float32)
        cand = np.flatnonzero(~protected_mask(spans, pattern_spans))
        if cand.size:
            out[cand] = self._probs(text, ner_result, [spans[i] for i in cand], pattern_spans)
        return out

    def filter(self, text: str, ner_result, ner_spans: Sequence[Span],
               pattern_spans: Sequence[Span] = ()) -> list[Span]:
        """The NER spans to keep (input order); protected spans are always kept."""
        spans = list(ner_spans)
        if not spans or self.threshold <= 0.0:
            return spans
        keep = protected_mask(spans, pattern_spans)
        cand = np.flatnonzero(~keep)
        if cand.size and self.threshold < 1.0:
            probs = self._probs(text, ner_result, [spans[i] for i in cand], pattern_spans)
            keep[cand] = keep_mask(probs, self.threshold)
        return [s for s, k in zip(spans, keep) if k]


def _tags(ner_result) -> tuple[str, ...]:
    """The result's tag order (the product's default BIO tags when it carries none)."""
    return tuple(getattr(ner_result, "tags", ()) or ()) or _DEFAULT_TAGS


_CACHE: dict[tuple[str, float | None], NoiseFilter] = {}
_LOCK = threading.Lock()


def get_noise_filter(model_dir: str | None = None, threshold: float | None = None) -> NoiseFilter:
    """The process-wide filter for this folder and threshold (None = the stored threshold)."""
    key = (str(Path(model_dir or DEFAULT_FILTER_DIR).resolve()), None if threshold is None else float(threshold))
    with _LOCK:
        nf = _CACHE.get(key)
        if nf is None:
            nf = _CACHE[key] = NoiseFilter(model_dir, threshold)
        return nf
