"""Smoke test of ``deid bench``: a handful of notes through the detection stack and the Spark job.

No timing assertions: CI machines vary. Only that the command runs, writes the JSON with the
expected keys, and measures a positive throughput everywhere it ran. It uses the session's
SparkSession (the ``spark`` fixture), which the bench then leaves running.
"""
from __future__ import annotations

import json

import pytest

from deid.cli import main

pytestmark = pytest.mark.spark


def test_bench_smoke(spark, tmp_path, capsys):
    # The session fixture's SparkSession is active, so the bench reuses it (and leaves it running).
    out = tmp_path / "bench.json"
    code = main(["bench", "--notes", "6", "--target-tokens", "250", "--skip-presidio",
                 "--output", str(out), "--set", "validation.data_docs=false", "--log-level", "WARNING", "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads(out.read_text())
    assert written["notes_info"] == printed["notes_info"]
    for key in ("command", "machine", "config", "notes_info", "detection", "presidio", "spark", "ratios",
                "targets", "text"):
        assert key in written, key
    assert written["notes_info"]["n_notes"] == 6
    assert written["notes_info"]["avg_tokens"] > 150
    det = written["detection"]
    assert det["notes_per_s"] > 0 and det["tokens_per_s"] > 0 and det["notes_per_s_per_core"] > 0
    assert det["cores"] >= 1 and det["peak_rss_mb"] > 0
    assert 0.0 < det["phi_found"]["recall"] <= 1.0
    assert written["presidio"] == {"skipped": "--skip-presidio"}
    job = written["spark"]
    assert job["status"] == "succeeded" and job["processed"] == 6
    assert job["notes_per_s"] > 0 and job["notes_per_s_per_core"] > 0 and job["cores"] >= 1
    assert job["python_worker_peak_rss_mb"] > 0 and job["python_processes_seen"] >= 1
    assert set(job["phase_seconds"]) >= {"read", "detect", "validate", "write"}
    assert "detection stack" in written["text"]
