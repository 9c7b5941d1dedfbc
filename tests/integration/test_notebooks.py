"""The notebooks under notebooks/ run top to bottom in a Jupyter kernel (jupytext + nbclient).

Each notebook gets its own temp folders through its environment variables, so nothing lands in
out/. ``DEID_NOTEBOOK_SET`` is passed through when set (e.g. ``detection.ner.enabled=false`` while
the NER model is unavailable); otherwise the notebooks run the full detection stack.
The explore notebook starts its own Spark in the kernel process, so this test does not use the
shared ``spark`` fixture.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def _execute(name: str) -> list[str]:
    """Run a notebook in a python3 kernel (this interpreter); return the text of its stream outputs."""
    nb = jupytext.read(NOTEBOOKS / name)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=600,
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    return [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.output_type == "stream"]


def test_kernel_is_this_interpreter() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    argv0 = spec.argv[0]
    assert argv0 in ("python", sys.executable) or Path(argv0).resolve() == Path(sys.executable).resolve()


def test_explore_deid_table(tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "demo"
    monkeypatch.setenv("DEID_NOTEBOOK_WORKDIR", str(work))
    monkeypatch.delenv("DEID_NOTEBOOK_RERUN", raising=False)
    monkeypatch.delenv("DEID_SURROGATE_KEY", raising=False)  # the demo's public key, on synthetic data
    text = "".join(_execute("explore_deid_table.py"))
    assert "inconsistent patients: 0" in text
    assert {p.name for p in (work / "plots").glob("*.png")} == {"phi_per_label.png", "date_shift_per_patient.png"}
    (summary,) = [json.loads(p.read_text()) for p in (work / "runs").glob("*.json")]
    assert summary["status"] == "succeeded"


def test_evaluation_report(tmp_path: Path, monkeypatch) -> None:
    report = tmp_path / "eval" / "eval.json"
    monkeypatch.setenv("DEID_EVAL_JSON", str(report))  # missing: the notebook runs deid eval itself
    _execute("evaluation_report.py")
    data = json.loads(report.read_text())
    assert "token_confusion" in data["datasets"]["sample"]
    plots = {p.name for p in (report.parent / "eval_plots").glob("*.png")}
    assert {"recall_per_label_sample.png", "noise_filter_effect.png", "confusion_sample.png"} <= plots
