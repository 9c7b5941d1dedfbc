"""Predictions of a packaged NER model on notes it did not train on, in the OOF file schema.

    python -m models.noise_filter.predict --ner-report models/.work/runs/phi_ner/report.json \
        [--model-dir models/phi_ner] [--out models/.work/noise_filter/heldout]

The fallback (and complement) to K-fold OOF predictions: the shipped NER trained on the synthetic
train split + the first ``meddocan_max_docs`` MEDDOCAN train notes in sha256 order, so the other
MEDDOCAN *train* notes and the synthetic *dev* split are unseen by it. The training config is
read from the run's ``report.json`` so the excluded subsample is exactly the one it trained on.
MEDDOCAN dev and synthetic test are never predicted here.

Writes ``meddocan_unseen.jsonl``, ``synthetic_dev.jsonl`` and ``tags.json`` (tags, model version).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from models import data as D

REPO = Path(__file__).resolve().parents[2]


def unseen_notes(report: dict) -> dict[str, list[D.Note]]:
    """Notes of the training-side splits that the run described by ``report`` did not fit."""
    cfg = report["config"]
    max_docs = int(cfg.get("meddocan_max_docs", 0)) if cfg.get("use_meddocan", True) else 0
    med_train = [n for n in D.load_meddocan("train", REPO / cfg.get("meddocan_dir", "../shared/data/meddocan"))
                 if n.id.startswith("train/")]
    if cfg.get("use_meddocan", True) and max_docs <= 0:
        raise SystemExit("that run trained on all MEDDOCAN train notes: none are unseen")
    seen = {n.id for n in D.meddocan_subsample(med_train, max_docs)} if cfg.get("use_meddocan", True) else set()
    syn = D.load_synthetic(REPO / cfg.get("synthetic_dir", "models/corpus/synthetic"))
    return {
        "meddocan_unseen": [n for n in med_train if n.id not in seen],
        "synthetic_dev": D.synthetic_split(syn, "dev"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ner-report", required=True, help="report.json of the run that produced the model")
    ap.add_argument("--model-dir", default=str(REPO / "models" / "phi_ner"))
    ap.add_argument("--variant", default="int8")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="at most N notes per set (smoke tests)")
    ap.add_argument("--out", default=str(REPO / "models" / ".work" / "noise_filter" / "heldout"))
    args = ap.parse_args(argv)

    from udfs.ner.host import NerModel

    report = json.loads(Path(args.ner_report).read_text(encoding="utf-8"))
    model = NerModel(args.model_dir, variant=args.variant, intra_op_threads=args.threads, batch_size=8)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tags.json").write_text(json.dumps({
        "tags": list(model.tags), "model_version": model.meta.get("version", ""),
        "kind": "packaged NER on notes it did not train on (MEDDOCAN train outside its subsample, synthetic dev)",
    }) + "\n", encoding="utf-8")
    for name, notes in unseen_notes(report).items():
        notes = notes[:args.limit] if args.limit > 0 else notes
        t0 = time.perf_counter()
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for start in range(0, len(notes), 16):
                chunk = notes[start:start + 16]
                for n, (off, pr) in zip(chunk, model.predict_probs([n.text for n in chunk])):
                    fh.write(json.dumps({
                        "id": n.id, "language": n.language, "text": n.text, "gold_spans": n.spans,
                        "token_offsets": np.asarray(off).tolist(), "probs": np.round(pr, 5).tolist(),
                    }, ensure_ascii=False) + "\n")
        print(f"{name}: {len(notes)} notes in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
