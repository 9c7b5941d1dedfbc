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
# # Detection quality report
#
# Reads the JSON report that `deid eval` writes and shows, per dataset:
#
# 1. the headline numbers with and without the noise filter;
# 2. recall (and precision) per label, token level;
# 3. the noise filter's effect: false-positive tokens removed against recall lost;
# 4. confusions by label: which gold label ends up predicted as what (`O` = nothing);
# 5. PHI-token recall per language.
#
# Settings (environment variables):
# - `DEID_EVAL_JSON`: the report to read (default `out/notebooks/eval.json`); if the file does not
#   exist, this notebook runs `deid eval --dataset sample --output <that path>` first;
# - `DEID_NOTEBOOK_SET`: extra `--set` overrides for that run, whitespace-separated.

# %%
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import matplotlib

IN_KERNEL = "ipykernel" in sys.modules
if not IN_KERNEL:
    matplotlib.use("Agg")  # run as a plain script: write the PNGs only
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

# Defaults resolve against the repository root: Jupyter starts kernels in notebooks/.
ROOT = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "pyproject.toml").is_file()), Path.cwd())
EVAL_JSON = Path(os.environ.get("DEID_EVAL_JSON", ROOT / "out" / "notebooks" / "eval.json"))
OVERRIDES = os.environ.get("DEID_NOTEBOOK_SET", "").split()
PLOTS = EVAL_JSON.parent / "eval_plots"
PLOTS.mkdir(parents=True, exist_ok=True)


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


# %%
if not EVAL_JSON.is_file():
    from deid.cli import main

    argv = ["eval", "--dataset", "sample", "--output", str(EVAL_JSON), "--log-level", "WARNING"]
    for item in OVERRIDES:
        argv += ["--set", item]
    code = main(argv)
    if code != 0:
        raise RuntimeError(f"deid eval exited with {code}; see the log above")
report = json.loads(EVAL_JSON.read_text())
datasets = report["datasets"]
print(f"report {EVAL_JSON}: stack {report['stack_version']}, datasets: {', '.join(datasets)}")

# %% [markdown]
# ## Headline numbers
# PHI-token recall is label-agnostic: a gold PHI token counts as found if any span covers it, whatever
# its label. That is what matters for de-identification (a name replaced as a location is still gone).

# %%
rows = []
for name, res in datasets.items():
    for mode in ("without_filter", "with_filter"):
        o = res[mode]["overall"]
        rows.append({"dataset": name, "noise filter": mode == "with_filter", "notes": res["n_notes"],
                     "PHI-token recall": o["phi_token"]["recall"], "PHI-token precision": o["phi_token"]["precision"],
                     "token micro F1": o["token"]["micro"]["f1"], "span (overlap) micro F1": o["span_overlap"]["micro"]["f1"]})
headline = pd.DataFrame(rows).set_index(["dataset", "noise filter"])
show(headline.round(4))

# %% [markdown]
# ## Recall per label (token level)

# %%
def per_label(res: dict, mode: str) -> pd.DataFrame:
    table = res[mode]["overall"]["token"]
    return pd.DataFrame({lab: v for lab, v in table.items() if lab != "micro"}).T


for name, res in datasets.items():
    with_f, without_f = per_label(res, "with_filter"), per_label(res, "without_filter")
    table = pd.DataFrame({"recall (filter)": with_f["recall"], "recall (no filter)": without_f["recall"],
                          "precision (filter)": with_f["precision"], "gold tokens": with_f["tp"] + with_f["fn"]})
    table = table.fillna(0).sort_values("gold tokens", ascending=False)
    print(f"== {name}")
    show(table.round(3))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    table[["recall (no filter)", "recall (filter)"]].plot.bar(ax=ax, rot=0, ylim=(0, 1.05))
    ax.set_title(f"{name}: token recall per label")
    save(fig, f"recall_per_label_{name}")

# %% [markdown]
# ## The noise filter's effect
# The filter drops NER spans that look like noise. It pays off when it removes many false-positive
# tokens for little or no recall.

# %%
effect = pd.DataFrame({name: res["filter_effect"] for name, res in datasets.items()}).T
effect["filter available"] = [res["noise_filter_available"] for res in datasets.values()]
show(effect.round(4))
if not effect["filter available"].any():
    print("no noise filter in this stack (NER off or filter not trained): both columns are equal")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
effect[["fp_tokens_without", "fp_tokens_with"]].plot.bar(ax=ax1, rot=0)
ax1.set_title("false-positive PHI tokens")
effect[["phi_token_recall_without", "phi_token_recall_with"]].plot.bar(ax=ax2, rot=0, ylim=(0, 1.05))
ax2.set_title("PHI-token recall")
save(fig, "noise_filter_effect")

# %% [markdown]
# ## Confusions by label
# Rows: gold label; columns: predicted label (`O` = no span), token counts with the filter on, shown
# as the share of each gold row. Off-diagonal cells are mislabels (still replaced) or misses (`O`).

# %%
for name, res in datasets.items():
    confusion = res.get("token_confusion")
    if not confusion:
        print(f"{name}: no token_confusion in this report (written by an older deid eval)")
        continue
    counts = pd.DataFrame(confusion).T.fillna(0).astype(int)
    labels = sorted((set(counts.index) | set(counts.columns)) - {"O"}) + ["O"]
    counts = counts.reindex(index=labels, columns=labels, fill_value=0)
    print(f"== {name} (token counts, rows = gold)")
    show(counts)
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    im = ax.imshow(shares.values, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(len(labels)):
        for j in range(len(labels)):
            if counts.iat[i, j]:
                ax.text(j, i, counts.iat[i, j], ha="center", va="center", fontsize=7,
                        color="white" if shares.iat[i, j] > 0.5 else "black")
    fig.colorbar(im, ax=ax, label="share of gold row")
    ax.set_title(f"{name}: token confusion (filter on)")
    save(fig, f"confusion_{name}")

# %% [markdown]
# ## PHI-token recall per language

# %%
lang_rows = []
for name, res in datasets.items():
    for mode in ("without_filter", "with_filter"):
        for lang, scores in res[mode]["per_language"].items():
            lang_rows.append({"dataset": name, "language": lang, "mode": mode,
                              "recall": scores["phi_token"]["recall"]})
by_lang = pd.DataFrame(lang_rows).pivot_table(index=["dataset", "language"], columns="mode", values="recall")
show(by_lang.round(4))
fig, ax = plt.subplots(figsize=(8, 3.5))
by_lang.plot.bar(ax=ax, rot=0, ylim=(0, 1.05))
ax.set_title("PHI-token recall per language")
save(fig, "recall_per_language")

# %%
print("plots written:", ", ".join(sorted(p.name for p in PLOTS.glob("*.png"))))
