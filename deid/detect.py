"""``deid detect``: the detection stack over a JSONL file, without Spark (same code as the UDF)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from deid.config import DeidConfig
from deid.errors import InputSchemaError
from udfs.detection import get_detection_stack


def _read(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                raise InputSchemaError(f"{path}:{lineno}: not valid JSON") from None
            if "id" not in rec or not isinstance(rec.get("text"), str):
                raise InputSchemaError(f"{path}:{lineno}: each line needs an 'id' and a string 'text'")
            yield rec


def detect_file(cfg: DeidConfig, input_path: str, output_path: str, *, batch_size: int = 32) -> dict:
    """Write ``{"id", "spans": [...]}`` per input line; offsets index the original text.

    Unlike the job, no markup stripping or Unicode clean-up happens here: offsets must index the
    text exactly as given.
    """
    from deid.pipeline import detection_settings

    stack = get_detection_stack(detection_settings(cfg))
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    notes = spans_total = 0
    batch: list[dict] = []
    with open(output_path, "w", encoding="utf-8") as out:
        def flush() -> None:
            nonlocal spans_total
            texts = [r["text"] for r in batch]
            langs = [r.get("language") or cfg.input.default_language for r in batch]
            for rec, spans in zip(batch, stack.detect(texts, langs)):
                out.write(json.dumps({"id": rec["id"], "spans": [
                    {"start": s.start, "end": s.end, "label": s.label, "score": round(s.score, 4), "source": s.source}
                    for s in spans]}, ensure_ascii=False) + "\n")
                spans_total += len(spans)
            batch.clear()

        for rec in _read(input_path):
            batch.append(rec)
            notes += 1
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    return {"notes": notes, "spans": spans_total, "output": output_path}
