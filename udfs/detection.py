"""The detection stack: pattern recognizers + ONNX NER + noise filter, merged by one rule.

This is the single implementation behind the Spark UDF, ``deid detect`` and ``deid eval``.
A stack is built once per Python worker (``get_detection_stack``) and reused across batches.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from udfs.literals import LiteralMatcher
from udfs.merge import merge_spans
from udfs.recognizers.base import Recognizer
from udfs.spans import CERTAIN_SUBTYPES, Span

log = logging.getLogger(__name__)

#: Labels whose exact strings are searched again in the same note (propagation).
PROPAGATED_LABELS = frozenset({"NAME", "ID", "CONTACT"})
_MIN_PROPAGATED_CHARS = 3


@dataclass(frozen=True)
class DetectionSettings:
    """Executor-side detection options (built from ``deid.config.DetectionConfig``; hashable for caching)."""

    recognizers: tuple[str, ...] | None = None
    ner_enabled: bool = True
    model_dir: str = ""
    device: str = "cpu"
    device_id: int = 0
    variant: str = "int8"
    batch_size: int = 16
    intra_op_threads: int | None = None
    noise_filter_enabled: bool = True
    noise_filter_dir: str = ""
    noise_filter_threshold: float | None = None
    min_score: float = 0.0
    propagate: bool = True


def _is_certain(span: Span) -> bool:
    return span.subtype in CERTAIN_SUBTYPES and span.source != "ner"


def propagate_spans(text: str, spans: Sequence[Span]) -> list[Span]:
    """Add spans for every other whole-word, case-sensitive occurrence of a detected name/ID.

    A name the model found once ("Smith" in the header) is PHI everywhere in that note, even where
    the context is too weak for the model ("Smith reports less pain").

    The first span of each (value, label) is the template (label, score x 0.9, subtype); every
    whole-word occurrence of the value except the one at that span's start is added. All values
    are searched in one regex pass (``LiteralMatcher``), not one compiled pattern per value.
    """
    templates: dict[str, list[Span]] = {}
    seen: set[tuple[str, str]] = set()
    for span in spans:
        if span.label not in PROPAGATED_LABELS:
            continue
        value = text[span.start:span.end]
        if len(value.strip()) < _MIN_PROPAGATED_CHARS or (value, span.label) in seen:
            continue
        seen.add((value, span.label))
        templates.setdefault(value, []).append(span)
    if not templates:
        return list(spans)
    extra: list[Span] = []
    for start, end, value in LiteralMatcher(templates).finditer(text):
        for span in templates[value]:
            if start != span.start:
                extra.append(Span(start, end, span.label, span.score * 0.9, "propagation", span.subtype))
    return [*spans, *extra]


class DetectionStack:
    """Recognizers + NER + noise filter. Thread-compatible; build once per worker."""

    def __init__(self, settings: DetectionSettings) -> None:
        from udfs.recognizers.registry import default_recognizers

        self.settings = settings
        self.recognizers: list[Recognizer] = default_recognizers(settings.recognizers)
        self.ner = None
        self.noise_filter = None
        if settings.ner_enabled:
            from udfs.ner.host import DEFAULT_MODEL_DIR, get_ner_model

            self.ner = get_ner_model(
                settings.model_dir or str(DEFAULT_MODEL_DIR), device=settings.device,
                device_id=settings.device_id, variant=settings.variant,
                intra_op_threads=settings.intra_op_threads, batch_size=settings.batch_size,
            )
            if settings.noise_filter_enabled:
                from udfs.noise_filter.filter import get_noise_filter

                self.noise_filter = get_noise_filter(settings.noise_filter_dir or None,
                                                     threshold=settings.noise_filter_threshold)

    @property
    def version(self) -> str:
        parts = ["patterns"]
        if self.ner is not None:
            parts.append(getattr(self.ner, "version", "ner"))
        if self.noise_filter is not None:
            parts.append(getattr(self.noise_filter, "version", "noise-filter"))
        return "+".join(parts)

    def pattern_spans(self, text: str, language: str | None) -> list[Span]:
        spans: list[Span] = []
        for rec in self.recognizers:
            if rec.supports(language):
                spans.extend(rec.analyze(text, language))
        return spans

    def detect(self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
               *, use_noise_filter: bool | None = None) -> list[list[Span]]:
        """Detect PHI in a batch of texts; returns merged, non-overlapping spans per text."""
        use = self.noise_filter is not None if use_noise_filter is None else use_noise_filter
        return self.detect_variants(texts, languages, filter_modes=(use,))[use]

    def detect_variants(self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
                        *, filter_modes: Sequence[bool] = (False, True)) -> dict[bool, list[list[Span]]]:
        """Run the NER once and return the merged spans with and/or without the noise filter
        (the evaluator compares both without paying for inference twice)."""
        languages = list(languages) if languages is not None else [None] * len(texts)
        pattern_spans = [self.pattern_spans(t, lang) for t, lang in zip(texts, languages)]
        results = self.ner.predict(list(texts)) if self.ner is not None else None
        out: dict[bool, list[list[Span]]] = {}
        for use_filter in filter_modes:
            use_filter = bool(use_filter and self.noise_filter is not None)
            merged: list[list[Span]] = []
            for i, text in enumerate(texts):
                ner_spans: list[Span] = []
                if results is not None:
                    ner_spans = list(results[i].spans)
                    if use_filter:
                        ner_spans = self.noise_filter.filter(text, results[i], ner_spans, pattern_spans[i])
                spans = [s for s in (*pattern_spans[i], *ner_spans)
                         if s.score >= self.settings.min_score or _is_certain(s)]
                if self.settings.propagate:
                    spans = propagate_spans(text, merge_spans(spans))
                merged.append(merge_spans(spans))
            out[use_filter] = merged
        return out


_CACHE: dict[DetectionSettings, DetectionStack] = {}
_LOCK = threading.Lock()


def get_detection_stack(settings: DetectionSettings) -> DetectionStack:
    """The worker-level cache: one stack (and so one ONNX session) per settings per process."""
    with _LOCK:
        stack = _CACHE.get(settings)
        if stack is None:
            stack = _CACHE[settings] = DetectionStack(settings)
        return stack
