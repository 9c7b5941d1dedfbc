# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exploring a de-identified table
#
# Runs `deid demo` on the bundled **synthetic** sample (all names, dates and numbers in it are
# invented), or reuses an earlier demo run, then looks at what the job produced:
#
# 1. PHI replaced per label, from the audit table's `label_counts`;
# 2. surrogates: a before/after of two sample notes, and each detected span next to its replacement;
# 3. date shifting: every patient's notes must move by the same number of days.
#
# Settings (environment variables):
# - `DEID_NOTEBOOK_WORKDIR`: where the demo tables go (default `out/notebooks/demo`);
# - `DEID_NOTEBOOK_SET`: extra `--set` overrides, whitespace-separated (e.g. `detection.ner.enabled=false`);
# - `DEID_NOTEBOOK_RERUN=1`: run the demo again even if the folder already has a run.
#
# Never point this notebook at real notes: it prints note text.

# %%
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

import matplotlib

IN_KERNEL = "ipykernel" in sys.modules
if not IN_KERNEL:
    matplotlib.use("Agg")  # run as a plain script: write the PNGs only
import matplotlib.pyplot as plt
import pandas as pd

# Defaults resolve against the repository root: Jupyter starts kernels in notebooks/.
ROOT = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "pyproject.toml").is_file()), Path.cwd())
WORKDIR = Path(os.environ.get("DEID_NOTEBOOK_WORKDIR", ROOT / "out" / "notebooks" / "demo"))
OVERRIDES = os.environ.get("DEID_NOTEBOOK_SET", "").split()
PLOTS = WORKDIR / "plots"
PLOTS.mkdir(parents=True, exist_ok=True)
pd.set_option("display.max_colwidth", 80)


def show(obj) -> None:
    """Display a DataFrame (rich in Jupyter, text as a script)."""
    if IN_KERNEL:
        from IPython.display import display

        display(obj)
    else:
        print(obj.to_string() if isinstance(obj, pd.DataFrame) else obj)


def save(fig, name: str) -> Path:
    """Save a figure under PLOTS; show it inline in Jupyter."""
    path = PLOTS / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.show() if IN_KERNEL else plt.close(fig)
    return path


# %% [markdown]
# ## Run (or reuse) the demo

# %%
from deid.cli import main


