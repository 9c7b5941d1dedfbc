"""The bundled sample: ~50 synthetic notes with gold spans (all PHI in them is invented)."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

from models.corpus.markup import to_spans

SAMPLE_FILE = "sample_notes.jsonl"


def load_sample() -> list[dict[str, Any]]:
    """Sample notes with clean ``note_text`` and gold ``spans`` (offsets into note_text)."""
    rows = []
    raw = resources.files("deid").joinpath("data", SAMPLE_FILE).read_text(encoding="utf-8")
    for line in raw.splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        text, spans = to_spans(rec.pop("marked"))
        rows.append({**rec, "note_text": text, "spans": spans})
    return rows


def write_sample_table(spark, path: str, *, fmt: str = "delta", replicate: int = 1) -> int:
    """Write the sample as a Delta (or parquet) table at ``path``; returns the row count."""
    rows = load_sample()
    records = []
    for r in range(replicate):
        for rec in rows:
            suffix = "" if r == 0 else f"-r{r}"
            records.append((rec["note_id"] + suffix, rec["patient_id"] + suffix, rec["note_text"],
                            rec.get("note_date"), rec.get("note_type"), rec.get("language")))
    return write_notes_table(spark, path, records, fmt=fmt)


def write_notes_table(spark, path: str, records: list[tuple], *, fmt: str = "delta") -> int:
    """Write ``(note_id, patient_id, note_text, note_date, note_type, language)`` tuples as a table
    with the sample's schema (``note_date`` as a date); returns the row count."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    schema = T.StructType([T.StructField(n, T.StringType()) for n in
                           ("note_id", "patient_id", "note_text", "note_date", "note_type", "language")])
    df = spark.createDataFrame(records, schema).withColumn("note_date", F.to_date("note_date"))
    df.write.format(fmt).mode("overwrite").save(path)
    return len(records)
