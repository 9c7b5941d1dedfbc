"""Helpers for the Spark + Delta integration tests."""
from __future__ import annotations

from pathlib import Path

from deid.cli import default_config_path
from deid.config import DeidConfig, load_config

TEST_KEY_ENV = "DEID_TEST_KEY"


def job_config(tmp: Path, *extra: str, ner: bool = False, key_env: str = TEST_KEY_ENV) -> DeidConfig:
    """A config writing every table under ``tmp``; NER off unless asked (keeps the suite fast)."""
    return load_config(default_config_path(), [
        f"input.path={tmp}/input", f"output.deid_path={tmp}/deid", f"output.quarantine_path={tmp}/quarantine",
        f"output.audit_path={tmp}/audit", f"output.data_docs_dir={tmp}/gx", f"output.summary_dir={tmp}/runs",
        f"detection.ner.enabled={'true' if ner else 'false'}", f"replacement.key.env={key_env}",
        "run.progress=false", *extra,
    ])


def table_rows(spark, path: str, order: str = "note_id") -> list[tuple]:
    df = spark.read.format("delta").load(path)
    return [tuple(r) for r in df.orderBy(order).collect()]
