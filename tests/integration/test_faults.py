"""Reliability: task retries, a driver killed mid-write, incremental runs, quarantine, bad input."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from deid.errors import ValidationFailed
from deid.pipeline import run_job
from deid.sample import write_sample_table
from tests.integration.helpers import TEST_KEY_ENV, job_config, table_rows
from udfs.worker import process_batches

pytestmark = pytest.mark.spark
KEY = "fault-test-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(TEST_KEY_ENV, KEY)


def _deid_rows(spark, cfg):
    return [tuple(r) for r in spark.read.format("delta").load(cfg.output.deid_path)
            .select("note_id", "patient_ref", "note_date", "deid_text", "source_hash").orderBy("note_id").collect()]


@pytest.fixture(scope="module")
def clean_rows(spark, tmp_path_factory):
    os.environ[TEST_KEY_ENV] = KEY
    tmp = tmp_path_factory.mktemp("clean")
    cfg = job_config(tmp)
    write_sample_table(spark, cfg.input.path)
    run_job(cfg, spark)
    return tmp, _deid_rows(spark, cfg)


def fail_once_per_partition(settings):
    """A worker that dies on the first attempt of every task: Spark must retry it."""
    def func(batches):
        from pyspark import TaskContext

        ctx = TaskContext.get()
        if ctx is not None and ctx.attemptNumber() == 0:
            raise RuntimeError("injected task failure")
        yield from process_batches(batches, settings)
    return func


def test_task_retries_give_identical_surrogates(spark, tmp_path, clean_rows):
    clean_tmp, expected = clean_rows
    cfg = job_config(tmp_path, f"input.path={clean_tmp}/input")
    run_job(cfg, spark, fail_hook=fail_once_per_partition)
    assert _deid_rows(spark, cfg) == expected


def test_driver_killed_during_write_then_rerun_matches_clean_run(spark, tmp_path, clean_rows):
    clean_tmp, expected = clean_rows
    cfg = job_config(tmp_path, f"input.path={clean_tmp}/input")
    # A script file, not `python -c`: pyspark.sql.connect exits early when __main__ has no __file__.
    script = tmp_path / "crash_run.py"
    script.write_text(
        "from pathlib import Path\nfrom tests.integration.helpers import job_config\n"
        "from deid.pipeline import run_job\n"
        f"run_job(job_config(Path({str(tmp_path)!r}), 'input.path={clean_tmp}/input'))\n"
    )
    env = {**os.environ, "DEID_FAULT_INJECT": "kill_before_output_merge", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, timeout=600)
    assert proc.returncode == 137, proc.stderr.decode()[-2000:]
    assert not Path(cfg.output.deid_path, "_delta_log").exists()  # it died before the output write
    audited = spark.read.format("delta").load(cfg.output.audit_path).count()
    assert audited > 0
    summary = run_job(cfg, spark)  # the rerun
    assert summary.status == "succeeded"
    assert _deid_rows(spark, cfg) == expected
    assert spark.read.format("delta").load(cfg.output.audit_path).count() == audited  # no duplicates


def test_incremental_run_redoes_only_new_and_changed_notes(spark, tmp_path):
    cfg = job_config(tmp_path)
    n = write_sample_table(spark, cfg.input.path)
    first = run_job(cfg, spark)
    src = spark.read.format("delta").load(cfg.input.path)
    changed = src.withColumn("note_text", F.when(F.col("note_id") == "N0002",
                                                 F.concat("note_text", F.lit(" Addendum 04/01/2021."))).otherwise(F.col("note_text")))
    extra = src.where("note_id = 'N0001'").withColumn("note_id", F.lit("N9999"))
    changed.unionByName(extra).write.format("delta").mode("overwrite").save(cfg.input.path)
    second = run_job(cfg, spark)
    # N0002 changed, N9999 is new; notes quarantined last time are retried, the rest skipped.
    assert second.processed == 2 + first.quarantined
    assert second.skipped_unchanged == n - 1 - first.quarantined
    out = spark.read.format("delta").load(cfg.output.deid_path)
    assert out.where("note_id = 'N9999'").count() == 1
    assert "04/01/2021" not in out.where("note_id = 'N0002'").first()["deid_text"]
    assert out.count() == n + 1 - first.quarantined


def test_bad_rows_land_in_quarantine_and_threshold_fails_the_run(spark, tmp_path):
    cfg = job_config(tmp_path, "validation.max_quarantine_share=0.5")
    rows = [("a", "p1", "Seen 03/14/2021", None, None, None), ("b", "p1", None, None, None, None),
            ("c", None, "text", None, None, None), ("d", "p2", "x", None, None, None),
            ("d", "p2", "y", None, None, None), (None, "p3", "z", None, None, None)]
    cols = "note_id string, patient_id string, note_text string, note_date string, note_type string, language string"
    spark.createDataFrame(rows, cols).write.format("delta").save(cfg.input.path)
    with pytest.raises(ValidationFailed, match="quarantined share"):
        run_job(cfg, spark)
    q = {(r["note_id"], r["reason"]) for r in spark.read.format("delta").load(cfg.output.quarantine_path).collect()}
    assert q == {("b", "NULL_TEXT"), ("c", "MISSING_PATIENT_ID"), ("d", "DUPLICATE_NOTE_ID"), (None, "NULL_NOTE_ID")}
    assert not Path(cfg.output.deid_path, "_delta_log").exists()  # nothing written on failure
    cfg_ok = job_config(tmp_path, "validation.max_quarantine_share=0.9")
    summary = run_job(cfg_ok, spark)
    assert summary.accepted == 1 and summary.quarantined == 5


def test_empty_input_and_schema_drift(spark, tmp_path):
    cfg = job_config(tmp_path)
    cols = "note_id string, patient_id string, note_text string, note_date string, note_type string, language string"
    spark.createDataFrame([], cols).write.format("delta").save(cfg.input.path)
    summary = run_job(cfg, spark)
    assert summary.status == "succeeded" and summary.input_notes == 0
    drift = job_config(tmp_path / "drift")
    spark.createDataFrame([("a", "p", "Seen 03/14/2021", "x", "2021-01-01", "note", "en")],
                          "note_id string, patient_id string, note_text string, extra string, note_date string, "
                          "note_type string, language string").write.format("delta").save(drift.input.path)
    assert run_job(drift, spark).accepted == 1  # extra columns are ignored


def test_five_megabyte_note_is_quarantined_not_crashing(spark, tmp_path):
    big = "Patient seen on 03/14/2021. " * 190_000  # ~5.3 MB
    spark.createDataFrame([("big", "p", big), ("ok", "p", "fine")], "note_id string, patient_id string, note_text string") \
        .write.format("delta").save(f"{tmp_path}/input")
    cfg = job_config(tmp_path, "validation.max_quarantine_share=0.9", "input.columns.note_date=null",
                     "input.columns.note_type=null", "input.columns.language=null")
    summary = run_job(cfg, spark)
    assert summary.quarantine_reasons == {"TEXT_TOO_LONG": 1} and summary.accepted == 1


def test_fixed_note_leaves_quarantine(spark, tmp_path):
    cols = "note_id string, patient_id string, note_text string, note_date string, note_type string, language string"
    cfg = job_config(tmp_path, "validation.max_quarantine_share=0.9")
    spark.createDataFrame([("a", "p1", "Seen 03/14/2021", None, None, None), ("b", "p1", None, None, None, None)],
                          cols).write.format("delta").save(cfg.input.path)
    run_job(cfg, spark)
    q = spark.read.format("delta").load(cfg.output.quarantine_path)
    assert [r["note_id"] for r in q.collect()] == ["b"]
    spark.createDataFrame([("a", "p1", "Seen 03/14/2021", None, None, None), ("b", "p1", "fixed 04/01/2021", None, None, None)],
                          cols).write.format("delta").mode("overwrite").save(cfg.input.path)
    summary = run_job(cfg, spark)
    assert summary.processed == 1 and summary.accepted == 1
    assert spark.read.format("delta").load(cfg.output.quarantine_path).count() == 0
    assert spark.read.format("delta").load(cfg.output.deid_path).count() == 2
