"""The executor-side body of the job: one pandas batch of notes in, de-identified rows out.

Runs inside ``mapInPandas``. Everything heavy (recognizers, ONNX session, noise filter, surrogate
engine) is built once per Python worker through module-level caches and reused across batches.
No row can crash the batch: each failure becomes a quarantine row with a reason code, and no
exception message (which might quote PHI) is ever kept, only the exception's class name.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Iterator, Sequence

import pandas as pd

from udfs.detection import DetectionSettings, get_detection_stack
from udfs.literals import LiteralMatcher
from udfs.residual import residual_hits
from udfs.secret import SecretKey
from udfs.spans import Span
from udfs.text_prep import prepare_text

log = logging.getLogger(__name__)

LOCALES = frozenset({"en", "es", "de", "fr", "it", "nl"})
#: Labels whose original strings must not survive into the output (the leak gate).
LEAK_CHECKED_LABELS = frozenset({"NAME", "ID", "CONTACT", "LOCATION", "ORGANIZATION", "DATE"})
_LEAK_MIN_CHARS = 4
#: Short dates ("9/10", "2014") also occur as scores and counts elsewhere in a note, and a year alone
#: may legitimately survive a small shift (Safe Harbor keeps years): check full dates only.
_LEAK_MIN_DATE_CHARS = 6

OUTPUT_COLUMNS = (
    "note_id", "patient_ref", "note_date", "note_type", "language", "deid_text", "masked_text",
    "source_hash", "status", "reason", "flags", "spans", "label_counts", "key_fingerprint",
)


@dataclass(frozen=True)
class WorkerSettings:
    """Everything a worker needs; pickled into the UDF closure (the key stays wrapped)."""

    detection: DetectionSettings
    key: SecretKey
    mode: str = "surrogate"
    scope: str = "patient"
    default_language: str = "en"
    max_chars: int = 1_000_000
    strip_markup: bool = True
    leak_gate: bool = True
    date_shift_min_days: int = 1
    date_shift_max_days: int = 365
    replace_all_ages: bool = False


@lru_cache(maxsize=8)
def _engine(key: SecretKey, min_days: int, max_days: int, all_ages: bool):
    from udfs.surrogates.engine import SurrogateEngine

    return SurrogateEngine(key.reveal(), date_shift_min_days=min_days, date_shift_max_days=max_days,
                           replace_all_ages=all_ages)


def scope_key(settings: WorkerSettings, note_id: str, patient_id: str | None) -> str:
    if settings.scope == "patient":
        return f"patient:{patient_id}"
    if settings.scope == "document":
        return f"note:{note_id}"
    return "global"


def _locale(language: str | None, default: str) -> str:
    lang = (language or default or "en").strip().lower()[:2]
    return lang if lang in LOCALES else "en"


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def leaked_spans(original: str, output: str, spans: list[Span],
                 regions: Sequence[tuple[int, int]] = ()) -> int:
    """How many detected PHI strings still occur verbatim (whole word, case-sensitive) in the output.

    ``regions`` are the output offsets of the surrogates. An occurrence inside a surrogate that is
    longer than the value is not a leak: organisation and street surrogates keep type words
    ("Hospital" inside "Glendale Community Hospital"). A surrogate *equal* to the value is one.
    """
    values = []
    for span in spans:
        if span.label not in LEAK_CHECKED_LABELS:
            continue
        value = original[span.start:span.end].strip()
        if len(value) < (_LEAK_MIN_DATE_CHARS if span.label == "DATE" else _LEAK_MIN_CHARS):
            continue
        values.append(value)
    if not values:
        return 0
    leaked: set[str] = set()
    for start, end, value in LiteralMatcher(values).finditer(output):  # one regex pass for all values
        inside_longer = any(rs <= start and end <= re_ and (re_ - rs) > len(value) for rs, re_ in regions)
        if not inside_longer:
            leaked.add(value)
    return sum(v in leaked for v in values)


def _shift_note_date(value, engine, scope: str) -> str | None:
    if _is_blank(value):
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return (day + timedelta(days=engine.date_shift_days(scope))).isoformat()


def _quarantine(row: dict, reason: str, source_hash: str | None, key_fp: str) -> dict:
    return {
        "note_id": None if _is_blank(row.get("note_id")) else str(row["note_id"]),
        "patient_ref": None, "note_date": None, "note_type": None, "language": None,
        "deid_text": None, "masked_text": None, "source_hash": source_hash, "status": "quarantined",
        "reason": reason, "flags": [], "spans": [], "label_counts": {}, "key_fingerprint": key_fp,
    }


def process_frame(pdf: pd.DataFrame, settings: WorkerSettings) -> pd.DataFrame:
    """De-identify one pandas batch. Columns in: note_id, patient_id, text, note_date, note_type,
    language, source_hash, dup_count."""
    from udfs.replacement import replace_spans

    key = settings.key
    key_fp = key.fingerprint()
    engine = _engine(key, settings.date_shift_min_days, settings.date_shift_max_days, settings.replace_all_ages)
    out: list[dict] = [None] * len(pdf)  # type: ignore[list-item]
    todo: list[tuple[int, dict, str, list[str]]] = []
    for i, row in enumerate(pdf.to_dict("records")):
        source_hash = None if _is_blank(row.get("source_hash")) else row["source_hash"]
        text = row.get("text")
        if _is_blank(row.get("note_id")) or str(row["note_id"]).strip() == "":
            out[i] = _quarantine(row, "NULL_NOTE_ID", source_hash, key_fp)
        elif int(row.get("dup_count") or 1) > 1:
            out[i] = _quarantine(row, "DUPLICATE_NOTE_ID", source_hash, key_fp)
        elif _is_blank(text):
            out[i] = _quarantine(row, "NULL_TEXT", source_hash, key_fp)
        elif not isinstance(text, str):
            out[i] = _quarantine(row, "NON_STRING_TEXT", source_hash, key_fp)
        elif settings.scope == "patient" and (_is_blank(row.get("patient_id")) or not str(row["patient_id"]).strip()):
            out[i] = _quarantine(row, "MISSING_PATIENT_ID", source_hash, key_fp)
        elif len(text) > settings.max_chars:
            out[i] = _quarantine(row, "TEXT_TOO_LONG", source_hash, key_fp)
        else:
            try:
                prepared, flags = prepare_text(text, strip_markup=settings.strip_markup)
            except Exception as exc:  # noqa: BLE001 - any failure quarantines the row, never the batch
                out[i] = _quarantine(row, f"PREPARE_ERROR:{type(exc).__name__}", source_hash, key_fp)
                continue
            todo.append((i, row, prepared, flags))

    if todo:
        stack = get_detection_stack(settings.detection)
        texts = [t for _, _, t, _ in todo]
        langs = [_locale(r.get("language"), settings.default_language) for _, r, _, _ in todo]
        try:
            all_spans = stack.detect(texts, langs)
        except Exception as exc:  # noqa: BLE001 - fall back to one note at a time to isolate the bad one
            log.warning("batch detection failed (%s); retrying note by note", type(exc).__name__)
            all_spans = []
            for t, lang in zip(texts, langs):
                try:
                    all_spans.append(stack.detect([t], [lang])[0])
                except Exception as exc1:  # noqa: BLE001
                    all_spans.append(exc1)
        for (i, row, prepared, flags), lang, spans in zip(todo, langs, all_spans):
            source_hash = row.get("source_hash")
            if isinstance(spans, Exception):
                out[i] = _quarantine(row, f"DETECTION_ERROR:{type(spans).__name__}", source_hash, key_fp)
                continue
            try:
                out[i] = _deidentify_one(row, prepared, flags, lang, spans, settings, engine, key_fp)
            except Exception as exc:  # noqa: BLE001
                out[i] = _quarantine(row, f"REPLACEMENT_ERROR:{type(exc).__name__}", source_hash, key_fp)
    return pd.DataFrame(out, columns=list(OUTPUT_COLUMNS))


def _deidentify_one(row: dict, text: str, flags: list[str], locale: str, spans: list[Span],
                    settings: WorkerSettings, engine, key_fp: str) -> dict:
    from udfs.replacement import replace_spans

    note_id = str(row["note_id"])
    patient_id = None if _is_blank(row.get("patient_id")) else str(row["patient_id"])
    scope = scope_key(settings, note_id, patient_id)
    result = replace_spans(text, spans, mode=settings.mode, engine=engine, scope=scope, locale=locale)
    masked = result.text if settings.mode == "mask" else replace_spans(
        text, spans, mode="mask", engine=None, scope=scope, locale=locale).text
    source_hash = row.get("source_hash")
    hits = residual_hits(masked)
    if hits:
        return _quarantine(row, "RESIDUAL_" + hits[0], source_hash, key_fp)
    if settings.leak_gate and settings.mode == "surrogate" and leaked_spans(
            text, result.text, spans, [(o.new_start, o.new_end) for o in result.offsets]):
        return _quarantine(row, "LEAK_GATE", source_hash, key_fp)
    counts: dict[str, int] = {}
    audit_spans = []
    for span, off in zip(spans, result.offsets):
        counts[span.label] = counts.get(span.label, 0) + 1
        audit_spans.append({
            "start": span.start, "end": span.end, "label": span.label, "score": float(round(span.score, 4)),
            "source": span.source, "out_start": off.new_start, "out_end": off.new_end,
        })
    return {
        "note_id": note_id,
        "patient_ref": settings.key.digest("patient", patient_id)[:16] if patient_id else None,
        "note_date": _shift_note_date(row.get("note_date"), engine, scope),
        "note_type": None if _is_blank(row.get("note_type")) else str(row["note_type"]),
        "language": locale,
        "deid_text": result.text,
        "masked_text": masked,
        "source_hash": source_hash,
        "status": "ok",
        "reason": None,
        "flags": flags,
        "spans": audit_spans,
        "label_counts": counts,
        "key_fingerprint": key_fp,
    }


def with_task_gpu(settings: WorkerSettings) -> WorkerSettings:
    """On a GPU executor, point the ONNX session at the GPU Spark assigned to this task."""
    if settings.detection.device != "cuda":
        return settings
    try:
        from pyspark import TaskContext

        ctx = TaskContext.get()
        gpus = ctx.resources().get("gpu") if ctx is not None else None
    except Exception:  # noqa: BLE001 - outside Spark (deid detect) there is no task context
        gpus = None
    if gpus is None or not gpus.addresses:
        return settings
    return replace(settings, detection=replace(settings.detection, device_id=int(gpus.addresses[0])))


def process_batches(batches: Iterator[pd.DataFrame], settings: WorkerSettings) -> Iterator[pd.DataFrame]:
    """The ``mapInPandas`` function body: the detection stack is built on the first batch, then reused."""
    settings = with_task_gpu(settings)
    for pdf in batches:
        yield process_frame(pdf, settings)
