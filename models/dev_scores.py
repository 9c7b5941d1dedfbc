"""Synthetic-dev micro scores during development (not the product evaluation, ``deid eval``).

    python -m models.dev_scores --checkpoint models/.work/runs/phi_ner/checkpoint
    python -m models.dev_scores --onnx int8        # the shipped model through udfs.ner.host
    python -m models.dev_scores --oof models/.work/oof   # out-of-fold predictions of --folds

Both paths decode with the production decoder, so a checkpoint and its ONNX export compare
directly. Only synthetic *dev* (and the out-of-fold predictions on training notes) is read: MEDDOCAN dev
and synthetic test stay untouched.
Prints one JSON line per model: scores and counts, never note text.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Sequence

from models import data as D
from models.metrics import all_scores


def _summary(name: str, docs: list, seconds: float) -> dict:
    s = all_scores(docs)
    return {
        "model": name, "notes": len(docs), "seconds": round(seconds, 1),
        **{m: round(s[m]["micro"]["f1"], 4) for m in ("token", "span_exact", "span_overlap")},
        "phi_token_recall": round(s["phi_token"]["recall"], 4),
        "token_f1_by_label": {k: round(v["f1"], 3) for k, v in s["token"].items() if k != "micro"},
    }


def score_checkpoint(ckpt: Path, dev: Sequence[D.Note], threads: int = 2) -> dict:
    import torch

    from models import train as T
    from models.modeling import load_checkpoint
    from udfs.ner.decode import decode_spans
    from udfs.ner.host import DEFAULT_MODEL_DIR
    from udfs.ner.tokenization import load_tokenizer

    torch.set_num_threads(threads)
    model, meta = load_checkpoint(ckpt, attn="sdpa")
    cfg = T.TrainConfig(**meta["config"])
    tok = load_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json")
    t0 = time.perf_counter()
    preds = T.predict_notes(model, tok, [n.text for n in dev], cfg)
    docs = [(n.text, n.spans, decode_spans(n.text, o, p, T.TAGS)) for n, (o, p) in zip(dev, preds)]
    return {**_summary(f"checkpoint:{ckpt}", docs, time.perf_counter() - t0), "casing": cfg.casing}


def score_onnx(variant: str, dev: Sequence[D.Note], threads: int = 2) -> dict:
    from udfs.ner.host import NerModel

    model = NerModel(variant=variant, intra_op_threads=threads)
    t0 = time.perf_counter()
    results = model.predict([n.text for n in dev])
    docs = [(n.text, n.spans, r.spans) for n, r in zip(dev, results)]
    return {**_summary(f"onnx:{variant}", docs, time.perf_counter() - t0), "version": model.meta["version"]}


def score_oof(oof_dir: Path) -> list[dict]:
    """Decode ``oof.jsonl`` (see ``models.train.run_folds``) and score it per source."""
    import numpy as np

    from udfs.ner.decode import decode_spans

    tags = json.loads((oof_dir / "tags.json").read_text())["tags"]
    docs: dict[str, list] = {"synthetic": [], "meddocan": []}
    with (oof_dir / "oof.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            off = np.asarray(r["token_offsets"], dtype=np.int32).reshape(-1, 2)
            probs = np.asarray(r["probs"], dtype=np.float32).reshape(-1, len(tags))
            source = "meddocan" if r["id"].startswith(("train/", "dev/")) else "synthetic"
            docs[source].append((r["text"], r["gold_spans"], decode_spans(r["text"], off, probs, tags)))
    return [_summary(f"oof:{k}", d, 0.0) for k, d in docs.items() if d]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="synthetic-dev scores of NER checkpoints / shipped ONNX")
    ap.add_argument("--checkpoint", action="append", default=[])
    ap.add_argument("--onnx", action="append", default=[], choices=["int8", "fp16", "fp32"])
    ap.add_argument("--oof", default="", help="directory with oof.jsonl + tags.json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    dev = D.synthetic_split(D.load_synthetic(), "dev")
    for ck in args.checkpoint:
        print(json.dumps(score_checkpoint(Path(ck), dev, args.threads)), flush=True)
    for v in args.onnx:
        print(json.dumps(score_onnx(v, dev, args.threads)), flush=True)
    if args.oof:
        for row in score_oof(Path(args.oof)):
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
