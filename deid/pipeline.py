"""The de-identification job: read → detect + replace (pandas UDF) → validate → MERGE into Delta.

Row accounting is exact: every input row becomes exactly one worker row, either accepted or
quarantined with a reason; after the writes a reconciliation step reads the tables back and fails
the run if any input note is in neither.
"""
from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from deid import __version__
from deid.config import DeidConfig, SparkConfig
from deid.errors import ReconciliationError, ValidationFailed
from deid.io import canonicalize, read_raw
from deid.keys import resolve_key
from deid.progress import ProgressReporter
from deid.session import get_spark
from deid.validation import validate_output
from deid.writer import delete_matching, merge, read_target, restrict_local_permissions
from udfs.detection import DetectionSettings
from udfs.secret import SecretKey
from udfs.worker import WorkerSettings, process_batches

log = logging.getLogger(__name__)

SPAN_TYPE = T.StructType([
    T.StructField("start", T.IntegerType()), T.StructField("end", T.IntegerType()),
    T.StructField("label", T.StringType()), T.StructField("score", T.DoubleType()),
    T.StructField("source", T.StringType()),
    T.StructField("out_start", T.IntegerType()), T.StructField("out_end", T.IntegerType()),
])
WORKER_SCHEMA = T.StructType([
    T.StructField("note_id", T.StringType()), T.StructField("patient_ref", T.StringType()),
    T.StructField("note_date", T.StringType()), T.StructField("note_type", T.StringType()),
    T.StructField("language", T.StringType()), T.StructField("deid_text", T.StringType()),
    T.StructField("masked_text", T.StringType()), T.StructField("source_hash", T.StringType()),
    T.StructField("status", T.StringType()), T.StructField("reason", T.StringType()),
    T.StructField("flags", T.ArrayType(T.StringType())), T.StructField("spans", T.ArrayType(SPAN_TYPE)),
    T.StructField("label_counts", T.MapType(T.StringType(), T.IntegerType())),
    T.StructField("key_fingerprint", T.StringType()),
])


@dataclass
class RunSummary:
    run_id: str
    status: str
    started_at: str = ""
    error: str | None = None
    key_fingerprint: str = ""
    input_notes: int = 0
    skipped_unchanged: int = 0
    processed: int = 0
    accepted: int = 0
    quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    phi_per_label: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes_per_second: float = 0.0
    model_version: str = ""
    config_version: str = ""
    validation_checks: int = 0
    validation_failed: list[str] = field(default_factory=list)
    data_docs: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    summary_path: str | None = None
    #: Wall seconds per phase (read = read + hash + incremental filter, detect = the pandas UDF,
    #: validate = counts + GX, write = quarantine/audit/output MERGEs, reconcile).
    phase_seconds: dict[str, float] = field(default_factory=dict)
    #: Partitions the pandas UDF ran over (see ``spark.udf_partitions``).
    udf_partitions: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def detection_settings(cfg: DeidConfig, spark: SparkSession | None = None) -> DetectionSettings:
    det = cfg.detection
    device = det.ner.device
    if device == "auto":
        gpu = spark.conf.get("spark.task.resource.gpu.amount", None) if spark else None
        device = "cuda" if gpu else "cpu"
    threads = det.ner.intra_op_threads
    if threads is None and spark is not None:
        threads = int(spark.conf.get("spark.task.cpus", "1"))
    return DetectionSettings(
        recognizers=tuple(det.recognizers) if det.recognizers is not None else None,
        ner_enabled=det.ner.enabled, model_dir=det.ner.model_dir, device=device, variant=det.ner.variant,
        batch_size=det.ner.batch_size, intra_op_threads=threads,
        noise_filter_enabled=det.noise_filter.enabled, noise_filter_dir=det.noise_filter.model_dir,
        noise_filter_threshold=det.noise_filter.threshold, min_score=det.min_score, propagate=det.propagate,
    )


def worker_settings(cfg: DeidConfig, key: SecretKey, spark: SparkSession | None = None) -> WorkerSettings:
    rep = cfg.replacement
    return WorkerSettings(
        detection=detection_settings(cfg, spark), key=key, mode=rep.mode, scope=rep.scope,
        default_language=cfg.input.default_language, max_chars=cfg.input.max_chars,
        strip_markup=cfg.input.markup == "strip", leak_gate=cfg.validation.leak_gate,
        date_shift_min_days=rep.date_shift_min_days, date_shift_max_days=rep.date_shift_max_days,
        replace_all_ages=rep.replace_all_ages,
    )


