"""Spark + Delta integration tests of the job (pattern recognizers only; the e2e test uses the model)."""
from __future__ import annotations

import os
import stat

import pytest
from pyspark.sql import functions as F

from deid.errors import InputSchemaError, KeyMissingError, ValidationFailed
from deid.pipeline import run_job
from deid.sample import load_sample, write_sample_table
from tests.integration.helpers import TEST_KEY_ENV, job_config, table_rows

pytestmark = pytest.mark.spark


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(TEST_KEY_ENV, "integration-test-key-0123456789abcdef")


@pytest.fixture(scope="module")
def sample_run(spark, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("job")
    os.environ[TEST_KEY_ENV] = "integration-test-key-0123456789abcdef"
    cfg = job_config(tmp)
    n = write_sample_table(spark, cfg.input.path)
    summary = run_job(cfg, spark)
    return tmp, cfg, n, summary


def test_job_writes_every_note_and_accounts_for_all_rows(spark, sample_run):
    tmp, cfg, n, summary = sample_run
    assert summary.status == "succeeded"
    out = spark.read.format("delta").load(cfg.output.deid_path)
    assert out.count() + summary.quarantined == n == summary.input_notes
    assert summary.validation_failed == []
    assert summary.phi_per_label.get("DATE", 0) > 20


def test_rerun_leaves_output_unchanged_and_skips_everything(spark, sample_run):
    tmp, cfg, n, summary = sample_run
    before = table_rows(spark, cfg.output.deid_path)
    again = run_job(cfg, spark)
    assert again.skipped_unchanged == n - summary.quarantined
    assert table_rows(spark, cfg.output.deid_path) == before


def test_audit_table_holds_no_original_phi(spark, sample_run):
    tmp, cfg, n, summary = sample_run
    audit = spark.read.format("delta").load(cfg.output.audit_path)
    blob = "\n".join(str(r.asDict(recursive=True)) for r in audit.collect())
    for note in load_sample():
        for s in note["spans"]:
            value = note["note_text"][s["start"]:s["end"]]
            if len(value) >= 5 and not value.isdigit():
                assert value not in blob


def test_local_outputs_are_owner_only(sample_run):
    tmp, cfg, n, summary = sample_run
    for root, dirs, files in os.walk(cfg.output.deid_path):
        for f in files:
            assert stat.S_IMODE(os.stat(os.path.join(root, f)).st_mode) & 0o077 == 0


def test_note_date_intervals_survive_per_patient(spark, sample_run):
    tmp, cfg, n, summary = sample_run
    src = {r["note_id"]: r for r in load_sample()}
    out = spark.read.format("delta").load(cfg.output.deid_path).select("note_id", "patient_ref", "note_date").collect()
    from datetime import date
    by_patient: dict[str, list] = {}
    for r in out:
        orig = date.fromisoformat(src[r["note_id"]]["note_date"])
        by_patient.setdefault(r["patient_ref"], []).append((orig, r["note_date"]))
    shifts = {p: {(o - s).days for o, s in rows} for p, rows in by_patient.items()}
    assert all(len(v) == 1 and 0 not in v for v in shifts.values())
    assert len({next(iter(v)) for v in shifts.values()}) > 1  # patients get different shifts


def test_parquet_input(spark, tmp_path):
    cfg = job_config(tmp_path, "input.format=parquet", f"input.path={tmp_path}/input_parquet")
    n = write_sample_table(spark, cfg.input.path, fmt="parquet")
    summary = run_job(cfg, spark)
    assert summary.accepted + summary.quarantined == n


def test_same_key_byte_identical_other_key_differs(spark, tmp_path, monkeypatch):
    rows = []
    for i, key in enumerate(["key-one-0123456789abcdef", "key-one-0123456789abcdef", "key-two-0123456789abcdef"]):
        monkeypatch.setenv(TEST_KEY_ENV, key)
        cfg = job_config(tmp_path / f"run{i}", f"input.path={tmp_path}/input")
        if i == 0:
            write_sample_table(spark, cfg.input.path)
        run_job(cfg, spark)
        rows.append([(r[0], r[1], r[2]) for r in spark.read.format("delta").load(cfg.output.deid_path)
                     .select("note_id", "patient_ref", "deid_text").orderBy("note_id").collect()])
    assert rows[0] == rows[1]
    assert rows[0] != rows[2]


def test_missing_columns_are_named(spark, tmp_path):
    cfg = job_config(tmp_path, "input.columns.text=body")
    write_sample_table(spark, cfg.input.path)
    with pytest.raises(InputSchemaError, match="body"):
        run_job(cfg, spark)


def test_refuses_to_start_without_a_key(spark, tmp_path, monkeypatch):
    monkeypatch.delenv(TEST_KEY_ENV, raising=False)
    cfg = job_config(tmp_path)
    with pytest.raises(KeyMissingError):
        run_job(cfg, spark)


def test_key_is_not_in_the_plan_string(spark, tmp_path, monkeypatch, capsys):
    secret = "plan-secret-key-0123456789abcdef"
    monkeypatch.setenv(TEST_KEY_ENV, secret)
    from deid.keys import resolve_key
    from deid.pipeline import WORKER_SCHEMA, keyed_hash_column, worker_settings
    from udfs.worker import process_batches

    cfg = job_config(tmp_path)
    key = resolve_key(cfg.replacement.key)
    settings = worker_settings(cfg, key, spark)
    df = spark.createDataFrame([("n1", "p1", "text")], "note_id string, patient_id string, text string")
    df = df.withColumn("source_hash", keyed_hash_column(key)(F.col("text")))
    plan = df.mapInPandas(lambda it: process_batches(it, settings), WORKER_SCHEMA)
    plan.explain(mode="extended")
    text = capsys.readouterr().out + plan._jdf.queryExecution().toString()
    assert "MapInPandas" in text or "PythonMapInArrow" in text or "mapInPandas" in text.lower()
    assert secret not in text
    assert secret not in repr(settings) and secret not in str(cfg)