def latest_summary(folder: Path) -> dict | None:
    runs = sorted((folder / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
    ok = [json.loads(p.read_text()) for p in runs]
    ok = [s for s in ok if s.get("status") == "succeeded"]
    return ok[-1] if ok else None


summary = None if os.environ.get("DEID_NOTEBOOK_RERUN") == "1" else latest_summary(WORKDIR)
if summary is None:
    argv = ["demo", "--workdir", str(WORKDIR), "--json", "--log-level", "WARNING"]
    for item in OVERRIDES:
        argv += ["--set", item]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    if code != 0:
        raise RuntimeError(f"deid demo exited with {code}; see the log above")
    summary = json.loads(out.getvalue())
    print(f"demo run {summary['run_id']} finished")
else:
    print(f"reusing demo run {summary['run_id']} in {WORKDIR}")

show(pd.Series({k: summary[k] for k in ("status", "input_notes", "processed", "accepted", "quarantined",
                                         "notes_per_second", "model_version", "config_version")}, name="run"))
print("Data Docs:", summary.get("data_docs"))

# %%
from pyspark.sql import functions as F

from deid.cli import default_config_path
from deid.config import load_config
from deid.sample import load_sample
from deid.session import get_spark

spark = get_spark(load_config(default_config_path()).spark)  # the demo's session, if it ran here
deid = spark.read.format("delta").load(str(WORKDIR / "deid_notes"))
# The audit table keeps one row per note and model/config version: look at this run's versions only.
audit = (spark.read.format("delta").load(str(WORKDIR / "audit"))
         .where((F.col("model_version") == summary["model_version"])
                & (F.col("config_version") == summary["config_version"])))
sample = {n["note_id"]: n for n in load_sample()}
print(f"{deid.count()} de-identified notes, {audit.count()} audit rows, {len(sample)} sample notes")

# %% [markdown]
# ## PHI replaced per label
# From the audit table's `label_counts` (accepted notes), next to the gold spans of the sample.
# Gold `OTHER`/`PROFESSION` spans are "don't care" in the evaluation, so they are usually not replaced.

# %%
counts = (audit.where(F.col("status") == "ok").select(F.explode("label_counts"))
          .groupBy("key").agg(F.sum("value").alias("replaced")).toPandas()
          .rename(columns={"key": "label"}).set_index("label"))
gold = pd.Series([s["label"] for n in sample.values() for s in n["spans"]]).value_counts().rename("gold spans")
per_label = counts.join(gold, how="outer").fillna(0).astype(int).sort_values("gold spans", ascending=False)
show(per_label)

fig, ax = plt.subplots(figsize=(8, 3.5))
per_label.plot.bar(ax=ax, rot=0)
ax.set_title("PHI per label: replaced by the job vs. gold spans in the sample")
ax.set_ylabel("count")
save(fig, "phi_per_label")

# %% [markdown]
# ## Surrogates: before and after
# The sample is synthetic, so printing it is fine. Same patient, same surrogate: names, identifiers and
# date shifts are keyed on the patient reference (`replacement.scope: patient`).

# %%
out_rows = {r["note_id"]: r for r in deid.collect()}
examples = [nid for nid in ("N0001", "N0002") if nid in out_rows] or list(out_rows)[:2]
for nid in examples:
    print(f"=== {nid} (patient {sample[nid]['patient_id']} -> {out_rows[nid]['patient_ref']}) ===")
    print("--- before ---\n" + sample[nid]["note_text"][:500])
    print("--- after ---\n" + out_rows[nid]["deid_text"][:500] + "\n")

# %%
spans = {r["note_id"]: r["spans"] for r in audit.where(F.col("note_id").isin(examples)).collect()}
pairs = []
for nid in examples:
    text, after = sample[nid]["note_text"], out_rows[nid]["deid_text"]
    for s in spans.get(nid) or []:
        pairs.append({"note": nid, "label": s["label"], "source": s["source"], "original": text[s["start"]:s["end"]],
                      "surrogate": after[s["out_start"]:s["out_end"]]})
show(pd.DataFrame(pairs).head(30))

# %% [markdown]
# ## Date shifting is consistent per patient
# Every note of a patient moves by the same number of days (so intervals between visits survive),
# and different patients get independent shifts. Compare the output's `note_date` with the sample's.

# %%
shifts = pd.DataFrame([
    {"note_id": nid, "patient_ref": row["patient_ref"],
     "original": pd.Timestamp(sample[nid]["note_date"]), "shifted": pd.Timestamp(row["note_date"])}
    for nid, row in out_rows.items() if sample[nid].get("note_date") and row["note_date"] is not None
])
shifts["shift_days"] = (shifts["shifted"] - shifts["original"]).dt.days
per_patient = shifts.groupby("patient_ref")["shift_days"].agg(["nunique", "min", "max", "count"])
show(per_patient.sort_values("count", ascending=False).head(15))
inconsistent = per_patient[per_patient["nunique"] > 1]
print(f"{len(per_patient)} patients, {len(shifts)} dated notes, inconsistent patients: {len(inconsistent)}")
assert inconsistent.empty, f"date shift differs within {len(inconsistent)} patients"
assert (shifts["shift_days"] != 0).all(), "some note dates were not shifted"

fig, ax = plt.subplots(figsize=(8, 3.5))
order = per_patient.sort_values("min").index
ax.scatter([list(order).index(p) for p in shifts["patient_ref"]], shifts["shift_days"], s=18)
ax.set_xticks(range(len(order)))
ax.set_xticklabels([p[:6] for p in order], rotation=90, fontsize=7)
ax.set_xlabel("patient (surrogate reference)")
ax.set_ylabel("note_date shift (days)")
ax.set_title("One shift per patient: each column's points coincide")
save(fig, "date_shift_per_patient")

# %%
print("plots written:", ", ".join(sorted(p.name for p in PLOTS.glob("*.png"))))