def model_version(settings: DetectionSettings) -> str:
    """The version string of the detection stack (read from artifacts, without building sessions)."""
    parts = ["patterns-" + __version__]
    if settings.ner_enabled:
        from udfs.ner.host import DEFAULT_MODEL_DIR

        labels = Path(settings.model_dir or DEFAULT_MODEL_DIR) / "labels.json"
        try:
            parts.append(json.loads(labels.read_text()).get("version", "ner"))
        except (OSError, ValueError):
            parts.append("ner-unknown")
        if settings.noise_filter_enabled:
            from udfs.noise_filter.filter import DEFAULT_FILTER_DIR

            meta = Path(settings.noise_filter_dir or DEFAULT_FILTER_DIR) / "meta.json"
            try:
                parts.append("nf-" + json.loads(meta.read_text()).get("version", "unknown"))
            except (OSError, ValueError):
                parts.append("nf-unknown")
    return "+".join(parts)


def udf_partitions(cfg: SparkConfig, spark: SparkSession, n_notes: int) -> int:
    """How many partitions the UDF runs over (``spark.udf_partitions``, or automatic)."""
    if cfg.udf_partitions:
        return cfg.udf_partitions
    cores = max(1, int(spark.sparkContext.defaultParallelism))
    return max(1, min(max(n_notes, 1), max(2 * cores, -(-n_notes // cfg.max_notes_per_partition))))


def keyed_hash_column(key: SecretKey):
    """A pandas UDF computing HMAC-SHA256(key, text): change detection that cannot be dictionary-attacked."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("string")
    def keyed_text_hash(texts: pd.Series) -> pd.Series:
        return texts.map(lambda t: key.digest("text", t) if isinstance(t, str) else key.digest("null-text"))

    return keyed_text_hash


def _counts(df: DataFrame, col: str) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in df.groupBy(col).count().collect() if r[0] is not None}


def run_job(cfg: DeidConfig, spark: SparkSession | None = None, *, run_id: str | None = None,
            fail_hook=None) -> RunSummary:
    """Run the whole job once. ``fail_hook`` (tests only) wraps the worker function."""
    t0 = time.monotonic()
    run_id = run_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    summary = RunSummary(run_id=run_id, status="running", config_version=cfg.fingerprint(),
                         started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    try:
        return _run(cfg, spark, summary, t0, fail_hook)
    except Exception as exc:
        # Every run leaves a summary, failed ones too; the error is named by class only (no PHI).
        summary.status = "failed"
        summary.error = type(exc).__name__
        try:
            _finish(summary, cfg, t0)
        except OSError:
            log.warning("could not write the run summary")
        raise


def _run(cfg: DeidConfig, spark: SparkSession | None, summary: "RunSummary", t0: float, fail_hook) -> "RunSummary":
    run_id = summary.run_id
    key = resolve_key(cfg.replacement.key)
    spark = spark or get_spark(cfg.spark)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(cfg.spark.arrow_batch_size))
    out = cfg.output
    settings = worker_settings(cfg, key, spark)
    mversion = model_version(settings.detection)
    cversion = cfg.fingerprint()
    summary.model_version = mversion
    summary.key_fingerprint = key.fingerprint()
    progress = ProgressReporter(spark, enabled=cfg.run.progress)
    mark = [time.monotonic()]

    def phase(name: str) -> None:
        now = time.monotonic()
        summary.phase_seconds[name] = round(now - mark[0], 2)
        mark[0] = now

    source = canonicalize(read_raw(spark, cfg.input), cfg.input)
    source = source.withColumn("source_hash", keyed_hash_column(key)(F.col("text")))
    existing = read_target(spark, out.deid_path, out.deid_table)
    total = source.count()
    summary.input_notes = total
    todo = source
    if cfg.input.incremental and existing is not None:
        done = existing.select("note_id", "source_hash").where(
            (F.col("config_version") == cversion) & (F.col("model_version") == mversion))
        todo = source.join(done, ["note_id", "source_hash"], "left_anti")
    # Materialise the work set with its lineage cut: recomputing the anti-join after the output
    # MERGE would see the notes as done and silently empty every later step.
    todo = todo.localCheckpoint(eager=True)
    processed = todo.count()
    summary.skipped_unchanged = total - processed
    summary.processed = processed
    phase("read")

    func = (lambda it: process_batches(it, settings)) if fail_hook is None else fail_hook(settings)
    parts = udf_partitions(cfg.spark, spark, processed)
    summary.udf_partitions = parts
    # Spread the notes over every core: the model is the cost, the extra shuffle is not.
    result = todo.repartition(parts).mapInPandas(func, WORKER_SCHEMA)
    with progress:  # the UDF runs exactly once per run: later steps read the checkpoint
        result = result.localCheckpoint(eager=True)
    produced = result.count()
    if produced != processed:
        raise ReconciliationError(f"worker returned {produced} rows for {processed} input rows")
    phase("detect")

    accepted = result.where(F.col("status") == "ok")
    quarantined = result.where(F.col("status") != "ok")
    n_quarantined = quarantined.count()
    summary.accepted = processed - n_quarantined
    summary.quarantined = n_quarantined
    summary.quarantine_reasons = _counts(quarantined, "reason")
    summary.phi_per_label = {r[0]: int(r[1]) for r in accepted.select(F.explode("label_counts")).groupBy("key")
                             .agg(F.sum("value")).collect()}

    docs_root = out.data_docs_dir if cfg.validation.data_docs else None
    report = validate_output(accepted, expected_rows=processed - n_quarantined, run_name=run_id, docs_root=docs_root)
    summary.validation_checks = report.checks
    summary.validation_failed = report.failed
    summary.data_docs = report.data_docs_url
    phase("validate")

    stamp = F.lit(run_id)
    quarantine_rows = quarantined.select(
        F.coalesce("note_id", F.concat(F.lit("NULL_ID:"), "source_hash")).alias("quarantine_key"),
        "note_id", "source_hash", "reason", stamp.alias("run_id"), F.lit(cversion).alias("config_version"),
        F.lit(mversion).alias("model_version"))
    if n_quarantined:
        merge(spark, quarantine_rows, path=out.quarantine_path, table=out.quarantine_table,
              keys=["quarantine_key", "source_hash", "reason"])
    share = n_quarantined / processed if processed else 0.0
    if not report.success:
        raise ValidationFailed("output validation failed: " + ", ".join(report.failed))
    if share > cfg.validation.max_quarantine_share:
        raise ValidationFailed(f"quarantined share {share:.3f} exceeds validation.max_quarantine_share "
                               f"{cfg.validation.max_quarantine_share}")

    # The audit goes first and the output last: a run killed in between leaves the notes
    # un-done, so the rerun redoes them and the audit MERGE keys make that idempotent.
    audit_rows = result.select(
        stamp.alias("run_id"), "note_id", "source_hash", "status", "reason",
        F.lit(mversion).alias("model_version"), F.lit(cversion).alias("config_version"), "key_fingerprint",
        "label_counts", "spans", "flags")
    merge(spark, audit_rows, path=out.audit_path, table=out.audit_table,
          keys=["note_id", "source_hash", "model_version", "config_version", "key_fingerprint", "status"])
    fault_point("kill_before_output_merge")
    output_rows = accepted.select(
        "note_id", "patient_ref", F.col("note_date").cast("date").alias("note_date"), "note_type", "language",
        "deid_text", "source_hash", "flags", F.lit(mversion).alias("model_version"),
        F.lit(cversion).alias("config_version"), "key_fingerprint")
    merge(spark, output_rows, path=out.deid_path, table=out.deid_table, keys=["note_id"],
          update_when="t.source_hash <> s.source_hash OR t.config_version <> s.config_version "
                      "OR t.model_version <> s.model_version OR t.key_fingerprint <> s.key_fingerprint")
    # Notes that failed before and pass now leave the quarantine (the audit keeps their history).
    delete_matching(spark, accepted.select("note_id"), path=out.quarantine_path, table=out.quarantine_table,
                    key="note_id")
    phase("write")
    _reconcile(spark, cfg, todo, n_quarantined)
    phase("reconcile")
    for p in (out.deid_path, out.quarantine_path, out.audit_path):
        if out.owner_only:
            restrict_local_permissions(p)
    summary.status = "succeeded"
    return _finish(summary, cfg, t0)


def fault_point(name: str) -> None:
    """Fault injection for the crash-recovery test: ``DEID_FAULT_INJECT=<name>`` kills the driver here."""
    if os.environ.get("DEID_FAULT_INJECT") == name:
        log.warning("fault injection: killing the driver at %s", name)
        os._exit(137)


def _reconcile(spark: SparkSession, cfg: DeidConfig, todo: DataFrame, n_quarantined: int) -> None:
    """Every processed note must be in the output (same text hash) or in quarantine."""
    out = cfg.output
    written = read_target(spark, out.deid_path, out.deid_table).select("note_id", "source_hash")
    key_col = F.coalesce("note_id", F.concat(F.lit("NULL_ID:"), "source_hash"))
    missing = todo.select(key_col.alias("k"), "note_id", "source_hash").join(
        written, ["note_id", "source_hash"], "left_anti")
    quarantine = read_target(spark, out.quarantine_path, out.quarantine_table)
    if quarantine is not None:
        missing = missing.join(quarantine.select(F.col("quarantine_key").alias("k"), "source_hash"),
                               ["k", "source_hash"], "left_anti")
    lost = missing.count()
    if lost:
        raise ReconciliationError(f"{lost} input notes are neither in the output nor in quarantine")


def _finish(summary: RunSummary, cfg: DeidConfig, t0: float) -> RunSummary:
    summary.seconds = round(time.monotonic() - t0, 2)
    summary.notes_per_second = round(summary.processed / summary.seconds, 2) if summary.seconds else 0.0
    out = cfg.output
    summary.outputs = {k: v for k, v in {
        "deid": out.deid_path or out.deid_table, "quarantine": out.quarantine_path or out.quarantine_table,
        "audit": out.audit_path or out.audit_table}.items() if v}
    folder = Path(out.summary_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{summary.run_id}.json"
    summary.summary_path = str(path)
    path.write_text(summary.to_json())
    if out.owner_only:
        path.chmod(0o600)
    return summary
