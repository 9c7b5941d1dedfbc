"""End to end: `deid demo` on the bundled sample with the full stack (patterns + NER + noise filter)."""
from __future__ import annotations

import json
import logging

import pytest

from deid.cli import main
from deid.sample import load_sample

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def demo(spark, tmp_path_factory):
    work = tmp_path_factory.mktemp("demo")
    return work


def test_demo_runs_full_stack_and_logs_no_phi(spark, demo, capsys, caplog, monkeypatch):
    monkeypatch.delenv("DEID_SURROGATE_KEY", raising=False)
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(demo.parent)  # a relative --workdir, as in the README's first command
    assert main(["demo", "--workdir", demo.name, "--json", "--log-level", "DEBUG"]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert summary["status"] == "succeeded"
    assert summary["accepted"] + summary["quarantined"] == summary["input_notes"] == len(load_sample())
    assert "ner" in summary["model_version"] or "phi-ner" in summary["model_version"]
    assert summary["phi_per_label"].get("NAME", 0) > 20  # names need the model: patterns find none
    logs = caplog.text + out.err
    for note in load_sample():
        for s in note["spans"]:
            value = note["note_text"][s["start"]:s["end"]]
            if len(value) >= 5 and not value.isdigit():
                assert value not in logs, "PHI string in logs"


def test_demo_output_replaces_gold_names(spark, demo):
    rows = {r["note_id"]: r["deid_text"] for r in spark.read.format("delta").load(f"{demo}/deid_notes").collect()}
    leaked = total = 0
    for note in load_sample():
        if note["note_id"] not in rows:
            continue
        for s in note["spans"]:
            if s["label"] in ("NAME",):
                total += 1
                value = note["note_text"][s["start"]:s["end"]]
                leaked += value in rows[note["note_id"]] and len(value) > 3
    assert total > 20
    assert leaked / total < 0.1


def test_demo_second_run_changes_nothing(spark, demo, capsys):
    before = sorted(tuple(r) for r in spark.read.format("delta").load(f"{demo}/deid_notes").collect())
    assert main(["demo", "--workdir", str(demo), "--json"]) == 0
    after = sorted(tuple(r) for r in spark.read.format("delta").load(f"{demo}/deid_notes").collect())
    assert before == after
